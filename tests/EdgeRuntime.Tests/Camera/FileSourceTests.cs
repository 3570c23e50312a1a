using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class FileSourceTests
{
    private static async Task<List<(long Id, byte[] Bytes)>> Read(IFrameSource source, int max)
    {
        var frames = new List<(long, byte[])>();
        var frame = new FrameBuffer(16);
        while (frames.Count < max && await source.ReadFrameAsync(frame, CancellationToken.None))
        {
            Assert.Equal(FrameFormat.Encoded, frame.Format);
            frames.Add((frame.FrameId, frame.Bytes.ToArray()));
        }
        return frames;
    }

    private static CameraTestData.TempFolder FolderWithImages(out byte[][] ordered)
    {
        var folder = CameraTestData.NewTempFolder();
        // Written out of order, with mixed-case extensions and files that are not images.
        File.WriteAllBytes(folder.File("b.jpg"), [2, 2]);
        File.WriteAllBytes(folder.File("a.JPG"), [1]);
        File.WriteAllBytes(folder.File("c.png"), [3, 3, 3]);
        File.WriteAllBytes(folder.File("d.bmp"), [4, 4, 4, 4]);
        File.WriteAllBytes(folder.File("e.jpeg"), [5]);
        File.WriteAllText(folder.File("notes.txt"), "not an image");
        Directory.CreateDirectory(folder.File("sub.jpg"));
        ordered = [[1], [2, 2], [3, 3, 3], [4, 4, 4, 4], [5]];
        return folder;
    }

    [Fact]
    public async Task FolderReadsImagesInOrderOnce()
    {
        using var folder = FolderWithImages(out byte[][] expected);
        await using var source = new FolderFrameSource(folder.Path);
        Assert.Equal(["a.JPG", "b.jpg", "c.png", "d.bmp", "e.jpeg"], source.Files.Select(Path.GetFileName));
        var frames = await Read(source, 100);
        Assert.Equal(expected, frames.Select(f => f.Bytes));
        Assert.Equal([1L, 2, 3, 4, 5], frames.Select(f => f.Id));
        Assert.False(await source.ReadFrameAsync(new FrameBuffer(), CancellationToken.None));
    }

    [Fact]
    public async Task FolderLoops()
    {
        using var folder = FolderWithImages(out byte[][] expected);
        await using var source = new FolderFrameSource(folder.Path, loop: true);
        var frames = await Read(source, 12);
        Assert.Equal(12, frames.Count);
        for (int i = 0; i < 12; i++) Assert.Equal(expected[i % 5], frames[i].Bytes);
        Assert.Equal(12, frames[^1].Id);
    }

    [Fact]
    public async Task FolderPacesToFps()
    {
        using var folder = FolderWithImages(out _);
        await using var source = new FolderFrameSource(folder.Path, loop: true, fps: 50);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Read(source, 11); // first immediate, then 10 periods of 20 ms
        Assert.InRange(clock.ElapsedMilliseconds, 150, 5000);
    }

    [Fact]
    public void FolderErrorsAreClear()
    {
        var missing = Assert.Throws<FrameSourceException>(() => new FolderFrameSource("/nonexistent/edgert-frames"));
        Assert.Contains("does not exist", missing.Message);
        using var empty = CameraTestData.NewTempFolder();
        var none = Assert.Throws<FrameSourceException>(() => new FolderFrameSource(empty.Path));
        Assert.Contains("no .jpg", none.Message);
    }

    [Fact]
    public async Task FileSourceOnceOrLooping()
    {
        byte[] pets = File.ReadAllBytes(CameraTestData.PetsJpg);
        await using (var once = new FileFrameSource(CameraTestData.PetsJpg))
        {
            var frames = await Read(once, 10);
            Assert.Single(frames);
            Assert.Equal(pets, frames[0].Bytes);
        }
        await using (var looping = new FileFrameSource(CameraTestData.PetsJpg, loop: true))
        {
            var frames = await Read(looping, 3);
            Assert.Equal(3, frames.Count);
            Assert.All(frames, f => Assert.Equal(pets, f.Bytes));
        }
        Assert.Throws<FrameSourceException>(() => new FileFrameSource("/nonexistent/x.jpg"));
    }

    [Fact]
    public async Task MjpegFileSourceReadsAndLoops()
    {
        using var folder = CameraTestData.NewTempFolder();
        byte[] a = File.ReadAllBytes(CameraTestData.VocJpg(1)), b = File.ReadAllBytes(CameraTestData.VocJpg(2));
        string path = folder.File("clip.mjpeg");
        File.WriteAllBytes(path, [.. a, .. CameraTestData.Garbage(20, 9), .. b]);

        await using (var once = new MjpegFileFrameSource(path))
        {
            var frames = await Read(once, 10);
            Assert.Equal([a, b], frames.Select(f => f.Bytes));
        }
        await using (var looping = new MjpegFileFrameSource(path, loop: true))
        {
            var frames = await Read(looping, 5);
            Assert.Equal([a, b, a, b, a], frames.Select(f => f.Bytes));
            Assert.Equal([1L, 2, 3, 4, 5], frames.Select(f => f.Id));
        }
        // A file without a complete frame ends instead of spinning, even when looping.
        string bad = folder.File("bad.mjpeg");
        File.WriteAllBytes(bad, CameraTestData.Garbage(1000, 3));
        await using var empty = new MjpegFileFrameSource(bad, loop: true);
        Assert.Empty(await Read(empty, 10));
    }
}
