using System.Globalization;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// A Raspberry Pi camera through <c>rpicam-vid</c> (or <c>libcamera-vid</c> on older Raspberry Pi OS images)
/// encoding MJPEG to stdout: <c>rpicam-vid --codec mjpeg --nopreview -t 0 -o - --width W --height H --framerate F</c>.
/// </summary>
public sealed class RpicamFrameSource : ProcessFrameSource
{
    /// <summary>Programs tried in order.</summary>
    public static readonly IReadOnlyList<string> Programs = ["rpicam-vid", "libcamera-vid"];

    /// <param name="width">Frame width in pixels.</param>
    /// <param name="height">Frame height in pixels.</param>
    /// <param name="fps">Frame rate; 0 leaves it to the camera.</param>
    /// <param name="quality">MJPEG quality 1..100, or 0 for the program's default.</param>
    /// <param name="program">Overrides the program (name or path); null tries <see cref="Programs"/>.</param>
    /// <param name="extraArguments">Further rpicam-vid options (e.g. "--hflip", "--camera", "1").</param>
    public RpicamFrameSource(int width = 640, int height = 480, double fps = 15, int quality = 0, string? program = null,
        IEnumerable<string>? extraArguments = null, int maxFrameBytes = MjpegStreamReader.DefaultMaxFrameBytes, Action<string>? log = null)
        : base(FindProgram(program), BuildArguments(width, height, fps, quality, extraArguments), maxFrameBytes, log)
    {
        Width = width;
        Height = height;
        Fps = fps;
    }

    public int Width { get; }
    public int Height { get; }
    public double Fps { get; }

    public override string Description => $"rpicam:{Path.GetFileName(ProgramPath)} MJPEG {Width}x{Height}{(Fps > 0 ? $"@{Fps:0.##}" : "")}";

    /// <summary>The argument list for the given settings (exposed for tests and logs).</summary>
    public static List<string> BuildArguments(int width, int height, double fps, int quality = 0, IEnumerable<string>? extraArguments = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegative(fps);
        ArgumentOutOfRangeException.ThrowIfNegative(quality);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        var args = new List<string>
        {
            "--codec", "mjpeg", "--nopreview", "-t", "0", "-o", "-", "--flush",
            "--width", width.ToString(CultureInfo.InvariantCulture),
            "--height", height.ToString(CultureInfo.InvariantCulture),
        };
        if (fps > 0) args.AddRange(["--framerate", fps.ToString("0.###", CultureInfo.InvariantCulture)]);
        if (quality > 0) args.AddRange(["--quality", quality.ToString(CultureInfo.InvariantCulture)]);
        if (extraArguments is not null) args.AddRange(extraArguments);
        return args;
    }

    private static string FindProgram(string? program)
    {
        if (program is not null) return program; // the base constructor reports it if missing
        foreach (string candidate in Programs)
            if (ResolveProgram(candidate) is { } path) return path;
        throw new FrameSourceException("neither rpicam-vid nor libcamera-vid was found on PATH; install rpicam-apps (sudo apt install rpicam-apps) or use another source");
    }
}
