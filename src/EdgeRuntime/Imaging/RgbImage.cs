namespace EdgeRuntime.Imaging;

/// <summary>
/// A decoded 8-bit RGB image (interleaved R,G,B, row-major, no row padding). The pixel buffer is
/// reused across frames: <see cref="Reset"/> only allocates when a larger frame arrives.
/// </summary>
public sealed class RgbImage
{
    private byte[] _pixels;

    /// <summary>An empty image whose buffer already holds <paramref name="capacityPixels"/> pixels.</summary>
    public RgbImage(int capacityPixels = 0) => _pixels = new byte[capacityPixels * 3];

    /// <summary>An image over <paramref name="pixels"/> (not copied): at least <paramref name="width"/> * <paramref name="height"/> * 3 bytes.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (pixels.Length < checked(width * height * 3))
            throw new ArgumentException("pixel buffer is smaller than width * height * 3", nameof(pixels));
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>Width of the current frame in pixels.</summary>
    public int Width { get; private set; }
    /// <summary>Height of the current frame in pixels.</summary>
    public int Height { get; private set; }

    /// <summary>The pixels of the current frame: Width * Height * 3 bytes.</summary>
    public Span<byte> Pixels => _pixels.AsSpan(0, Width * Height * 3);

    /// <summary>Sets the size of the next frame, growing the buffer only when needed.</summary>
    public void Reset(int width, int height)
    {
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is out of range");
        int needed = width * height * 3;
        if (_pixels.Length < needed) _pixels = new byte[needed];
        Width = width;
        Height = height;
    }
}
