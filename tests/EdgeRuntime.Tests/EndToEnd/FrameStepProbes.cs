using System.Diagnostics;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.EndToEnd;

/// <summary>
/// Stopwatch timestamps of each frame's stages as the frame loop's own hooks see them: decode start, segmentation end
/// (the publish step starts right after) and the output writer (called inside the publish step, after the zone rules).
/// </summary>
internal sealed class FrameSteps
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, FrameStep> _steps = [];
    private readonly List<long> _order = [];
    private long _current;

    public IReadOnlyList<long> StartedFrames
    {
        get { lock (_lock) return [.. _order]; }
    }

    public FrameStep Of(long frameId)
    {
        lock (_lock) return _steps[frameId];
    }

    public void Started(long frameId)
    {
        lock (_lock)
        {
            _current = frameId;
            _order.Add(frameId);
            _steps[frameId] = new FrameStep(frameId) { Started = Stopwatch.GetTimestamp() };
        }
    }

    public void Segmented()
    {
        long now = Stopwatch.GetTimestamp();
        lock (_lock) _steps[_current].SegmentedAt = now;
    }

    public void OutputsWritten(long frameId)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            _steps[frameId].OutputsAt = now;
            _steps[frameId].OutputsThread = Environment.CurrentManagedThreadId;
        }
    }
}

internal sealed class FrameStep(long frameId)
{
    public long Started { get; init; }
    public long SegmentedAt { get; set; }
    public long OutputsAt { get; set; }
    public int OutputsThread { get; set; }

    /// <summary>Milliseconds from the end of this frame's segmentation to <paramref name="timestamp"/>.</summary>
    public double Ms(long timestamp) => (timestamp - SegmentedAt) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Fails unless <paramref name="timestamp"/> lies in this frame's publish step, on the frame loop's thread.</summary>
    public void AssertInside(long timestamp, int threadId, string what)
    {
        Assert.True(SegmentedAt > 0 && OutputsAt > 0, $"frame {frameId} was not segmented and published");
        Assert.True(timestamp > SegmentedAt && timestamp < OutputsAt,
            $"{what}: {Ms(timestamp):F3} ms after the frame's segmentation ended, the output writer (still in the step) ran at {Ms(OutputsAt):F3} ms");
        Assert.Equal(OutputsThread, threadId);
    }
}

/// <summary>The real segmenter, noting when each frame's segmentation returns.</summary>
internal sealed class StepTimedSegmenter(ISegmenter inner, FrameSteps steps) : ISegmenter
{
    public string ModelName => inner.ModelName;
    public string ModelSha256 => inner.ModelSha256;
    public int ClassCount => inner.ClassCount;

    public SegmentationTimings Segment(RgbImage frame, Span<byte> classMap)
    {
        var timings = inner.Segment(frame, classMap);
        steps.Segmented();
        return timings;
    }

    public void Dispose() => inner.Dispose();
}

/// <summary>
/// A looping source cut to <paramref name="frames"/> frames: awaits <paramref name="beforeFirst"/> before the first
/// and <paramref name="beforeEnd"/> before reporting the end (conditions to wait for, not delays).
/// </summary>
internal sealed class BoundedSource(IFrameSource inner, int frames, Func<CancellationToken, Task> beforeFirst, Func<CancellationToken, Task> beforeEnd) : IFrameSource
{
    private int _read;
    public string Description => inner.Description;

    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        if (_read == 0) await beforeFirst(cancellationToken);
        if (_read == frames)
        {
            await beforeEnd(cancellationToken);
            return false;
        }
        _read++;
        return await inner.ReadFrameAsync(frame, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>The daemon's message publisher, recording each message, when it was handed over, by which thread, and whether it was queued.</summary>
internal sealed class RecordingMessagePublisher(IMessagePublisher inner) : IMessagePublisher
{
    private readonly Lock _lock = new();
    private readonly List<(OutgoingMessage Message, long Timestamp, int ThreadId, bool Accepted)> _sent = [];

    public IReadOnlyList<(OutgoingMessage Message, long Timestamp, int ThreadId, bool Accepted)> Sent
    {
        get { lock (_lock) return [.. _sent]; }
    }

    public bool IsConnected => inner.IsConnected;
    public long ConnectionCount => inner.ConnectionCount;

    public bool TryPublish(OutgoingMessage message)
    {
        bool accepted = inner.TryPublish(message);
        long now = Stopwatch.GetTimestamp();
        lock (_lock) _sent.Add((message, now, Environment.CurrentManagedThreadId, accepted));
        return accepted;
    }
}
