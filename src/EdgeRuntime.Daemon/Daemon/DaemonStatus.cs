using System.Collections.Concurrent;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Daemon;

/// <summary>What the frame loop did; <see cref="ExitCode"/> becomes the process exit code.</summary>
public sealed class DaemonStatus
{
    private long _processed, _corrupt, _dropped, _gated;

    private readonly ConcurrentDictionary<string, long> _restarts = new(StringComparer.Ordinal);
    private string? _lastFault;

    /// <summary>0 normally (components that fail are restarted by <see cref="Supervisor"/>, they do not end the process).</summary>
    public int ExitCode { get; internal set; }

    /// <summary>The source ran out of frames (finite source) and the host was stopped because of it.</summary>
    public bool SourceEnded { get; internal set; }

    public long FramesProcessed => Interlocked.Read(ref _processed);
    public long FramesCorrupt => Interlocked.Read(ref _corrupt);
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames captured but not inferred because the inference gate (trigger inputs) was idle.</summary>
    public long FramesGated => Interlocked.Read(ref _gated);

    /// <summary>The last telemetry built (published or not).</summary>
    public TelemetrySnapshot? LastTelemetry { get; internal set; }

    /// <summary>The latency table logged at the end.</summary>
    public string? LatencyTable { get; internal set; }

    /// <summary>Restarts per component (frame-loop, ota, ...) since the process started.</summary>
    public Dictionary<string, long> Restarts => new(_restarts, StringComparer.Ordinal);

    public long RestartsOf(string component) => _restarts.TryGetValue(component, out long n) ? n : 0;

    /// <summary>"component: ExceptionType: message" of the latest fault (message cut to 200 characters), or null.</summary>
    public string? LastFault => Volatile.Read(ref _lastFault);

    public void RecordFault(string component, Exception ex)
    {
        _restarts.AddOrUpdate(component, 1, (_, n) => n + 1);
        string message = ex.Message.Length > 200 ? ex.Message[..200] : ex.Message;
        Volatile.Write(ref _lastFault, $"{component}: {ex.GetType().Name}: {message}");
    }

    /// <summary>Stopwatch timestamp of the last frame processed or gated (0: none yet); /readyz reads it.</summary>
    public long LastProgressTimestamp => Interlocked.Read(ref _lastProgress);

    private long _lastProgress;

    internal void AddProcessed()
    {
        Interlocked.Increment(ref _processed);
        Volatile.Write(ref _lastProgress, System.Diagnostics.Stopwatch.GetTimestamp());
    }
    internal void AddCorrupt() => Interlocked.Increment(ref _corrupt);
    internal void AddDropped(long n) => Interlocked.Add(ref _dropped, n);
    internal void AddGated()
    {
        Interlocked.Increment(ref _gated);
        Volatile.Write(ref _lastProgress, System.Diagnostics.Stopwatch.GetTimestamp());
    }
}
