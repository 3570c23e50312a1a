using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Tests.Automation;

public sealed class ZoneMaskTests
{
    /// <summary>Independent reference: ray casting on each pixel centre.</summary>
    private static bool Inside(IReadOnlyList<(double X, double Y)> poly, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = poly.Count - 1; i < poly.Count; j = i++)
        {
            if ((poly[i].Y > y) != (poly[j].Y > y) && x < (poly[j].X - poly[i].X) * (y - poly[i].Y) / (poly[j].Y - poly[i].Y) + poly[i].X)
                inside = !inside;
        }
        return inside;
    }

    private static bool[] Expand(ZoneMask mask)
    {
        var bits = new bool[mask.Width * mask.Height];
        for (int r = 0; r < mask.RunStarts.Length; r++)
            for (int i = 0; i < mask.RunLengths[r]; i++)
            {
                Assert.False(bits[mask.RunStarts[r] + i], "runs overlap");
                bits[mask.RunStarts[r] + i] = true;
            }
        return bits;
    }

    [Fact]
    public void RandomPolygons_MatchPerPixelRayCasting()
    {
        var rng = new Random(1234);
        int mismatches = 0, total = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            int n = rng.Next(3, 9);
            // Coordinates on a fine grid that never puts an edge exactly through a pixel centre of these sizes.
            var poly = Enumerable.Range(0, n).Select(_ => (rng.Next(0, 1000) / 1000.0 + 0.0001, rng.Next(0, 1000) / 1000.0 + 0.0003)).ToList();
            int w = rng.Next(5, 80), h = rng.Next(5, 80);
            var bits = Expand(ZoneMask.Rasterize(poly, w, h));
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    total++;
                    if (bits[y * w + x] != Inside(poly, (x + 0.5) / w, (y + 0.5) / h)) mismatches++;
                }
        }
        Assert.Equal(0, mismatches);
        Assert.True(total > 10_000);
    }

    [Fact]
    public void WholeImage_CoversEveryPixel_AndAdjacentZonesSplitIt()
    {
        var whole = ZoneMask.Rasterize([(0, 0), (1, 0), (1, 1), (0, 1)], 513, 513);
        Assert.Equal(513 * 513, whole.PixelCount);
        var left = Expand(ZoneMask.Rasterize([(0, 0), (0.37, 0), (0.61, 1), (0, 1)], 513, 513));
        var right = Expand(ZoneMask.Rasterize([(0.37, 0), (1, 0), (1, 1), (0.61, 1)], 513, 513));
        for (int i = 0; i < left.Length; i++) Assert.True(left[i] ^ right[i], $"pixel {i} is in {(left[i] ? "both" : "neither")} of two zones sharing an edge");
    }

    [Fact]
    public void Count_CountsOnlyTheClassInsideTheZone()
    {
        int w = 40, h = 30;
        var map = new byte[w * h];
        var rng = new Random(7);
        rng.NextBytes(map);
        for (int i = 0; i < map.Length; i++) map[i] %= 4;
        var poly = new List<(double, double)> { (0.1, 0.2), (0.9, 0.1), (0.7, 0.95), (0.2, 0.8) };
        var mask = ZoneMask.Rasterize(poly, w, h);
        for (byte c = 0; c < 4; c++)
        {
            int expected = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (map[y * w + x] == c && Inside(poly, (x + 0.5) / w, (y + 0.5) / h)) expected++;
            Assert.Equal(expected, mask.Count(map, c));
        }
    }
}
