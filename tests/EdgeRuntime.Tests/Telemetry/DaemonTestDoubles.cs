using System.Diagnostics;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Tests.Telemetry;

/// <summary>
/// TEST DOUBLE ONLY (not a model): "segments" by thresholding the red channel: class 15 (person)
/// where R &gt; 127, else 0 (background). Stands in until the real interpreter is plugged in.
/// </summary>
internal sealed class ThresholdTestSegmenter : ISegmenter
{
    public string ModelName => "threshold-test-double";
    public string ModelSha256 => "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    public int ClassCount => 21;
    public int Calls { get; private set; }

    public SegmentationTimings Segment(RgbImage frame, Span<byte> classMap)
    {
        long t0 = Stopwatch.GetTimestamp();
        var px = frame.Pixels;
        for (int i = 0; i < frame.Width * frame.Height; i++) classMap[i] = px[3 * i] > 127 ? (byte)15 : (byte)0;
        long t1 = Stopwatch.GetTimestamp();
        Thread.SpinWait(2000); // something measurable as "inference"
        long t2 = Stopwatch.GetTimestamp();
        Calls++;
        return new SegmentationTimings(0.01, Math.Max(0.001, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds), Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
    }

    public static byte[] Expected(byte[] rgb) => [.. Enumerable.Range(0, rgb.Length / 3).Select(i => rgb[3 * i] > 127 ? (byte)15 : (byte)0)];

    public void Dispose() { }
}

/// <summary>
/// TEST DOUBLE: a synthetic Rgb24 source. Frame <see cref="CorruptIndex"/> is broken (wrong byte count,
/// so the default decoder throws InvalidDataException). After <see cref="FrameCount"/> frames it either
/// ends or, with <see cref="HangAtEnd"/>, blocks forever like a stuck camera.
/// </summary>
internal sealed class SyntheticTestFrameSource(int frameCount, int corruptIndex = -1, int delayMs = 5, bool hangAtEnd = false, bool allCorrupt = false) : IFrameSource
{
    public const int Width = 16, Height = 12;
    public int FrameCount => frameCount;
    public int CorruptIndex => corruptIndex;
    public bool HangAtEnd => hangAtEnd;
    public string Description => $"synthetic-test {Width}x{Height} x{frameCount}";
    private int _next;

    /// <summary>The RGB pixels of frame <paramref name="index"/>: a bright band that moves with the index.</summary>
    public static byte[] Pixels(int index)
    {
        var rgb = new byte[Width * Height * 3];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int o = 3 * (y * Width + x);
                bool on = (x + index) % 8 < 3;
                rgb[o] = on ? (byte)200 : (byte)30;
                rgb[o + 1] = (byte)(x * 10);
                rgb[o + 2] = (byte)(y * 10);
            }
        return rgb;
    }

    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        if (delayMs > 0) await Task.Delay(delayMs, cancellationToken);
        if (_next >= frameCount)
        {
            if (!hangAtEnd) return false;
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        int index = _next++;
        frame.FrameId = index;
        frame.Timestamp = DateTimeOffset.UtcNow;
        frame.Format = FrameFormat.Rgb24;
        frame.Width = Width;
        frame.Height = Height;
        var pixels = Pixels(index);
        if (index == corruptIndex || allCorrupt)
            pixels.AsSpan(0, 17).CopyTo(frame.Prepare(17)); // truncated: not width*height*3 bytes
        else
            pixels.CopyTo(frame.Prepare(pixels.Length));
        return true;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>TEST DOUBLE: a watchdog that counts pings.</summary>
internal sealed class CountingWatchdog(TimeSpan timeout) : IWatchdogNotifier
{
    private long _pings;
    public bool IsEnabled => true;
    public TimeSpan Timeout => timeout;
    public long Pings => Interlocked.Read(ref _pings);
    public void Ping() => Interlocked.Increment(ref _pings);
}
