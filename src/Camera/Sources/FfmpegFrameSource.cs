using System.Globalization;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Any video file, device or URL that ffmpeg can read, re-encoded to MJPEG on stdout:
/// <c>ffmpeg -i INPUT -f mjpeg -q:v 3 -</c> (plus pacing, looping and scaling options).
/// </summary>
public sealed class FfmpegFrameSource : ProcessFrameSource
{
    /// <param name="input">File path or URL given to <c>-i</c>.</param>
    /// <param name="width">Scale to this width (0 keeps the input size; with a height of 0 the aspect is kept).</param>
    /// <param name="height">Scale to this height (0 keeps the input size or the aspect).</param>
    /// <param name="fps">Resample to this frame rate (0 keeps the input rate).</param>
    /// <param name="loop">Loop a file forever (<c>-stream_loop -1</c>).</param>
    /// <param name="realtime">Read at the input's native rate (<c>-re</c>) like a live camera, instead of as fast as possible.</param>
    /// <param name="program">ffmpeg name or path.</param>
    public FfmpegFrameSource(string input, int width = 0, int height = 0, double fps = 0, bool loop = false, bool realtime = true,
        string program = "ffmpeg", int maxFrameBytes = MjpegStreamReader.DefaultMaxFrameBytes, Action<string>? log = null)
        : base(program, BuildArguments(input, width, height, fps, loop, realtime), maxFrameBytes, log)
    {
        Input = input;
    }

    public string Input { get; }

    public override string Description => $"video:{Input} (ffmpeg MJPEG)";

    /// <summary>The argument list for the given settings (exposed for tests and logs).</summary>
    public static List<string> BuildArguments(string input, int width = 0, int height = 0, double fps = 0, bool loop = false, bool realtime = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(input);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(fps);
        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "warning" };
        if (realtime) args.Add("-re");
        if (loop) args.AddRange(["-stream_loop", "-1"]);
        args.AddRange(["-i", input, "-an"]);
        var filters = new List<string>();
        if (fps > 0) filters.Add("fps=" + fps.ToString("0.###", CultureInfo.InvariantCulture));
        if (width > 0 || height > 0)
            filters.Add($"scale={(width > 0 ? width : -2).ToString(CultureInfo.InvariantCulture)}:{(height > 0 ? height : -2).ToString(CultureInfo.InvariantCulture)}");
        if (filters.Count > 0) args.AddRange(["-vf", string.Join(',', filters)]);
        args.AddRange(["-f", "mjpeg", "-q:v", "3", "-"]);
        return args;
    }
}
