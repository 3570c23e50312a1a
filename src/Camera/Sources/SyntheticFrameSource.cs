using System.Runtime.CompilerServices;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Generated RGB24 frames, so the daemon runs anywhere: a colour gradient with a bouncing square and a
/// circle moving over it. Frame n depends only on n and the size (deterministic across runs and machines).
/// Allocates nothing per frame.
/// </summary>
public sealed class SyntheticFrameSource : IFrameSource
{
    private readonly FramePacer _pacer;
    private readonly long _frameCount;
    private readonly byte[] _rowRed;
    private long _next;

    /// <param name="width">Frame width (1..16384).</param>
    /// <param name="height">Frame height (1..16384).</param>
    /// <param name="fps">Frames per second, or 0 for as fast as the consumer asks.</param>
    /// <param name="frameCount">Frames before the end of the stream, or 0 for endless.</param>
    public SyntheticFrameSource(int width = 640, int height = 480, double fps = 30, long frameCount = 0)
    {
        if (width is <= 0 or > 16384) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be 1..16384");
        if (height is <= 0 or > 16384) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be 1..16384");
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        Width = width;
        Height = height;
        Fps = fps;
        _frameCount = frameCount;
        _pacer = new FramePacer(fps);
        _rowRed = new byte[width];
        for (int x = 0; x < width; x++) _rowRed[x] = (byte)(width == 1 ? 0 : x * 255 / (width - 1));
    }

    public int Width { get; }
    public int Height { get; }
    public double Fps { get; }

    public string Description => $"synthetic:{Width}x{Height}{(Fps > 0 ? $"@{Fps:0.##}" : "")}";

    public ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_frameCount > 0 && _next >= _frameCount) return new ValueTask<bool>(false);
        ValueTask<bool> due = _pacer.WaitAsync(cancellationToken);
        if (!due.IsCompletedSuccessfully) return WaitThenProduce(due, frame);
        // Unpaced, or the tick is already due: no async machinery (nothing is allocated, even in Debug builds).
        _ = due.Result;
        Produce(frame);
        return new ValueTask<bool>(true);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitThenProduce(ValueTask<bool> due, FrameBuffer frame)
    {
        await due.ConfigureAwait(false);
        Produce(frame);
        return true;
    }

    private void Produce(FrameBuffer frame)
    {
        long index = _next++;
        Render(index, frame.Prepare(Width * Height * 3));
        frame.Format = FrameFormat.Rgb24;
        frame.Width = Width;
        frame.Height = Height;
        frame.FrameId = index;
        frame.Timestamp = DateTimeOffset.UtcNow;
    }

    /// <summary>Draws frame <paramref name="index"/> into <paramref name="rgb"/> (Width * Height * 3 bytes).</summary>
    public void Render(long index, Span<byte> rgb)
    {
        int w = Width, h = Height;
        if (rgb.Length < w * h * 3) throw new ArgumentException("buffer is smaller than Width * Height * 3", nameof(rgb));

        // Background: red grows to the right, green downwards, blue cycles slowly with time.
        byte blue = (byte)Triangle(index, 128);
        for (int y = 0; y < h; y++)
        {
            byte green = (byte)(h == 1 ? 0 : y * 255 / (h - 1));
            Span<byte> row = rgb.Slice(y * w * 3, w * 3);
            for (int x = 0, i = 0; x < w; x++, i += 3)
            {
                row[i] = _rowRed[x];
                row[i + 1] = green;
                row[i + 2] = blue;
            }
        }

        // A white square bouncing horizontally, a dark-red disc bouncing diagonally.
        int side = Math.Max(1, Math.Min(w, h) / 5);
        int sx = Triangle(index * 4, Math.Max(0, w - side));
        int sy = (h - side) / 3;
        FillRect(rgb, w, h, sx, sy, side, side, 255, 255, 255);

        int radius = Math.Max(1, Math.Min(w, h) / 8);
        int cx = radius + Triangle(index * 3, Math.Max(0, w - 2 * radius));
        int cy = radius + Triangle(index * 2, Math.Max(0, h - 2 * radius));
        FillDisc(rgb, w, h, cx, cy, radius, 160, 0, 32);
    }

    /// <summary>0, 1, .. max, max-1, .. 1, 0, 1 .. (period 2 * max).</summary>
    private static int Triangle(long t, int max)
    {
        if (max <= 0) return 0;
        long p = t % (2L * max);
        return (int)(p <= max ? p : 2L * max - p);
    }

    private static void FillRect(Span<byte> rgb, int w, int h, int x0, int y0, int rw, int rh, byte r, byte g, byte b)
    {
        int x1 = Math.Min(w, x0 + rw), y1 = Math.Min(h, y0 + rh);
        x0 = Math.Max(0, x0);
        y0 = Math.Max(0, y0);
        for (int y = y0; y < y1; y++) FillSpan(rgb, w, y, x0, x1, r, g, b);
    }

    private static void FillDisc(Span<byte> rgb, int w, int h, int cx, int cy, int radius, byte r, byte g, byte b)
    {
        for (int dy = -radius; dy <= radius; dy++)
        {
            int y = cy + dy;
            if ((uint)y >= (uint)h) continue;
            int half = ISqrt(radius * radius - dy * dy);
            FillSpan(rgb, w, y, Math.Max(0, cx - half), Math.Min(w, cx + half + 1), r, g, b);
        }
    }

    private static void FillSpan(Span<byte> rgb, int w, int y, int x0, int x1, byte r, byte g, byte b)
    {
        for (int x = x0, i = (y * w + x0) * 3; x < x1; x++, i += 3)
        {
            rgb[i] = r;
            rgb[i + 1] = g;
            rgb[i + 2] = b;
        }
    }

    /// <summary>Integer floor square root (exact, so frames do not depend on floating point).</summary>
    private static int ISqrt(int n)
    {
        if (n <= 0) return 0;
        int x = (int)Math.Sqrt(n);
        while (x * x > n) x--;
        while ((x + 1) * (x + 1) <= n) x++;
        return x;
    }

    public ValueTask DisposeAsync()
    {
        _pacer.Dispose();
        return default;
    }
}
