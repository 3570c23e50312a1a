using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.SimdOps;

/// <summary>The separable float resize of <see cref="InputPreprocessor"/>, at every vector width, equals the per-pixel formula bit for bit.</summary>
public class FloatResizeTests
{
    public static TheoryData<int> Widths()
    {
        var data = new TheoryData<int>();
        data.Add(0);
        data.Add(new TheoryDataRow<int>(128).WithSkip(IsaSkip.Reason(Vector128.IsHardwareAccelerated, "hardware-accelerated Vector128")));
        data.Add(new TheoryDataRow<int>(256).WithSkip(IsaSkip.Reason(Vector256.IsHardwareAccelerated, "hardware-accelerated Vector256")));
        return data;
    }

    /// <summary>The definition (the pre-separable code): align_corners taps in double, lerps in float on table values.</summary>
    private static float[] PerPixel(RgbImage image, int dstW, int dstH, float[] lut)
    {
        var o = new float[dstW * dstH * 3];
        double sx = dstW > 1 ? (image.Width - 1) / (double)(dstW - 1) : 0, sy = dstH > 1 ? (image.Height - 1) / (double)(dstH - 1) : 0;
        for (int y = 0; y < dstH; y++)
        {
            double py = y * sy;
            int y0 = Math.Min((int)Math.Floor(py), image.Height - 1), y1 = Math.Min(y0 + 1, image.Height - 1);
            float fy = (float)(py - y0);
            for (int x = 0; x < dstW; x++)
            {
                double px = x * sx;
                int x0 = Math.Min((int)Math.Floor(px), image.Width - 1), x1 = Math.Min(x0 + 1, image.Width - 1);
                float fx = (float)(px - x0);
                for (int c = 0; c < 3; c++)
                {
                    float a = lut[image.Pixels[(y0 * image.Width + x0) * 3 + c]], b = lut[image.Pixels[(y0 * image.Width + x1) * 3 + c]];
                    float d = lut[image.Pixels[(y1 * image.Width + x0) * 3 + c]], e = lut[image.Pixels[(y1 * image.Width + x1) * 3 + c]];
                    float tv = a + (b - a) * fx, bv = d + (e - d) * fx;
                    o[(y * dstW + x) * 3 + c] = tv + (bv - tv) * fy;
                }
            }
        }
        return o;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RandomSizesEqualThePerPixelFormula(int bits)
    {
        var rng = new Random(41 + bits);
        for (int i = 0; i < 30; i++)
        {
            int w = rng.Next(1, 60), h = rng.Next(1, 60), dw = rng.Next(1, 70), dh = rng.Next(1, 70);
            var px = new byte[w * h * 3];
            rng.NextBytes(px);
            var image = new RgbImage(w, h, px);
            var pre = new InputPreprocessor(InputSpec.Float32(dw, dh), FitMode.Resize, bits);
            var tensor = new byte[pre.Spec.TensorBytes];
            pre.Process(image, tensor);
            float[] expected = PerPixel(image, dw, dh, pre.FloatTable.ToArray());
            Assert.True(expected.AsSpan().SequenceEqual(MemoryMarshal.Cast<byte, float>(tensor)), $"{w}x{h} -> {dw}x{dh} at {bits} bits differs");
            // A second frame of the same size but other pixels: no stale cached rows.
            rng.NextBytes(px);
            pre.Process(image, tensor);
            expected = PerPixel(image, dw, dh, pre.FloatTable.ToArray());
            Assert.True(expected.AsSpan().SequenceEqual(MemoryMarshal.Cast<byte, float>(tensor)), $"second frame {w}x{h} -> {dw}x{dh} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void The257ModelInputAt500x375(int bits)
    {
        var rng = new Random(42);
        var px = new byte[500 * 375 * 3];
        rng.NextBytes(px);
        var image = new RgbImage(500, 375, px);
        var pre = new InputPreprocessor(InputSpec.Float32(257, 257), FitMode.Resize, bits);
        var tensor = new byte[pre.Spec.TensorBytes];
        pre.Process(image, tensor);
        Assert.True(PerPixel(image, 257, 257, pre.FloatTable.ToArray()).AsSpan().SequenceEqual(MemoryMarshal.Cast<byte, float>(tensor)));
    }

    /// <summary>A vector width computes the pixel table with a formula; falling back to the scalar table lookup would hide a slow path.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void VectorWidthsComputeTheTableForCommonRanges(int bits)
    {
        foreach (var (lo, hi) in new[] { (-1f, 1f), (0f, 1f), (0f, 255f), (-2f, 3.5f), (-123.68f, 131.32f) })
        {
            var pre = new InputPreprocessor(InputSpec.Float32(8, 8, lo, hi), FitMode.Resize, bits);
            if (bits == 0) Assert.Equal(FloatResizer.ToFloat.Table, pre.FloatConversion);
            else Assert.NotEqual(FloatResizer.ToFloat.Table, pre.FloatConversion);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void OtherValueRangesEqualThePerPixelFormula(int bits)
    {
        var rng = new Random(7 + bits);
        for (int i = 0; i < 20; i++)
        {
            float lo = (float)(rng.NextDouble() * 200 - 150), hi = lo + (float)(rng.NextDouble() * 300 + 0.01);
            int w = rng.Next(1, 90), h = rng.Next(1, 40), dw = rng.Next(1, 70), dh = rng.Next(1, 40);
            var px = new byte[w * h * 3];
            rng.NextBytes(px);
            var image = new RgbImage(w, h, px);
            var pre = new InputPreprocessor(InputSpec.Float32(dw, dh, lo, hi), FitMode.Resize, bits);
            var tensor = new byte[pre.Spec.TensorBytes];
            pre.Process(image, tensor);
            float[] expected = PerPixel(image, dw, dh, pre.FloatTable.ToArray());
            Assert.True(expected.AsSpan().SequenceEqual(MemoryMarshal.Cast<byte, float>(tensor)), $"[{lo}, {hi}] {w}x{h} -> {dw}x{dh} at {bits} bits differs");
        }
    }

    /// <summary>The issue-15 case itself: the VOC photo the benchmark uses, through the 257 model's input.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void TheBenchmarkPhotoAt257(int bits)
    {
        var image = new RgbImage();
        ImageDecoder.Decode(File.ReadAllBytes(SharedData.Path("data", "voc2012_val", "JPEGImages", "2007_000123.jpg")), image);
        var pre = new InputPreprocessor(InputSpec.Float32(257, 257), FitMode.Resize, bits);
        var tensor = new byte[pre.Spec.TensorBytes];
        pre.Process(image, tensor);
        Assert.True(PerPixel(image, 257, 257, pre.FloatTable.ToArray()).AsSpan().SequenceEqual(MemoryMarshal.Cast<byte, float>(tensor)));
    }
}
