namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Where frames come from: a Pi camera, a V4L2 device, files, a video or a synthetic pattern.
/// Implementations fill a caller-owned <see cref="FrameBuffer"/> so capture allocates nothing per frame.
/// </summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>Human-readable description for logs and telemetry (e.g. "v4l2:/dev/video0 MJPEG 640x480").</summary>
    string Description { get; }

    /// <summary>Reads the next frame into <paramref name="frame"/>. Returns false when the source has ended.</summary>
    ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken);
}

/// <summary>How the bytes of a <see cref="FrameBuffer"/> are encoded.</summary>
public enum FrameFormat
{
    /// <summary>An encoded still image (JPEG, PNG or BMP; MJPEG frames are JPEG).</summary>
    Encoded,
    /// <summary>Packed YUYV 4:2:2 (V4L2 V4L2_PIX_FMT_YUYV).</summary>
    Yuyv,
    /// <summary>Packed 8-bit RGB.</summary>
    Rgb24,
}

/// <summary>A reusable frame buffer: grows only when a larger frame arrives.</summary>
public sealed class FrameBuffer
{
    private byte[] _data;

    public FrameBuffer(int capacity = 1 << 20) => _data = new byte[capacity];

    public long FrameId { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public FrameFormat Format { get; set; }
    /// <summary>Width and height for raw formats (0 for encoded frames, where the image says).</summary>
    public int Width { get; set; }
    public int Height { get; set; }
    public int Length { get; private set; }

    public ReadOnlySpan<byte> Bytes => _data.AsSpan(0, Length);

    /// <summary>Makes room for <paramref name="length"/> bytes and returns the span to fill.</summary>
    public Span<byte> Prepare(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_data.Length < length) _data = new byte[Math.Max(length, _data.Length * 2)];
        Length = length;
        return _data.AsSpan(0, length);
    }
}
