namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Frame source settings (plain properties, for Microsoft.Extensions.Options binding, e.g. a "Camera" section).
/// <see cref="Source"/> is a URI-like string; its query parameters override the properties here:
/// <list type="bullet">
/// <item><c>folder:/path</c> — the images of a folder (loop, fps)</item>
/// <item><c>file:/path.jpg</c> — one image (loop, fps)</item>
/// <item><c>mjpeg:/path.mjpeg</c> — an MJPEG file (loop, fps)</item>
/// <item><c>video:/path.mp4</c> or <c>video:rtsp://...</c> — anything ffmpeg reads (width, height, fps, loop, realtime, program)</item>
/// <item><c>rpicam:?width=640&amp;height=480&amp;fps=15</c> — Pi camera via rpicam-vid/libcamera-vid (quality, program)</item>
/// <item><c>v4l2:/dev/video0?format=mjpeg&amp;width=640&amp;height=480</c> — V4L2 device (format mjpeg|yuyv, fps, buffers)</item>
/// <item><c>synthetic:?width=640&amp;height=480&amp;fps=30</c> — generated frames (frames = count, 0 endless)</item>
/// </list>
/// </summary>
public sealed class FrameSourceOptions
{
    /// <summary>Which source, e.g. "rpicam:?width=640&amp;height=480&amp;fps=15". Default: synthetic.</summary>
    public string Source { get; set; } = "synthetic:";

    /// <summary>Frame width (cameras, synthetic; scaling for video). Default 640.</summary>
    public int Width { get; set; } = 640;

    /// <summary>Frame height. Default 480.</summary>
    public int Height { get; set; } = 480;

    /// <summary>Frames per second; 0 means the source's natural rate (as fast as read, for files). Default 0.</summary>
    public double Fps { get; set; }

    /// <summary>Restart files/folders/videos at the end. Default false.</summary>
    public bool Loop { get; set; }

    /// <summary>V4L2 pixel format: "mjpeg" or "yuyv". Default mjpeg.</summary>
    public string PixelFormat { get; set; } = "mjpeg";

    /// <summary>V4L2 mmap buffers. Default 4.</summary>
    public int Buffers { get; set; } = 4;

    /// <summary>rpicam-vid MJPEG quality 1..100, 0 for its default.</summary>
    public int Quality { get; set; }

    /// <summary>ffmpeg: read at the input's native rate (-re). Default true.</summary>
    public bool Realtime { get; set; } = true;

    /// <summary>Overrides the program for rpicam/video sources (name on PATH or path).</summary>
    public string? Program { get; set; }

    /// <summary>Synthetic: number of frames before the end (0 = endless).</summary>
    public long FrameCount { get; set; }

    /// <summary>Largest accepted MJPEG frame in bytes. Default 16 MiB.</summary>
    public int MaxFrameBytes { get; set; } = MjpegStreamReader.DefaultMaxFrameBytes;

    /// <summary>A copy, for applying query overrides without touching the bound instance.</summary>
    public FrameSourceOptions Clone() => (FrameSourceOptions)MemberwiseClone();
}
