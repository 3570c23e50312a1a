using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Ops;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Ops;

public class ResizeBilinearTests
{
    private static readonly ResizeBilinearParams Plain = new(false, false);
    private static readonly ResizeBilinearParams Align = new(true, false);
    private static readonly ResizeBilinearParams HalfPixel = new(false, true);

    [Fact]
    public void TfliteHorizontalAndTwoDimensionalVectorsHoldForAllTypes()
    {
        // resize_bilinear_test.cc: HorizontalResize {3,6} -> {3,5,6}; TwoDimensionalResize 2x2 -> 3x3.
        var f = new float[3];
        ResizeBilinearReference.Float(Plain, new Shape4(1, 1, 2, 1), [3f, 6f], new Shape4(1, 1, 3, 1), f);
        Assert.Equal(new[] { 3f, 5f, 6f }, f, new ToleranceComparer(1e-5f));
        var u = new byte[3];
        ResizeBilinearReference.UInt8(Plain, new Shape4(1, 1, 2, 1), [3, 6], new Shape4(1, 1, 3, 1), u);
        Assert.Equal(new byte[] { 3, 5, 6 }, u);
        var s = new sbyte[3];
        ResizeBilinearReference.Int8(Plain, new Shape4(1, 1, 2, 1), [3, 6], new Shape4(1, 1, 3, 1), s);
        Assert.Equal(new sbyte[] { 3, 5, 6 }, s);

        var u9 = new byte[9];
        ResizeBilinearReference.UInt8(Plain, new Shape4(1, 2, 2, 1), [3, 6, 9, 12], new Shape4(1, 3, 3, 1), u9);
        Assert.Equal(new byte[] { 3, 5, 6, 7, 9, 10, 9, 11, 12 }, u9);
        var s9 = new sbyte[9];
        ResizeBilinearReference.Int8(Plain, new Shape4(1, 2, 2, 1), [3, 6, 9, 12], new Shape4(1, 3, 3, 1), s9);
        Assert.Equal(new sbyte[] { 3, 5, 6, 7, 9, 10, 9, 11, 12 }, s9);
    }

    [Fact]
    public void Int8MatchesTfliteInternalTestVectors2x2To4x6()
    {
        // tensorflow/lite/kernels/internal/resize_bilinear_test.cc, TestResizeBilinearHalfPixelCenters_2x2to4x6<int8>.
        sbyte[] input = [127, -128, 64, 0];
        var output = new sbyte[24];
        ResizeBilinearReference.Int8(Plain, new Shape4(1, 2, 2, 1), input, new Shape4(1, 4, 6, 1), output);
        Assert.Equal(new sbyte[]
        {
            127, 42, -43, -128, -128, -128,
            96, 42, -11, -64, -64, -64,   // 95.5 rounds half away from zero to 96
            64, 43, 21, 0, 0, 0,
            64, 43, 21, 0, 0, 0,
        }, output);
        ResizeBilinearReference.Int8(HalfPixel, new Shape4(1, 2, 2, 1), input, new Shape4(1, 4, 6, 1), output);
        Assert.Equal(new sbyte[]
        {
            127, 127, 42, -43, -128, -128,
            111, 111, 42, -27, -96, -96,
            80, 80, 43, 5, -32, -32,
            64, 64, 43, 21, 0, 0,
        }, output);
    }

    [Fact]
    public void FloatHalfPixelCentersMatchesTfliteVector()
    {
        var output = new float[16];
        ResizeBilinearReference.Float(HalfPixel, new Shape4(1, 2, 2, 1), [1f, 2f, 3f, 4f], new Shape4(1, 4, 4, 1), output);
        Assert.Equal(new[] { 1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4 }, output);
    }

    [Fact]
    public void FloatExactTwoTimesUpsampleUsesTheTwoByTwoKernel()
    {
        // Each 2x2 output block: v00, (v00+v01)/2, (v00+v10)/2, ((v00+v10)/2 + (v01+v11)/2)/2; edges repeat.
        var output = new float[16];
        ResizeBilinearReference.Float(Plain, new Shape4(1, 2, 2, 1), [1f, 2f, 3f, 4f], new Shape4(1, 4, 4, 1), output);
        Assert.Equal(new[] { 1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4 }, output);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void QuantizedResizeIsWithinOneStepOfFloat(bool align, bool halfPixel)
    {
        var p = new ResizeBilinearParams(align, halfPixel);
        var rng = new Random(7);
        for (int trial = 0; trial < 30; trial++)
        {
            var i = new Shape4(1 + rng.Next(2), 1 + rng.Next(6), 1 + rng.Next(6), 1 + rng.Next(5));
            var o = new Shape4(i.N, 1 + rng.Next(13), 1 + rng.Next(13), i.C);
            byte[] u = new byte[i.FlatSize]; rng.NextBytes(u);
            sbyte[] s = u.Select(v => (sbyte)(v - 128)).ToArray();
            float[] f = u.Select(v => (float)v).ToArray();
            var fo = new float[o.FlatSize]; var uo = new byte[o.FlatSize]; var so = new sbyte[o.FlatSize];
            ResizeBilinearReference.Float(p, i, f, o, fo);
            ResizeBilinearReference.UInt8(p, i, u, o, uo);
            ResizeBilinearReference.Int8(p, i, s, o, so);
            for (int k = 0; k < fo.Length; k++)
            {
                Assert.True(Math.Abs(uo[k] - fo[k]) <= 1, $"uint8 {uo[k]} vs float {fo[k]} at {k} of {i}->{o}");
                // int8 positions are quantized to 1/1024 of a pixel (scale10), so on steep ramps TFLite's int8
                // result can sit slightly more than one step from the float one (e.g. 187 vs 188.08).
                Assert.True(Math.Abs(so[k] + 128 - fo[k]) <= 2, $"int8 {so[k]}+128 vs float {fo[k]} at {k} of {i}->{o}");
            }
        }
    }

    [Theory]
    [InlineData("deeplabv3_mnv2_pascal_quant", "2007_000033")]
    [InlineData("deeplabv3_mnv2_pascal_quant", "bird_segmentation")]
    [InlineData("deeplabv3_mnv2_dm05_pascal_quant", "2007_000033")]
    public void CoralLogitsMatchTfliteByteForByte(string model, string id)
    {
        // The Coral models' last RESIZE_BILINEAR is uint8 33x33x21 -> 513x513x21 with align_corners. Its scale is
        // 32/512 = 1/16 exactly, so output pixel (16i, 16j) IS input pixel (i, j): the 33x33 input can be read back
        // from TFLite's golden logits and the whole 513x513 output recomputed and compared byte for byte.
        byte[] logits = File.ReadAllBytes(SharedData.Path("golden", "raw", model, id + ".logits.bin"));
        var inShape = new Shape4(1, 33, 33, 21);
        var outShape = new Shape4(1, 513, 513, 21);
        Assert.Equal(outShape.FlatSize, logits.Length);
        var input = new byte[inShape.FlatSize];
        for (int y = 0; y < 33; y++)
            for (int x = 0; x < 33; x++)
                logits.AsSpan(outShape.Offset(0, 16 * y, 16 * x, 0), 21).CopyTo(input.AsSpan(inShape.Offset(0, y, x, 0)));

        var h = new OpHarness();
        int t = h.Quantized(TensorType.UInt8, [1, 33, 33, 21], 0.2014983743429184f, 36);
        int size = h.Constant(TensorType.Int32, [2], new[] { 513, 513 });
        int o = h.Quantized(TensorType.UInt8, [1, 513, 513, 21], 0.2014983743429184f, 36);
        var (op, mem) = h.Prepare(new ResizeBilinearOperator(), BuiltinOperator.ResizeBilinear, [t, size], [o], new ResizeBilinearOptions(true, false));
        OpHarness.Set(mem, t, input);
        op.Invoke(mem, default);
        byte[] ours = OpHarness.Get<byte>(mem, o);
        int differing = 0;
        for (int k = 0; k < ours.Length; k++) if (ours[k] != logits[k]) differing++;
        Assert.Equal(0, differing);
    }

    [Fact]
    public void CoralArgMaxMatchesTfliteOutput()
    {
        // ARG_MAX over the golden logits (axis 3, int64) must give the golden model output exactly.
        byte[] logits = File.ReadAllBytes(SharedData.Path("golden", "raw", "deeplabv3_mnv2_pascal_quant", "bird_segmentation.logits.bin"));
        byte[] golden = File.ReadAllBytes(SharedData.Path("golden", "raw", "deeplabv3_mnv2_pascal_quant", "bird_segmentation.output.bin"));
        var h = new OpHarness();
        int t = h.Quantized(TensorType.UInt8, [1, 513, 513, 21], 0.2f, 36);
        int axis = h.Constant(TensorType.Int32, [], new[] { 3 });
        int o = h.Tensor(TensorType.Int64, [1, 513, 513]);
        var (op, mem) = h.Prepare(new ArgMaxOperator(), BuiltinOperator.ArgMax, [t, axis], [o], new ArgMaxOptions(TensorType.Int64));
        OpHarness.Set(mem, t, logits);
        op.Invoke(mem, default);
        Assert.Equal(golden, mem.ReadOnlyBytes(o).ToArray());
    }

    [Fact]
    public void OperatorRejectsNonConstantSize()
    {
        var h = new OpHarness();
        int t = h.Tensor(TensorType.Float32, [1, 2, 2, 1]);
        int size = h.Tensor(TensorType.Int32, [2]);
        int o = h.Tensor(TensorType.Float32, [1, 4, 4, 1]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new ResizeBilinearOperator(), BuiltinOperator.ResizeBilinear, [t, size], [o], new ResizeBilinearOptions(false, false)));
        Assert.Contains("must be a constant", e.Message);
    }

    [Fact]
    public void OperatorRejectsOutputShapeThatDisagreesWithSize()
    {
        var h = new OpHarness();
        int t = h.Tensor(TensorType.Float32, [1, 2, 2, 1]);
        int size = h.Constant(TensorType.Int32, [2], new[] { 4, 5 });
        int o = h.Tensor(TensorType.Float32, [1, 4, 4, 1]);
        Assert.Throws<ModelFormatException>(() => h.Prepare(new ResizeBilinearOperator(), BuiltinOperator.ResizeBilinear, [t, size], [o], new ResizeBilinearOptions(false, false)));
    }

    [Fact]
    public void OperatorRejectsTheUInt8EightfoldHalfPixelFastPath()
    {
        var h = new OpHarness();
        int t = h.Quantized(TensorType.UInt8, [1, 2, 2, 8], 1f, 0);
        int size = h.Constant(TensorType.Int32, [2], new[] { 16, 16 });
        int o = h.Quantized(TensorType.UInt8, [1, 16, 16, 8], 1f, 0);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new ResizeBilinearOperator(), BuiltinOperator.ResizeBilinear, [t, size], [o], new ResizeBilinearOptions(false, true), version: 3));
        Assert.Contains("ResizeBilinear888Uint8", e.Message);
    }

    [Fact]
    public void OperatorRunsInt8AlignCorners()
    {
        var h = new OpHarness();
        int t = h.Quantized(TensorType.Int8, [1, 1, 2, 1], 0.1f, -100);
        int size = h.Constant(TensorType.Int32, [2], new[] { 1, 5 });
        int o = h.Quantized(TensorType.Int8, [1, 1, 5, 1], 0.1f, -100);
        var (op, mem) = h.Prepare(new ResizeBilinearOperator(), BuiltinOperator.ResizeBilinear, [t, size], [o], new ResizeBilinearOptions(true, false), version: 2);
        OpHarness.Set<sbyte>(mem, t, -100, 0);
        op.Invoke(mem, default);
        // Scale (2-1)/(5-1) = 256/1024: -100, -75, -50, -25, 0.
        Assert.Equal(new sbyte[] { -100, -75, -50, -25, 0 }, OpHarness.Get<sbyte>(mem, o));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
