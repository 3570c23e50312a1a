using System.Runtime.InteropServices;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;

namespace EdgeRuntime.Tests.Imaging;

public class PreprocessorModeTests
{
    private static RgbImage Gradient(int w, int h)
    {
        var px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                px[(y * w + x) * 3] = (byte)(x * 255 / Math.Max(1, w - 1));
                px[(y * w + x) * 3 + 1] = (byte)(y * 255 / Math.Max(1, h - 1));
                px[(y * w + x) * 3 + 2] = 77;
            }
        return new RgbImage(w, h, px);
    }

    private static InputSpec Uint8(int w, int h) => InputSpec.Quantized(w, h, InputElementType.UInt8, 1f / 128, 128);

    [Fact]
    public void ResizeIsBilinearAlignCorners()
    {
        // 2x1 image [0, 200] (red channel) -> 3 wide: [0, 100, 200]; align_corners keeps the end pixels.
        var image = new RgbImage(2, 1, [0, 0, 0, 200, 0, 0]);
        var pre = new InputPreprocessor(Uint8(3, 2), FitMode.Resize);
        var t = new byte[pre.Spec.TensorBytes];
        Assert.Equal(new ImageRegion(0, 0, 3, 2), pre.Process(image, t));
        Assert.Equal(new byte[] { 0, 100, 200 }, new[] { t[0], t[3], t[6] });
        Assert.Equal(new byte[] { 0, 100, 200 }, new[] { t[9], t[12], t[15] });

        var f = new InputPreprocessor(InputSpec.Float32(3, 1), FitMode.Resize);
        var ft = new byte[f.Spec.TensorBytes];
        f.Process(image, ft);
        float[] values = MemoryMarshal.Cast<byte, float>(ft).ToArray();
        Assert.Equal(-1f, values[0]);
        Assert.Equal(200 / 127.5f - 1f, values[6]);
        Assert.Equal((200 / 127.5f - 1f + -1f) / 2, values[3], 6);
    }

    [Fact]
    public void ResizeToSameSizeIsACopy()
    {
        RgbImage image = Gradient(40, 30);
        var pre = new InputPreprocessor(Uint8(40, 30), FitMode.Resize);
        var t = new byte[pre.Spec.TensorBytes];
        pre.Process(image, t);
        Assert.Equal(image.Pixels.ToArray(), t);
    }

    [Fact]
    public void LetterboxCentresAndPads()
    {
        RgbImage image = Gradient(100, 50);
        var pre = new InputPreprocessor(Uint8(64, 64), FitMode.Letterbox);
        var t = new byte[pre.Spec.TensorBytes];
        ImageRegion r = pre.Process(image, t);
        Assert.Equal(new ImageRegion(0, 16, 64, 32), r);
        Assert.All(t.AsSpan(0, 16 * 64 * 3).ToArray(), v => Assert.Equal(128, v));
        Assert.All(t.AsSpan(48 * 64 * 3).ToArray(), v => Assert.Equal(128, v));
        // Corners of the region are the corners of the image (align_corners).
        Assert.Equal(image.Pixels[..3].ToArray(), t.AsSpan(16 * 64 * 3, 3).ToArray());
        int last = (47 * 64 + 63) * 3;
        Assert.Equal(image.Pixels[^3..].ToArray(), t.AsSpan(last, 3).ToArray());
    }

    [Fact]
    public void PadTopLeftDownscalesLargeImagesKeepingAspect()
    {
        RgbImage image = Gradient(1026, 600);
        var pre = new InputPreprocessor(InputSpec.Float32(513, 513), FitMode.PadTopLeft);
        var t = new byte[pre.Spec.TensorBytes];
        ImageRegion r = pre.Process(image, t);
        Assert.Equal(new ImageRegion(0, 0, 513, 300), r);
        float[] values = MemoryMarshal.Cast<byte, float>(t).ToArray();
        Assert.All(values.AsSpan(300 * 513 * 3).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SmallImagePadsRightAndBottom()
    {
        RgbImage image = Gradient(5, 4);
        var pre = new InputPreprocessor(InputSpec.Float32(8, 8), FitMode.PadTopLeft);
        var t = new byte[pre.Spec.TensorBytes];
        Assert.Equal(new ImageRegion(0, 0, 5, 4), pre.Process(image, t));
        float[] v = MemoryMarshal.Cast<byte, float>(t).ToArray();
        Assert.Equal(image.Pixels[3] / 127.5f - 1f, v[3]);
        Assert.Equal(0f, v[5 * 3]);       // right of the image
        Assert.Equal(0f, v[4 * 8 * 3]);   // below the image
    }

    [Fact]
    public void Int8QuantizationRoundsHalfAwayAndClamps()
    {
        // Exact arithmetic: range [-127.5, 0] -> v = p/2 - 127.5; scale 1, zp 0 -> q = round_half_away(v).
        var pre = new InputPreprocessor(InputSpec.Quantized(4, 4, InputElementType.Int8, 1f, 0, -127.5f, 0f), FitMode.PadTopLeft);
        ReadOnlySpan<byte> lut = pre.QuantizedTable;
        Assert.Equal(-128, (sbyte)lut[0]);   // -127.5 -> -128
        Assert.Equal(-127, (sbyte)lut[2]);   // -126.5 -> -127
        Assert.Equal(0, (sbyte)lut[255]);
        // Range [0, 127.5] with scale 0.25: q = 2p, clamped at 127.
        pre = new InputPreprocessor(InputSpec.Quantized(4, 4, InputElementType.Int8, 0.25f, 0, 0f, 127.5f), FitMode.PadTopLeft);
        Assert.Equal(2, (sbyte)pre.QuantizedTable[1]);
        Assert.Equal(126, (sbyte)pre.QuantizedTable[63]);
        Assert.Equal(127, (sbyte)pre.QuantizedTable[64]);
        Assert.Equal(127, (sbyte)pre.QuantizedTable[255]);
        // uint8 with zero point: default range maps p -> p; int8 default range maps p -> p - 128.
        pre = new InputPreprocessor(InputSpec.Quantized(4, 4, InputElementType.Int8, 1f / 128, 0), FitMode.PadTopLeft);
        for (int p = 0; p < 256; p++) Assert.Equal(p - 128, (sbyte)pre.QuantizedTable[p]);
    }

    [Fact]
    public void NoAllocationPerFrame()
    {
        RgbImage image = Gradient(500, 366);
        foreach (FitMode mode in Enum.GetValues<FitMode>())
        {
            var pre = new InputPreprocessor(InputSpec.Float32(257, 257), mode);
            var t = new byte[pre.Spec.TensorBytes];
            pre.Process(image, t);
            long before = GC.GetAllocatedBytesForCurrentThread();
            pre.Process(image, t);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void TooSmallTensorThrows()
    {
        var pre = new InputPreprocessor(Uint8(8, 8), FitMode.PadTopLeft);
        Assert.Throws<ArgumentException>(() => pre.Process(Gradient(4, 4), new byte[10]));
    }
}
