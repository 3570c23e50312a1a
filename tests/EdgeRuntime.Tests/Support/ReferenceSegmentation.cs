using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.EndToEnd;

namespace EdgeRuntime.Tests.Support;

/// <summary>One demo frame segmented in the test process: size, class map and decoded pixels.</summary>
public sealed record ReferenceFrame(int W, int H, byte[] Map, byte[] Rgb);

/// <summary>
/// What the end-to-end zone tests compare the daemon with: the demo frames segmented here with the same model, and
/// zone coverages computed from those class maps by ray casting (independent of the daemon's precomputed zone masks).
/// </summary>
public static class ReferenceSegmentation
{
    /// <summary>Class maps of every readable demo frame, keyed by its index in <see cref="EndToEndFrames.Files"/>.</summary>
    public static Dictionary<int, ReferenceFrame> Segment(EndToEndFrames frames)
    {
        using var segmenter = DeepLabSegmenter.Load(frames.ModelPath, new SegmenterOptions { Interpreter = new Runtime.InterpreterOptions { Threads = 1 } });
        var maps = new Dictionary<int, ReferenceFrame>();
        for (int i = 0; i < frames.Files.Count; i++)
        {
            if (i == frames.CorruptIndex) continue;
            var image = new RgbImage();
            ImageDecoder.Decode(File.ReadAllBytes(frames.Files[i]), image);
            var map = new byte[image.Width * image.Height];
            segmenter.Segment(image, map);
            maps[i] = new ReferenceFrame(image.Width, image.Height, map, image.Pixels.ToArray());
        }
        return maps;
    }

    /// <summary>Fraction of the polygon's pixel centres (the whole frame when null) whose class is <paramref name="cls"/>.</summary>
    public static double Coverage(ReferenceFrame r, IReadOnlyList<(double X, double Y)>? polygon, int cls)
    {
        long inside = 0, hit = 0;
        for (int y = 0; y < r.H; y++)
            for (int x = 0; x < r.W; x++)
            {
                if (polygon is not null && !Inside(polygon, (x + 0.5) / r.W, (y + 0.5) / r.H)) continue;
                inside++;
                if (r.Map[y * r.W + x] == cls) hit++;
            }
        return inside == 0 ? 0 : hit / (double)inside;
    }

    /// <summary>
    /// The VOC class whose whole-frame coverage tells frame <paramref name="first"/> from the others best, with its
    /// coverage there and the highest on the others: a zone watching it is occupied on that frame only.
    /// </summary>
    public static (int Class, double OnFirst, double MaxOnOthers) MostDistinctClass(Dictionary<int, ReferenceFrame> maps, int first) =>
        Enumerable.Range(1, 20)
            .Select(c => (c, Coverage(maps[first], null, c), maps.Where(m => m.Key != first).Max(m => Coverage(m.Value, null, c))))
            .MaxBy(t => t.Item2 - t.Item3);

    private static bool Inside(IReadOnlyList<(double X, double Y)> poly, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = poly.Count - 1; i < poly.Count; j = i++)
            if ((poly[i].Y > y) != (poly[j].Y > y) && x < (poly[j].X - poly[i].X) * (y - poly[i].Y) / (poly[j].Y - poly[i].Y) + poly[i].X)
                inside = !inside;
        return inside;
    }
}
