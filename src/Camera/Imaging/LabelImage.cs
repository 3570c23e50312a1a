using EdgeRuntime.Imaging;

namespace EdgeRuntime.Camera.Imaging;

/// <summary>
/// A single-channel 8-bit map (class ids), row-major, no padding. Like <see cref="RgbImage"/>, the buffer is reused
/// and only grows.
/// </summary>
public sealed class LabelImage
{
    private byte[] _labels;

    public LabelImage(int capacityPixels = 0) => _labels = new byte[capacityPixels];

    public int Width { get; private set; }
    public int Height { get; private set; }

    /// <summary>Width * Height class values.</summary>
    public Span<byte> Labels => _labels.AsSpan(0, Width * Height);

    public void Reset(int width, int height)
    {
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is out of range");
        int needed = width * height;
        if (_labels.Length < needed) _labels = new byte[needed];
        Width = width;
        Height = height;
    }
}
