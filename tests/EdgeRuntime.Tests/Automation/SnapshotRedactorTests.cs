using EdgeRuntime.Automation.Privacy;

namespace EdgeRuntime.Tests.Automation;

public sealed class SnapshotRedactorTests
{
    private static (byte[] Rgb, byte[] Map) Scene(int w, int h)
    {
        var rng = new Random(3);
        var rgb = new byte[w * h * 3];
        rng.NextBytes(rgb);
        var map = new byte[w * h];
        for (int y = 10; y < 30; y++)
            for (int x = 20; x < 35; x++) map[y * w + x] = 15; // a "person"
        return (rgb, map);
    }

    private static bool[] PersonOnly()
    {
        var r = new bool[256];
        r[15] = true;
        return r;
    }

    [Fact]
    public void Fill_BlacksOutTheClass_LeavesEverythingElse()
    {
        const int W = 64, H = 48;
        var (rgb, map) = Scene(W, H);
        var original = rgb.ToArray();
        int changed = SnapshotRedactor.Redact(rgb, map, W, H, PersonOnly(), pixelate: false, blockSize: 8);
        Assert.Equal(20 * 15, changed);
        for (int i = 0; i < W * H; i++)
        {
            if (map[i] == 15) Assert.Equal(new byte[3], rgb.AsSpan(i * 3, 3).ToArray());
            else Assert.Equal(original.AsSpan(i * 3, 3).ToArray(), rgb.AsSpan(i * 3, 3).ToArray());
        }
    }

    [Fact]
    public void Pixelate_NoPersonPixelKeepsItsValue_BlocksAreUniform()
    {
        const int W = 64, H = 48, B = 8;
        var (rgb, map) = Scene(W, H);
        var original = rgb.ToArray();
        SnapshotRedactor.Redact(rgb, map, W, H, PersonOnly(), pixelate: true, blockSize: B);
        int kept = 0, person = 0;
        for (int i = 0; i < W * H; i++)
        {
            if (map[i] != 15) continue;
            person++;
            if (rgb.AsSpan(i * 3, 3).SequenceEqual(original.AsSpan(i * 3, 3))) kept++;
            // Uniform block: equals the block's top-left pixel.
            int x = i % W, y = i / W, corner = ((y / B * B) * W + x / B * B) * 3;
            Assert.True(rgb.AsSpan(i * 3, 3).SequenceEqual(rgb.AsSpan(corner, 3)));
        }
        Assert.True(kept <= person / 50, $"{kept} of {person} person pixels kept their original colour"); // random noise: a mean rarely equals a pixel
        // A block far from the person is untouched.
        Assert.True(rgb.AsSpan(0, 8 * 3).SequenceEqual(original.AsSpan(0, 8 * 3)));
    }
}
