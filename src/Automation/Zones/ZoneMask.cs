namespace EdgeRuntime.Automation.Zones;

/// <summary>
/// A polygon rasterized for one class-map size, as horizontal runs of pixels (offset into the row-major map, length).
/// A pixel belongs to the zone when its centre lies inside the polygon (even-odd rule), so zones that share an edge
/// never both own a pixel. Built once per map size; counting over runs reads only the zone's pixels.
/// </summary>
public sealed class ZoneMask
{
    private ZoneMask(int width, int height, int[] starts, int[] lengths, int pixelCount)
    {
        Width = width;
        Height = height;
        RunStarts = starts;
        RunLengths = lengths;
        PixelCount = pixelCount;
    }

    public int Width { get; }
    public int Height { get; }
    public int[] RunStarts { get; }
    public int[] RunLengths { get; }

    /// <summary>Pixels inside the zone (the denominator of coverage).</summary>
    public int PixelCount { get; }

    public static ZoneMask Rasterize(IReadOnlyList<(double X, double Y)> polygon, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(polygon);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var starts = new List<int>();
        var lengths = new List<int>();
        var crossings = new List<double>(polygon.Count);
        int pixels = 0;
        for (int y = 0; y < height; y++)
        {
            double yc = (y + 0.5) / height;
            crossings.Clear();
            for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
            {
                var (xi, yi) = polygon[i];
                var (xj, yj) = polygon[j];
                // Half-open in y, so a vertex on the scanline is counted once.
                if ((yi <= yc) != (yj <= yc))
                    crossings.Add(xi + (yc - yi) * (xj - xi) / (yj - yi));
            }
            crossings.Sort();
            for (int k = 0; k + 1 < crossings.Count; k += 2)
            {
                // Pixel x is inside when its centre (x + 0.5) / width is in [a, b).
                int x0 = Math.Clamp((int)Math.Ceiling(crossings[k] * width - 0.5), 0, width);
                int x1 = Math.Clamp((int)Math.Ceiling(crossings[k + 1] * width - 0.5), 0, width);
                if (x1 <= x0) continue;
                starts.Add(y * width + x0);
                lengths.Add(x1 - x0);
                pixels += x1 - x0;
            }
        }
        return new ZoneMask(width, height, starts.ToArray(), lengths.ToArray(), pixels);
    }

    /// <summary>Pixels of class <paramref name="classId"/> inside the zone (vectorized per run by <see cref="MemoryExtensions.Count{T}(ReadOnlySpan{T}, T)"/>).</summary>
    public int Count(ReadOnlySpan<byte> classMap, byte classId)
    {
        if (classMap.Length < Width * Height) throw new ArgumentException($"class map has {classMap.Length} bytes, the zone mask is {Width}x{Height}");
        int count = 0;
        var starts = RunStarts;
        var lengths = RunLengths;
        for (int r = 0; r < starts.Length; r++)
            count += classMap.Slice(starts[r], lengths[r]).Count(classId);
        return count;
    }
}
