using System.Diagnostics;
using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class ProcessFrameSourceTests
{
    private static async Task<List<byte[]>> ReadAll(IFrameSource source)
    {
        var frames = new List<byte[]>();
        var frame = new FrameBuffer(16);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await source.ReadFrameAsync(frame, timeout.Token)) frames.Add(frame.Bytes.ToArray());
        return frames;
    }

    [Fact]
    public async Task ShellScriptAsCamera()
    {
        string a = CameraTestData.PetsJpg, b = CameraTestData.VocJpg(3);
        var log = new List<string>();
        await using var source = new ProcessFrameSource("sh", ["-c", "cat \"$1\" \"$2\"; echo 'camera says hi' >&2", "sh", a, b], log: line => { lock (log) log.Add(line); });
        List<byte[]> frames = await ReadAll(source);
        Assert.Equal([File.ReadAllBytes(a), File.ReadAllBytes(b)], frames);
        Assert.Equal(0, source.ExitCode);
        lock (log) Assert.Contains(log, l => l.Contains("camera says hi"));
    }

    [Fact]
    public async Task FailingProgramReportsExitCodeAndStderr()
    {
        await using var source = new ProcessFrameSource("sh", ["-c", "echo 'ERROR: no cameras available' >&2; exit 3"]);
        var e = await Assert.ThrowsAsync<FrameSourceException>(() => ReadAll(source));
        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("no cameras available", e.Message);
    }

    [Fact]
    public void MissingProgramIsAClearError()
    {
        var e = Assert.Throws<FrameSourceException>(() => new ProcessFrameSource("edgert-no-such-camera-program", []));
        Assert.Contains("'edgert-no-such-camera-program' was not found", e.Message);
        Assert.Throws<FrameSourceException>(() => new ProcessFrameSource("/nonexistent/bin/rpicam-vid", []));
        Assert.Throws<FrameSourceException>(() => new FfmpegFrameSource("x.mp4", program: "/nonexistent/ffmpeg"));
    }

    [Fact]
    public async Task DisposeKillsARunningCamera()
    {
        string jpg = CameraTestData.VocJpg(4);
        // An endless "camera": one frame every 20 ms, forever.
        var source = new ProcessFrameSource("sh", ["-c", "while true; do cat \"$1\"; sleep 0.02; done", "sh", jpg]);
        var frame = new FrameBuffer();
        for (int i = 0; i < 3; i++) Assert.True(await source.ReadFrameAsync(frame, CancellationToken.None));
        Assert.Equal(File.ReadAllBytes(jpg), frame.Bytes.ToArray());
        int pid = GetPid(source);
        await source.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(IsRunning(pid), $"process {pid} survived dispose");
    }

    [Fact]
    public async Task CancellingAReadOfASilentProgram()
    {
        await using var source = new ProcessFrameSource("sleep", ["30"]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await source.ReadFrameAsync(new FrameBuffer(), cts.Token));
    }

    private static int GetPid(ProcessFrameSource source)
    {
        // The process id is only logged; find the child by its parent (this test process) instead.
        foreach (var p in Process.GetProcessesByName("sh"))
            if (File.Exists($"/proc/{p.Id}/stat") && File.ReadAllText($"/proc/{p.Id}/stat").Split(' ')[3] == Environment.ProcessId.ToString()
                && File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(source.Arguments[1]))
                return p.Id;
        throw new InvalidOperationException("child not found");
    }

    private static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].StartsWith('Z');

    [Fact]
    public void RpicamArguments()
    {
        Assert.Equal(
            ["--codec", "mjpeg", "--nopreview", "-t", "0", "-o", "-", "--flush", "--width", "640", "--height", "480", "--framerate", "15"],
            RpicamFrameSource.BuildArguments(640, 480, 15));
        Assert.Equal(["--framerate", "7.5", "--quality", "80", "--hflip"], RpicamFrameSource.BuildArguments(320, 240, 7.5, 80, ["--hflip"])[12..]);
    }

    [Fact]
    public void RpicamUsesAnExplicitProgramOrFailsClearly()
    {
        // With a stand-in program the arguments are those above.
        var source = new RpicamFrameSource(320, 240, 10, program: "sh");
        Assert.Equal("sh", Path.GetFileName(source.ProgramPath));
        Assert.Contains("--framerate", source.Arguments);
        if (ProcessFrameSource.ResolveProgram("rpicam-vid") is null && ProcessFrameSource.ResolveProgram("libcamera-vid") is null)
        {
            var e = Assert.Throws<FrameSourceException>(() => new RpicamFrameSource());
            Assert.Contains("rpicam-vid", e.Message);
            Assert.Contains("libcamera-vid", e.Message);
        }
    }

    [Fact]
    public void FfmpegArguments()
    {
        Assert.Equal(
            ["-hide_banner", "-nostdin", "-loglevel", "warning", "-i", "in.mp4", "-an", "-f", "mjpeg", "-q:v", "3", "-"],
            FfmpegFrameSource.BuildArguments("in.mp4", realtime: false));
        Assert.Equal(
            ["-hide_banner", "-nostdin", "-loglevel", "warning", "-re", "-stream_loop", "-1", "-i", "rtsp://cam/1", "-an", "-vf", "fps=10,scale=640:-2", "-f", "mjpeg", "-q:v", "3", "-"],
            FfmpegFrameSource.BuildArguments("rtsp://cam/1", 640, 0, 10, loop: true));
    }

    [Fact]
    public async Task FfmpegDecodesAVideo()
    {
        // ffmpeg is installed by scripts/install-deps.sh: the video source is tested against the real tool.
        Assert.True(ProcessFrameSource.ResolveProgram("ffmpeg") is not null, "ffmpeg is not installed (scripts/install-deps.sh installs it)");
        using var folder = CameraTestData.NewTempFolder();
        string video = folder.File("test.mkv");
        var make = Process.Start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", "12", "-c:v", "mjpeg", video])!;
        await make.WaitForExitAsync();
        Assert.Equal(0, make.ExitCode);
        await using var source = new FfmpegFrameSource(video, width: 80, realtime: false);
        List<byte[]> frames = await ReadAll(source);
        Assert.Equal(12, frames.Count);
        Assert.All(frames, f => Assert.Equal([0xFF, 0xD8], f[..2]));
    }
}
