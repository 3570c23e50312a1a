using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class SyntheticFrameSourceTests
{
    private static async Task<byte[][]> Frames(int width, int height, int count)
    {
        await using var source = new SyntheticFrameSource(width, height, fps: 0, frameCount: count);
        var frame = new FrameBuffer(16);
        var frames = new List<byte[]>();
        while (await source.ReadFrameAsync(frame, CancellationToken.None))
        {
            Assert.Equal(FrameFormat.Rgb24, frame.Format);
            Assert.Equal((width, height), (frame.Width, frame.Height));
            Assert.Equal(frames.Count, frame.FrameId);
            frames.Add(frame.Bytes.ToArray());
        }
        return frames.ToArray();
    }

    [Fact]
    public async Task IsDeterministicAndMoves()
    {
        byte[][] first = await Frames(64, 48, 8);
        byte[][] second = await Frames(64, 48, 8);
        Assert.Equal(8, first.Length);
        Assert.Equal(first, second);
        Assert.All(first, f => Assert.Equal(64 * 48 * 3, f.Length));
        for (int i = 1; i < first.Length; i++) Assert.NotEqual(first[i - 1], first[i]);
    }

    [Fact]
    public void RenderMatchesKnownPixels()
    {
        var source = new SyntheticFrameSource(100, 100, fps: 0);
        var rgb = new byte[100 * 100 * 3];
        source.Render(0, rgb);
        // Frame 0: square (side 20) at x 0..19, y 26..45; disc (radius 12) centred at (12, 12).
        Assert.Equal([255, 255, 255], rgb.AsSpan((30 * 100 + 5) * 3, 3).ToArray());       // in the square
        Assert.Equal([160, 0, 32], rgb.AsSpan((12 * 100 + 12) * 3, 3).ToArray());         // disc centre
        // Background gradient: red = x * 255 / 99, green = y * 255 / 99, blue = 0 at frame 0.
        Assert.Equal([(byte)(80 * 255 / 99), (byte)(90 * 255 / 99), 0], rgb.AsSpan((90 * 100 + 80) * 3, 3).ToArray());
        Assert.Equal([255, 255, 0], rgb.AsSpan((99 * 100 + 99) * 3, 3).ToArray());
    }

    [Fact]
    public async Task PacesToFps()
    {
        await using var source = new SyntheticFrameSource(8, 8, fps: 100, frameCount: 11);
        var frame = new FrameBuffer(16);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = 0;
        while (await source.ReadFrameAsync(frame, CancellationToken.None)) n++;
        Assert.Equal(11, n);
        Assert.InRange(clock.ElapsedMilliseconds, 75, 5000);
    }

    [Fact]
    public void RejectsBadSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticFrameSource(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticFrameSource(10, 20000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticFrameSource(10, 10, fps: -1));
    }
}
