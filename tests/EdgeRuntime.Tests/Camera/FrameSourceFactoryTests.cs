using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class FrameSourceFactoryTests
{
    [Fact]
    public async Task CreatesEachFileKind()
    {
        string demo = Path.GetDirectoryName(CameraTestData.PetsJpg)!;
        await using (var folder = FrameSourceFactory.Create($"folder:{demo}?loop=true&fps=5"))
        {
            var f = Assert.IsType<FolderFrameSource>(folder);
            Assert.Contains("loop", f.Description);
            Assert.Contains("5 fps", f.Description);
        }
        await using (var file = FrameSourceFactory.Create($"file://{CameraTestData.PetsJpg}"))
            Assert.IsType<FileFrameSource>(file);

        using var temp = CameraTestData.NewTempFolder();
        string clip = temp.File("a b.mjpeg");
        File.WriteAllBytes(clip, File.ReadAllBytes(CameraTestData.VocJpg(0)));
        await using (var mjpeg = FrameSourceFactory.Create("mjpeg:" + clip.Replace(" ", "%20")))
        {
            Assert.IsType<MjpegFileFrameSource>(mjpeg);
            Assert.True(await mjpeg.ReadFrameAsync(new FrameBuffer(), CancellationToken.None));
        }
    }

    [Fact]
    public async Task SyntheticTakesQueryParameters()
    {
        await using var source = FrameSourceFactory.Create("synthetic:?width=32&height=24&fps=0&frames=2");
        var s = Assert.IsType<SyntheticFrameSource>(source);
        Assert.Equal((32, 24, 0.0), (s.Width, s.Height, s.Fps));
        var frame = new FrameBuffer();
        Assert.True(await s.ReadFrameAsync(frame, CancellationToken.None));
        Assert.True(await s.ReadFrameAsync(frame, CancellationToken.None));
        Assert.False(await s.ReadFrameAsync(frame, CancellationToken.None));
    }

    [Fact]
    public async Task OptionsPropertiesApplyUnlessTheQueryOverrides()
    {
        var options = new FrameSourceOptions { Source = "synthetic:?height=10", Width = 20, Height = 99, Fps = 12.5 };
        await using var source = FrameSourceFactory.Create(options);
        var s = Assert.IsType<SyntheticFrameSource>(source);
        Assert.Equal((20, 10, 12.5), (s.Width, s.Height, s.Fps));
        Assert.Equal(99, options.Height); // the bound options are not modified
    }

    [Fact]
    public void ParsesV4l2RpicamAndVideo()
    {
        var (scheme, path, o) = FrameSourceFactory.Parse(new FrameSourceOptions { Source = "v4l2:/dev/video2?format=yuyv&width=320&height=240&buffers=3" });
        Assert.Equal(("v4l2", "/dev/video2", "yuyv", 320, 240, 3), (scheme, path, o.PixelFormat, o.Width, o.Height, o.Buffers));
        Assert.Equal(V4l2PixelFormat.Yuyv, FrameSourceFactory.ParsePixelFormat(o.PixelFormat));

        (scheme, path, o) = FrameSourceFactory.Parse(new FrameSourceOptions { Source = "rpicam:?width=1280&height=720&fps=30&quality=90" });
        Assert.Equal(("rpicam", "", 1280, 720, 30.0, 90), (scheme, path, o.Width, o.Height, o.Fps, o.Quality));

        // A URL keeps its own query string.
        (scheme, path, _) = FrameSourceFactory.Parse(new FrameSourceOptions { Source = "video:http://cam.local/stream?user=a&x=1" });
        Assert.Equal(("video", "http://cam.local/stream?user=a&x=1"), (scheme, path));
        (scheme, path, o) = FrameSourceFactory.Parse(new FrameSourceOptions { Source = "video:/clips/a.mp4?loop=1&realtime=false" });
        Assert.Equal(("/clips/a.mp4", true, false), (path, o.Loop, o.Realtime));
    }

    [Fact]
    public async Task VideoAndRpicamSourcesUseTheirPrograms()
    {
        await using (var source = FrameSourceFactory.Create("video:/clips/a.mp4?width=320&program=sh"))
        {
            var video = Assert.IsType<FfmpegFrameSource>(source);
            Assert.Contains("scale=320:-2", video.Arguments);
            Assert.Equal("sh", Path.GetFileName(video.ProgramPath));
        }
        await using (var source = FrameSourceFactory.Create("rpicam:?width=320&height=240&program=sh"))
        {
            var rpicam = Assert.IsType<RpicamFrameSource>(source);
            Assert.Equal(["--width", "320", "--height", "240", "--framerate", "15"], rpicam.Arguments.Skip(8).ToArray());
        }
    }

    [Theory]
    [InlineData("nothing")]
    [InlineData("webcam:/dev/video0")]
    [InlineData("synthetic:?colour=red")]
    [InlineData("synthetic:?width=abc")]
    [InlineData("folder:")]
    [InlineData("v4l2:/dev/video0?format=h264")]
    public void BadSourceStringsAreArgumentErrors(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => FrameSourceFactory.Create(text));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void MissingThingsAreFrameSourceErrors()
    {
        Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Create("folder:/nonexistent/frames"));
        Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Create("v4l2:/dev/video-edgert-missing"));
        Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Create("video:/x.mp4?program=edgert-no-ffmpeg"));
    }
}
