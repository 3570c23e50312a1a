using System.Globalization;

namespace EdgeRuntime.Camera.Sources;

/// <summary>Creates an <see cref="IFrameSource"/> from <see cref="FrameSourceOptions"/> (see there for the source syntax).</summary>
public static class FrameSourceFactory
{
    /// <summary>The source kinds (the part before the first ':').</summary>
    public static readonly IReadOnlyList<string> Schemes = ["folder", "file", "mjpeg", "video", "rpicam", "v4l2", "synthetic"];

    /// <summary>Creates a source from a source string, with default options otherwise.</summary>
    public static IFrameSource Create(string source, Action<string>? log = null) =>
        Create(new FrameSourceOptions { Source = source }, log);

    /// <summary>
    /// Creates the source <paramref name="options"/> describe. Query parameters in <see cref="FrameSourceOptions.Source"/>
    /// override the other properties. Throws <see cref="ArgumentException"/> for a malformed string and
    /// <see cref="FrameSourceException"/> when the source cannot be opened.
    /// </summary>
    /// <param name="log">Receives child-process stderr and lifecycle messages (process sources).</param>
    public static IFrameSource Create(FrameSourceOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (scheme, path, o) = Parse(options);
        switch (scheme)
        {
            case "folder":
                return new FolderFrameSource(RequirePath(scheme, path), o.Loop, o.Fps);
            case "file":
                return new FileFrameSource(RequirePath(scheme, path), o.Loop, o.Fps);
            case "mjpeg":
                return new MjpegFileFrameSource(RequirePath(scheme, path), o.Loop, o.Fps, o.MaxFrameBytes);
            case "video":
                // Explicit width/height in the query scale the video; the defaults of the options do not.
                return new FfmpegFrameSource(RequirePath(scheme, path), o.ScaleWidth, o.ScaleHeight, o.Fps, o.Loop, o.Realtime,
                    o.Program ?? "ffmpeg", o.MaxFrameBytes, log);
            case "rpicam":
                return new RpicamFrameSource(o.Width, o.Height, o.Fps > 0 ? o.Fps : 15, o.Quality, o.Program, null, o.MaxFrameBytes, log);
            case "v4l2":
                return new V4l2FrameSource(string.IsNullOrEmpty(path) ? "/dev/video0" : path, o.Width, o.Height, ParsePixelFormat(o.PixelFormat), o.Fps, o.Buffers);
            case "synthetic":
                return new SyntheticFrameSource(o.Width, o.Height, o.Fps, o.FrameCount);
            default:
                throw new ArgumentException($"unknown frame source '{scheme}:' in '{options.Source}'; expected one of {string.Join(", ", Schemes.Select(s => s + ":"))}");
        }
    }

    /// <summary>Effective settings after query overrides.</summary>
    internal sealed class Settings
    {
        public required FrameSourceOptions Options { get; init; }
        public int ScaleWidth { get; set; }
        public int ScaleHeight { get; set; }
        public int Width => Options.Width;
        public int Height => Options.Height;
        public double Fps => Options.Fps;
        public bool Loop => Options.Loop;
        public string PixelFormat => Options.PixelFormat;
        public int Buffers => Options.Buffers;
        public int Quality => Options.Quality;
        public bool Realtime => Options.Realtime;
        public string? Program => Options.Program;
        public long FrameCount => Options.FrameCount;
        public int MaxFrameBytes => Options.MaxFrameBytes;
    }

    /// <summary>Splits "scheme:path?k=v&amp;k=v" and applies the query to a copy of the options.</summary>
    internal static (string Scheme, string Path, Settings Settings) Parse(FrameSourceOptions options)
    {
        string text = options.Source?.Trim() ?? "";
        int colon = text.IndexOf(':');
        if (colon <= 0) throw new ArgumentException($"frame source '{text}' has no kind; expected e.g. 'synthetic:' or 'v4l2:/dev/video0'");
        string scheme = text[..colon].ToLowerInvariant();
        string rest = text[(colon + 1)..];
        string query = "";
        // A URL given to video: keeps its own query string.
        int q = scheme == "video" && rest.Contains("://", StringComparison.Ordinal) ? -1 : rest.IndexOf('?');
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }
        string path = Uri.UnescapeDataString(rest);
        if (path.StartsWith("//", StringComparison.Ordinal) && scheme != "video") path = path[2..]; // folder:///x -> /x

        var settings = new Settings { Options = options.Clone() };
        FrameSourceOptions o = settings.Options;
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            string value = eq < 0 ? "true" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (key)
            {
                case "width": o.Width = settings.ScaleWidth = ParseInt(key, value); break;
                case "height": o.Height = settings.ScaleHeight = ParseInt(key, value); break;
                case "fps": o.Fps = ParseDouble(key, value); break;
                case "loop": o.Loop = ParseBool(key, value); break;
                case "format": o.PixelFormat = value; break;
                case "buffers": o.Buffers = ParseInt(key, value); break;
                case "quality": o.Quality = ParseInt(key, value); break;
                case "realtime": o.Realtime = ParseBool(key, value); break;
                case "program": o.Program = value; break;
                case "frames": o.FrameCount = ParseInt(key, value); break;
                case "maxframebytes": o.MaxFrameBytes = ParseInt(key, value); break;
                default:
                    throw new ArgumentException($"unknown parameter '{key}' in frame source '{text}'; known: width, height, fps, loop, format, buffers, quality, realtime, program, frames, maxframebytes");
            }
        }
        return (scheme, path, settings);
    }

    internal static V4l2PixelFormat ParsePixelFormat(string format) => format.Trim().ToLowerInvariant() switch
    {
        "mjpeg" or "mjpg" or "jpeg" => V4l2PixelFormat.Mjpeg,
        "yuyv" or "yuy2" or "yuv" => V4l2PixelFormat.Yuyv,
        _ => throw new ArgumentException($"unknown V4L2 pixel format '{format}'; expected mjpeg or yuyv"),
    };

    private static string RequirePath(string scheme, string path) =>
        string.IsNullOrWhiteSpace(path) ? throw new ArgumentException($"frame source '{scheme}:' needs a path, e.g. '{scheme}:/data/x'") : path;

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
            ? v : throw new ArgumentException($"frame source parameter {key}={value} is not a non-negative integer");

    private static double ParseDouble(string key, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v)
            ? v : throw new ArgumentException($"frame source parameter {key}={value} is not a non-negative number");

    private static bool ParseBool(string key, string value) => value.ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new ArgumentException($"frame source parameter {key}={value} is not a boolean"),
    };
}
