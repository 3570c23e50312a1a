using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Daemon;

/// <summary>What the frame loop did; <see cref="ExitCode"/> becomes the process exit code.</summary>
public sealed class DaemonStatus
{
    private long _processed, _corrupt, _dropped;

    /// <summary>0 normally, 1 when the frame loop failed.</summary>
    public int ExitCode { get; internal set; }

    /// <summary>The source ran out of frames (finite source) and the host was stopped because of it.</summary>
    public bool SourceEnded { get; internal set; }

    public long FramesProcessed => Interlocked.Read(ref _processed);
    public long FramesCorrupt => Interlocked.Read(ref _corrupt);
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>The last telemetry built (published or not).</summary>
    public TelemetrySnapshot? LastTelemetry { get; internal set; }

    /// <summary>The latency table logged at the end.</summary>
    public string? LatencyTable { get; internal set; }

    internal void AddProcessed() => Interlocked.Increment(ref _processed);
    internal void AddCorrupt() => Interlocked.Increment(ref _corrupt);
    internal void AddDropped(long n) => Interlocked.Add(ref _dropped, n);
}
