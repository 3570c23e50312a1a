namespace EdgeRuntime.Automation.Privacy;

/// <summary>
/// Redacts chosen classes from an RGB frame before it is encoded: <c>fill</c> blacks out every pixel of those classes;
/// <c>pixelate</c> replaces every block that touches such a pixel by the block's mean colour (a whole block, so the
/// outline of a person is not kept at pixel precision). Works in place on a copy the caller owns.
/// </summary>
public static class SnapshotRedactor
{
    /// <summary>Returns the number of pixels changed.</summary>
    public static int Redact(Span<byte> rgb, ReadOnlySpan<byte> classMap, int width, int height, ReadOnlySpan<bool> redactClass, bool pixelate, int blockSize)
    {
        if (rgb.Length < width * height * 3 || classMap.Length < width * height) throw new ArgumentException("image and class map do not match the size");
        return pixelate ? Pixelate(rgb, classMap, width, height, redactClass, blockSize) : Fill(rgb, classMap, width * height, redactClass);
    }

    private static int Fill(Span<byte> rgb, ReadOnlySpan<byte> classMap, int pixels, ReadOnlySpan<bool> redact)
    {
        int changed = 0;
        for (int i = 0; i < pixels; i++)
        {
            if (classMap[i] >= redact.Length || !redact[classMap[i]]) continue;
            rgb.Slice(i * 3, 3).Clear();
            changed++;
        }
        return changed;
    }

    private static int Pixelate(Span<byte> rgb, ReadOnlySpan<byte> classMap, int width, int height, ReadOnlySpan<bool> redact, int block)
    {
        int changed = 0;
        for (int by = 0; by < height; by += block)
        for (int bx = 0; bx < width; bx += block)
        {
            int y1 = Math.Min(height, by + block), x1 = Math.Min(width, bx + block);
            bool touches = false;
            long r = 0, g = 0, b = 0;
            for (int y = by; y < y1; y++)
            for (int x = bx; x < x1; x++)
            {
                int i = y * width + x;
                touches |= classMap[i] < redact.Length && redact[classMap[i]];
                r += rgb[i * 3];
                g += rgb[i * 3 + 1];
                b += rgb[i * 3 + 2];
            }
            if (!touches) continue;
            int n = (y1 - by) * (x1 - bx);
            byte mr = (byte)(r / n), mg = (byte)(g / n), mb = (byte)(b / n);
            for (int y = by; y < y1; y++)
            for (int x = bx; x < x1; x++)
            {
                int i = (y * width + x) * 3;
                rgb[i] = mr;
                rgb[i + 1] = mg;
                rgb[i + 2] = mb;
            }
            changed += n;
        }
        return changed;
    }
}
