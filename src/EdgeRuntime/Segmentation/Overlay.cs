namespace EdgeRuntime.Segmentation;

/// <summary>Blends class colours onto an RGB image (for visualisation; the result feeds PngEncoder as Rgb8).</summary>
internal static class Overlay
{
    /// <summary>
    /// output = image * (1 - alpha) + colour(class) * alpha per channel, rounded to nearest, for every pixel whose class
    /// is not <paramref name="backgroundClass"/>; background pixels are copied unchanged. <paramref name="palette"/> is
    /// interleaved RGB (default: <see cref="VocPalette"/>); classes beyond it are left unchanged.
    /// <paramref name="output"/> may be the same memory as <paramref name="image"/>. Allocates nothing.
    /// </summary>
    public static void Blend(ReadOnlySpan<byte> image, ReadOnlySpan<byte> classMap, int width, int height, Span<byte> output,
        double alpha = 0.5, int backgroundClass = 0, ReadOnlySpan<byte> palette = default)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width));
        int n = width * height;
        if (image.Length < n * 3) throw new ArgumentException("image is smaller than width * height * 3", nameof(image));
        if (classMap.Length < n) throw new ArgumentException("class map is smaller than width * height", nameof(classMap));
        if (output.Length < n * 3) throw new ArgumentException("output is smaller than width * height * 3", nameof(output));
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be in [0, 1]");
        if (palette.IsEmpty) palette = VocPalette.Colors;
        int paletteClasses = palette.Length / 3;
        int a = (int)Math.Round(alpha * 256), ia = 256 - a;
        for (int i = 0; i < n; i++)
        {
            int cls = classMap[i];
            int p = i * 3;
            if (cls == backgroundClass || cls >= paletteClasses)
            {
                output[p] = image[p];
                output[p + 1] = image[p + 1];
                output[p + 2] = image[p + 2];
                continue;
            }
            int q = cls * 3;
            output[p] = (byte)((image[p] * ia + palette[q] * a + 128) >> 8);
            output[p + 1] = (byte)((image[p + 1] * ia + palette[q + 1] * a + 128) >> 8);
            output[p + 2] = (byte)((image[p + 2] * ia + palette[q + 2] * a + 128) >> 8);
        }
    }

    /// <summary>Colours a class map with the palette (RGB, width * height * 3 bytes), e.g. to save a VOC-style label image.</summary>
    public static void Colorize(ReadOnlySpan<byte> classMap, int width, int height, Span<byte> output, ReadOnlySpan<byte> palette = default)
    {
        int n = width * height;
        if (classMap.Length < n || output.Length < n * 3) throw new ArgumentException("buffers are smaller than width * height (* 3)");
        if (palette.IsEmpty) palette = VocPalette.Colors;
        int paletteClasses = palette.Length / 3;
        for (int i = 0; i < n; i++)
        {
            int cls = classMap[i];
            if (cls >= paletteClasses) { output[i * 3] = output[i * 3 + 1] = output[i * 3 + 2] = 0; continue; }
            palette.Slice(cls * 3, 3).CopyTo(output.Slice(i * 3, 3));
        }
    }
}
