using System.Runtime.InteropServices;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Segmentation;

public class LogitsArgMaxTests
{
    /// <summary>Naive reference: full upsample of every channel to the canvas (align_corners, double), then argmax, then crop.</summary>
    private static byte[] Naive(float[] logits, int h, int w, int c, int canvasH, int canvasW, ImageRegion crop)
    {
        var full = new double[canvasH * canvasW * c];
        double sy = canvasH > 1 ? (h - 1) / (double)(canvasH - 1) : 0, sx = canvasW > 1 ? (w - 1) / (double)(canvasW - 1) : 0;
        for (int y = 0; y < canvasH; y++)
        {
            double py = y * sy;
            int y0 = Math.Min((int)Math.Floor(py), h - 1), y1 = Math.Min(y0 + 1, h - 1);
            double fy = py - y0;
            for (int x = 0; x < canvasW; x++)
            {
                double px = x * sx;
                int x0 = Math.Min((int)Math.Floor(px), w - 1), x1 = Math.Min(x0 + 1, w - 1);
                double fx = px - x0;
                for (int k = 0; k < c; k++)
                {
                    double top = (1 - fx) * logits[(y0 * w + x0) * c + k] + fx * logits[(y0 * w + x1) * c + k];
                    double bot = (1 - fx) * logits[(y1 * w + x0) * c + k] + fx * logits[(y1 * w + x1) * c + k];
                    full[(y * canvasW + x) * c + k] = (1 - fy) * top + fy * bot;
                }
            }
        }
        var map = new byte[crop.Width * crop.Height];
        for (int y = 0; y < crop.Height; y++)
            for (int x = 0; x < crop.Width; x++)
            {
                int o = ((crop.Y + y) * canvasW + crop.X + x) * c;
                int best = 0;
                for (int k = 1; k < c; k++) if (full[o + k] > full[o + best]) best = k;
                map[y * crop.Width + x] = (byte)best;
            }
        return map;
    }

    [Fact]
    public void HandMade2x2To3x3()
    {
        // 2 classes. Class 1 is strong at the top-left corner only; the centre is the average of the four corners.
        float[] logits =
        [
            0, 10,   5, 0,
            5, 0,    5, 0,
        ];
        var map = new byte[9];
        new LogitsArgMax().Resize(logits, 2, 2, 2, 3, 3, map);
        // corner (0,0): class 1; (0,1): avg of TL,TR: c0 = 2.5, c1 = 5 -> 1; (1,0): same -> 1;
        // centre: c0 = 3.75, c1 = 2.5 -> 0; everything else class 0.
        Assert.Equal(new byte[] { 1, 1, 0, 1, 0, 0, 0, 0, 0 }, map);
    }

    [Fact]
    public void TiesGoToTheFirstMaximum()
    {
        float[] logits = [1, 3, 3, 2];
        var map = new byte[4];
        new LogitsArgMax().Resize(logits, 1, 1, 4, 2, 2, map);
        Assert.All(map, v => Assert.Equal(1, v));
    }

    [Theory]
    [InlineData(65, 65, 21, 513, 513, 0, 0, 500, 366)]
    [InlineData(65, 65, 21, 513, 513, 0, 0, 513, 513)]
    [InlineData(7, 9, 5, 40, 50, 3, 4, 20, 30)]
    [InlineData(17, 17, 3, 60, 45, 0, 0, 45, 60)]
    public void EqualsNaiveUpsampleThenArgMax(int h, int w, int c, int canvasH, int canvasW, int cx, int cy, int cw, int ch)
    {
        var rng = new Random(h * 1000 + w * 10 + c);
        var logits = new float[h * w * c];
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)(rng.NextDouble() * 20 - 10);
        var crop = new ImageRegion(cx, cy, cw, ch);
        var map = new byte[cw * ch];
        var fused = new LogitsArgMax();
        fused.UpsampleCrop(logits, h, w, c, canvasH, canvasW, crop, map);
        Assert.Equal(Naive(logits, h, w, c, canvasH, canvasW, crop), map);
        // Reused instance, different geometry, then back: tables and row buffers are rebuilt correctly.
        fused.Resize(logits, h, w, c, 11, 13, new byte[11 * 13]);
        Array.Clear(map);
        fused.UpsampleCrop(logits, h, w, c, canvasH, canvasW, crop, map);
        Assert.Equal(Naive(logits, h, w, c, canvasH, canvasW, crop), map);
    }

    [Fact]
    public void QuantizedLogitsEqualNaiveOnTheirIntegerValues()
    {
        var rng = new Random(5);
        int h = 9, w = 9, c = 6;
        var u8 = new byte[h * w * c];
        rng.NextBytes(u8);
        var s8 = u8.Select(b => unchecked((sbyte)b)).ToArray();
        var crop = new ImageRegion(0, 0, 50, 41);
        var expectedU8 = Naive(u8.Select(b => (float)b).ToArray(), h, w, c, 65, 65, crop);
        var expectedS8 = Naive(s8.Select(b => (float)b).ToArray(), h, w, c, 65, 65, crop);
        var map = new byte[crop.Width * crop.Height];
        var fused = new LogitsArgMax();
        fused.UpsampleCrop(u8, h, w, c, 65, 65, crop, map);
        Assert.Equal(expectedU8, map);
        fused.UpsampleCrop(s8, h, w, c, 65, 65, crop, map);
        Assert.Equal(expectedS8, map);
    }

    [Fact]
    public void RegionMappedBackToImageSize()
    {
        // An identity-like case: 1 class wins on the left half, the other on the right; mapping a letterboxed
        // region back to a larger original size keeps the split at the middle.
        int h = 5, w = 5, c = 2;
        var logits = new float[h * w * c];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                logits[(y * w + x) * c + (x < 2 ? 0 : 1)] = x == 2 ? 0 : 1; // column 2: tie -> class 0
        var map = new byte[100 * 40];
        new LogitsArgMax().UpsampleRegion(logits, h, w, c, 50, 50, new ImageRegion(0, 15, 50, 20), 40, 100, map);
        for (int y = 0; y < 40; y++)
        {
            Assert.Equal(0, map[y * 100]);
            Assert.Equal(1, map[y * 100 + 99]);
        }
    }

    [Fact]
    public void AllocatesNothingAfterFirstCall()
    {
        var logits = new float[65 * 65 * 21];
        new Random(1).NextBytes(MemoryMarshal.AsBytes(logits.AsSpan()));
        for (int i = 0; i < logits.Length; i++) if (!float.IsFinite(logits[i])) logits[i] = 0;
        var map = new byte[500 * 366];
        var fused = new LogitsArgMax();
        var crop = new ImageRegion(0, 0, 500, 366);
        fused.UpsampleCrop(logits, 65, 65, 21, 513, 513, crop, map);
        long before = GC.GetAllocatedBytesForCurrentThread();
        fused.UpsampleCrop(logits, 65, 65, 21, 513, 513, crop, map);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static T[] ReadRaw<T>(string model, string file) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(SharedData.Path("golden", "raw", model, file))).ToArray();

    private static LabelImage Golden(string model, string id) =>
        LabelImageReader.ReadFile(SharedData.Path("golden", "tflite", model, id + ".png"));

    [Fact]
    public void HubInt8LogitsReproduceGoldenClassMap()
    {
        // 65x65 float logits of the 513 canvas -> 513 coordinates, top-left 500x366 crop.
        const string model = "lite-model_deeplabv3-mobilenetv2-int8_1_default_1";
        float[] logits = ReadRaw<float>(model, "2007_000033.output.bin");
        LabelImage golden = Golden(model, "2007_000033");
        var map = new byte[golden.Width * golden.Height];
        new LogitsArgMax().UpsampleCrop(logits, 65, 65, 21, 513, 513, new ImageRegion(0, 0, golden.Width, golden.Height), map);
        Assert.Equal(golden.Labels.ToArray(), map);
    }

    [Theory]
    [InlineData("deeplabv3_mnv2_pascal_quant")]
    [InlineData("deeplabv3_mnv2_dm05_pascal_quant")]
    public void CoralLogitsAndClassIdsReproduceGolden(string model)
    {
        // uint8 logits already at 513x513: argmax (identity resize) equals the model's ARG_MAX output...
        byte[] logits = ReadRaw<byte>(model, "2007_000033.logits.bin");
        long[] ids = ReadRaw<long>(model, "2007_000033.output.bin");
        var all = new byte[513 * 513];
        new LogitsArgMax().Resize(logits, 513, 513, 21, 513, 513, all);
        var fromIds = new byte[513 * 513];
        LogitsArgMax.CropClassIds(ids, 513, 513, new ImageRegion(0, 0, 513, 513), fromIds);
        Assert.Equal(fromIds, all);
        // ...and the crop of the id output is the golden class map.
        LabelImage golden = Golden(model, "2007_000033");
        var crop = new byte[golden.Width * golden.Height];
        LogitsArgMax.CropClassIds(ids, 513, 513, new ImageRegion(0, 0, golden.Width, golden.Height), crop);
        Assert.Equal(golden.Labels.ToArray(), crop);
        int[] ids32 = ids.Select(v => (int)v).ToArray();
        LogitsArgMax.CropClassIds(ids32, 513, 513, new ImageRegion(0, 0, golden.Width, golden.Height), crop);
        Assert.Equal(golden.Labels.ToArray(), crop);
    }

    [Fact]
    public void OutOfRangeClassIdsAreRejected()
    {
        long[] ids = [0, 1, 300, 2];
        Assert.Throws<InvalidDataException>(() => LogitsArgMax.CropClassIds(ids, 2, 2, new ImageRegion(0, 0, 2, 2), new byte[4]));
    }
}
