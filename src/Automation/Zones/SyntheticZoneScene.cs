namespace EdgeRuntime.Automation.Zones;

/// <summary>
/// The fixed scene the zone-coverage measurements share (benchmarks/ZoneCoverageBenchmarks and `edgert zone-coverage`
/// for the ARM cycle model): eight five-vertex polygons over the frame and a class map with blobs of person and dog,
/// so both report the same work.
/// </summary>
public static class SyntheticZoneScene
{
    /// <summary>Zone <paramref name="i"/> (0..7) of the typical layout, in normalized coordinates.</summary>
    public static List<double[]> TypicalPolygon(int i)
    {
        double x = (i % 4) * 0.22, y = (i / 4) * 0.45;
        return [[x, y], [x + 0.3, y + 0.02], [x + 0.34, y + 0.3], [x + 0.15, y + 0.5], [x + 0.01, y + 0.35]];
    }

    /// <summary>A segmentation-like class map: background with six blobs of person (15) and dog (12), seed 42.</summary>
    public static byte[] BlobMap(int size)
    {
        var map = new byte[size * size];
        var rng = new Random(42);
        for (int blob = 0; blob < 6; blob++)
        {
            int cx = rng.Next(size), cy = rng.Next(size), r = rng.Next(30, 120);
            byte cls = blob % 2 == 0 ? (byte)15 : (byte)12;
            for (int y = Math.Max(0, cy - r); y < Math.Min(size, cy + r); y++)
                for (int x = Math.Max(0, cx - r); x < Math.Min(size, cx + r); x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r) map[y * size + x] = cls;
        }
        return map;
    }
}
