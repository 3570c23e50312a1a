using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Onnx;

namespace EdgeRuntime.Tests.Onnx;

public class OnnxExportTests
{
    // ------------------------------------------------------------------ helpers

    private static byte[] RandomBytes(int n, int seed, int lo = 0, int hi = 256)
    {
        var r = new Random(seed);
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)r.Next(lo, hi);
        return b;
    }

    private static sbyte[] RandomSBytes(int n, int seed, int lo = -128, int hi = 128)
    {
        var r = new Random(seed);
        var b = new sbyte[n];
        for (int i = 0; i < n; i++) b[i] = (sbyte)r.Next(lo, hi);
        return b;
    }

    private static int[] RandomInts(int n, int seed, int lo, int hi)
    {
        var r = new Random(seed);
        var b = new int[n];
        for (int i = 0; i < n; i++) b[i] = r.Next(lo, hi);
        return b;
    }

    /// <summary>Exports, runs in ORT (single thread, all optimizations) and returns the output bytes and the fused node summary.</summary>
    private static (byte[] Output, string Fused) Run(ModelGraph graph, ReadOnlySpan<byte> input, bool? int8Allowed = null)
    {
        byte[] model = OnnxExporter.Export(graph);
        string optimized = Path.Combine(Path.GetTempPath(), $"edgert-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            using var session = new OnnxRuntimeSession(model, new OnnxRuntimeSessionSettings { OptimizedModelPath = optimized, QdqInt8Allowed = int8Allowed });
            session.Run(input);
            byte[] output = session.OutputBytes.ToArray();
            return (output, OnnxGraphSummary.Describe(File.ReadAllBytes(optimized)));
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    private static void AssertWithinOneStep(ReadOnlySpan<int> expected, ReadOnlySpan<int> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1, $"element {i}: expected {expected[i]}, ORT gave {actual[i]}");
    }

    private static int[] ToInts(ReadOnlySpan<byte> u8) { var r = new int[u8.Length]; for (int i = 0; i < r.Length; i++) r[i] = u8[i]; return r; }
    private static int[] ToInts(ReadOnlySpan<sbyte> s8) { var r = new int[s8.Length]; for (int i = 0; i < r.Length; i++) r[i] = s8[i]; return r; }

    // ------------------------------------------------------------------ conv

    [Fact]
    public void QuantizedConvRelu6_Uint8AsymmetricWeights_MatchesReferenceAndFusesToQLinearConv()
    {
        const float xs = 0.05f, ws = 0.02f, ys = 0.03f;
        const int xz = 100, wz = 130, yz = 10;
        var g = new TestGraph();
        int x = g.U8("input", [1, 6, 6, 3], xs, xz);
        byte[] wq = RandomBytes(4 * 3 * 3 * 3, 2);
        int w = g.U8("weights", [4, 3, 3, 3], ws, wz, wq);
        int[] bq = RandomInts(4, 3, -500, 500);
        int b = g.I32Const("bias", [4], bq, QuantizationInfo.PerTensor(xs * ws, 0));
        int y = g.U8("output", [1, 3, 3, 4], ys, yz);
        g.Op(BuiltinOperator.Conv2D, [x, w, b], [y], new Conv2DOptions(Padding.Same, 2, 2, FusedActivation.Relu6, 1, 1));
        byte[] input = RandomBytes(6 * 6 * 3, 1);

        var (output, fused) = Run(g.Build([x], [y]), input);

        var (pt, _, oh) = OnnxExporter.ComputePadding(Padding.Same, 6, 3, 2, 1);
        float[] xf = Reference.Dequantize(input, xs, xz);
        float[] bias = Array.ConvertAll(bq, v => v * xs * ws);
        float[] yf = Reference.Conv(xf, 6, 6, 3, (o, ky, kx, ci) => ws * (wq[((o * 3 + ky) * 3 + kx) * 3 + ci] - wz), bias,
            4, 3, 3, 2, 2, 1, 1, pt, pt, oh, oh, depthwise: false);
        int[] expected = Array.ConvertAll(yf, v => Reference.Quantize(Math.Clamp(v, 0f, 6f), ys, yz, 0, 255));
        AssertWithinOneStep(expected, ToInts(output));
        Assert.Contains("QLinearConv", fused);
        Assert.DoesNotContain("DequantizeLinear", fused);
    }

    [Fact]
    public void QuantizedConvRelu_Int8PerChannelWeights_MatchesReference()
    {
        const float xs = 0.04f, ys = 0.05f;
        const int xz = -5, yz = -128;
        float[] wScales = [0.01f, 0.02f, 0.015f, 0.03f];
        var g = new TestGraph();
        int x = g.I8("input", [1, 5, 5, 2], xs, xz);
        sbyte[] wq = RandomSBytes(4 * 3 * 3 * 2, 5, -127, 128);
        int w = g.Tensor("weights", TensorType.Int8, [4, 3, 3, 2], new QuantizationInfo(wScales, [0, 0, 0, 0], 0), MemoryMarshal.AsBytes(wq.AsSpan()).ToArray());
        int[] bq = RandomInts(4, 6, -2000, 2000);
        int b = g.I32Const("bias", [4], bq, new QuantizationInfo(Array.ConvertAll(wScales, s => s * xs), [0, 0, 0, 0], 0));
        int y = g.I8("output", [1, 5, 5, 4], ys, yz);
        g.Op(BuiltinOperator.Conv2D, [x, w, b], [y], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.Relu, 1, 1));
        sbyte[] input = RandomSBytes(5 * 5 * 2, 4);

        var (output, fused) = Run(g.Build([x], [y]), MemoryMarshal.AsBytes(input.AsSpan()), int8Allowed: true);
        Assert.Contains("QLinearConv", fused);

        float[] xf = Reference.Dequantize(input, xs, xz);
        float[] bias = new float[4];
        for (int o = 0; o < 4; o++) bias[o] = bq[o] * xs * wScales[o];
        float[] yf = Reference.Conv(xf, 5, 5, 2, (o, ky, kx, ci) => wScales[o] * wq[((o * 3 + ky) * 3 + kx) * 2 + ci], bias,
            4, 3, 3, 1, 1, 1, 1, 1, 1, 5, 5, depthwise: false);
        int[] expected = Array.ConvertAll(yf, v => Reference.Quantize(MathF.Max(v, 0f), ys, yz, -128, 127));
        AssertWithinOneStep(expected, ToInts(MemoryMarshal.Cast<byte, sbyte>(output)));
    }

    private static (ModelGraph Graph, sbyte[] Input, int[] Expected) DilatedDepthwise(bool viaSpaceToBatch)
    {
        // 7x7x2 input, multiplier 2, 3x3 filter with dilation 2, SAME padding (pad 2 on every side).
        const float xs = 0.05f, ys = 0.04f;
        const int xz = 3, yz = 0;
        float[] wScales = [0.01f, 0.02f, 0.015f, 0.025f];
        var g = new TestGraph();
        int x = g.I8("input", [1, 7, 7, 2], xs, xz);
        sbyte[] wq = RandomSBytes(3 * 3 * 4, 8, -127, 128);
        int w = g.Tensor("dw_weights", TensorType.Int8, [1, 3, 3, 4], new QuantizationInfo(wScales, [0, 0, 0, 0], 3), MemoryMarshal.AsBytes(wq.AsSpan()).ToArray());
        int[] bq = RandomInts(4, 9, -1000, 1000);
        int b = g.I32Const("dw_bias", [4], bq);
        int y = g.I8("output", [1, 7, 7, 4], ys, yz);
        if (viaSpaceToBatch)
        {
            // What TFLite's converter emits for a rate-2 atrous depthwise conv: pad to a multiple of the block, crop back.
            int block = g.I32Const("block", [2], [2, 2]);
            int pads = g.I32Const("paddings", [2, 2], [2, 3, 2, 3]);
            int crops = g.I32Const("crops", [2, 2], [0, 1, 0, 1]);
            int s2b = g.I8("s2b", [4, 6, 6, 2], xs, xz);
            int conv = g.I8("conv", [4, 4, 4, 4], ys, yz);
            g.Op(BuiltinOperator.SpaceToBatchND, [x, block, pads], [s2b]);
            g.Op(BuiltinOperator.DepthwiseConv2D, [s2b, w, b], [conv], new DepthwiseConv2DOptions(Padding.Valid, 1, 1, 2, FusedActivation.None, 1, 1));
            g.Op(BuiltinOperator.BatchToSpaceND, [conv, block, crops], [y]);
        }
        else
        {
            g.Op(BuiltinOperator.DepthwiseConv2D, [x, w, b], [y], new DepthwiseConv2DOptions(Padding.Same, 1, 1, 2, FusedActivation.None, 2, 2));
        }
        sbyte[] input = RandomSBytes(7 * 7 * 2, 7);
        float[] xf = Reference.Dequantize(input, xs, xz);
        float[] bias = new float[4];
        for (int o = 0; o < 4; o++) bias[o] = bq[o] * xs * wScales[o];
        float[] yf = Reference.Conv(xf, 7, 7, 2, (o, ky, kx, _) => wScales[o] * wq[(ky * 3 + kx) * 4 + o], bias,
            4, 3, 3, 1, 1, 2, 2, 2, 2, 7, 7, depthwise: true, multiplier: 2);
        int[] expected = Array.ConvertAll(yf, v => Reference.Quantize(v, ys, yz, -128, 127));
        return (g.Build([x], [y]), input, expected);
    }

    [Fact]
    public void DepthwiseConvWithDilationAndMultiplier_MatchesReference()
    {
        var (graph, input, expected) = DilatedDepthwise(viaSpaceToBatch: false);
        var (output, fused) = Run(graph, MemoryMarshal.AsBytes(input.AsSpan()), int8Allowed: true);
        Assert.Contains("QLinearConv", fused);
        AssertWithinOneStep(expected, ToInts(MemoryMarshal.Cast<byte, sbyte>(output)));
    }

    [Fact]
    public void SpaceToBatchDepthwiseBatchToSpace_FoldsIntoOneDilatedConv()
    {
        var (graph, input, expected) = DilatedDepthwise(viaSpaceToBatch: true);
        OnnxModel model = OnnxExporter.BuildModel(graph);
        Assert.Single(model.Graph.Nodes, n => n.OpType == "Conv");
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Pad" or "Slice" or "Reshape");
        OnnxNode conv = model.Graph.Nodes.Single(n => n.OpType == "Conv");
        Assert.Equal([2L, 2L], conv.Attributes.Single(a => a.Name == "dilations").Ints);
        Assert.Equal([2L, 2L, 2L, 2L], conv.Attributes.Single(a => a.Name == "pads").Ints);
        Assert.Equal(2L, conv.Attributes.Single(a => a.Name == "group").I);

        var (output, _) = Run(graph, MemoryMarshal.AsBytes(input.AsSpan()));
        AssertWithinOneStep(expected, ToInts(MemoryMarshal.Cast<byte, sbyte>(output)));
        var (fusedOutput, fused) = Run(graph, MemoryMarshal.AsBytes(input.AsSpan()), int8Allowed: true);
        Assert.Contains("QLinearConv", fused);
        AssertWithinOneStep(expected, ToInts(MemoryMarshal.Cast<byte, sbyte>(fusedOutput)));
    }

    [Fact]
    public void SpaceToBatchAlone_MatchesTfliteBatchOrder()
    {
        var g = new TestGraph();
        int x = g.F32("input", [1, 4, 4, 1]);
        int block = g.I32Const("block", [2], [2, 2]);
        int pads = g.I32Const("paddings", [2, 2], [0, 0, 0, 0]);
        int y = g.F32("output", [4, 2, 2, 1]);
        g.Op(BuiltinOperator.SpaceToBatchND, [x, block, pads], [y]);
        float[] input = new float[16];
        for (int i = 0; i < 16; i++) input[i] = i;
        var (output, _) = Run(g.Build([x], [y]), MemoryMarshal.AsBytes(input.AsSpan()));
        Assert.Equal([0f, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15], MemoryMarshal.Cast<byte, float>(output).ToArray());
    }

    [Fact]
    public void SpaceToBatchThenBatchToSpace_RoundTripsWithPaddingAndCrops()
    {
        var g = new TestGraph();
        int x = g.U8("input", [1, 5, 5, 2], 0.1f, 7);
        int block = g.I32Const("block", [2], [2, 2]);
        int pads = g.I32Const("paddings", [2, 2], [1, 0, 0, 1]);
        int mid = g.U8("mid", [4, 3, 3, 2], 0.1f, 7);
        int y = g.U8("output", [1, 5, 5, 2], 0.1f, 7);
        g.Op(BuiltinOperator.SpaceToBatchND, [x, block, pads], [mid]);
        g.Op(BuiltinOperator.BatchToSpaceND, [mid, block, pads], [y]);
        byte[] input = RandomBytes(50, 11);
        var (output, _) = Run(g.Build([x], [y]), input);
        Assert.Equal(input, output);
    }

    // ------------------------------------------------------------------ elementwise

    [Theory]
    [InlineData(nameof(BuiltinOperator.Add))]
    [InlineData(nameof(BuiltinOperator.Mul))]
    public void QuantizedBinaryWithBroadcastConstant_MatchesReferenceAndFuses(string opName) // a name: BuiltinOperator is internal
    {
        BuiltinOperator op = Enum.Parse<BuiltinOperator>(opName);
        const float xs = 0.02f, cs = 0.05f, ys = 0.04f;
        const int xz = 128, cz = 100, yz = 60;
        var g = new TestGraph();
        int x = g.U8("input", [1, 4, 4, 3], xs, xz);
        byte[] cq = [90, 140, 200];
        int c = g.U8("channel_const", [3], cs, cz, cq);
        int y = g.U8("output", [1, 4, 4, 3], ys, yz);
        g.Op(op, [x, c], [y], new ElementwiseOptions(FusedActivation.None));
        byte[] input = RandomBytes(48, 12);

        var (output, fused) = Run(g.Build([x], [y]), input);

        int[] expected = new int[48];
        for (int i = 0; i < 48; i++)
        {
            float a = xs * (input[i] - xz), b = cs * (cq[i % 3] - cz);
            expected[i] = Reference.Quantize(op == BuiltinOperator.Add ? a + b : a * b, ys, yz, 0, 255);
        }
        AssertWithinOneStep(expected, ToInts(output));
        Assert.Contains(op == BuiltinOperator.Add ? "com.microsoft.QLinearAdd" : "com.microsoft.QLinearMul", fused);
    }

    // ------------------------------------------------------------------ pooling, resize, concat, argmax

    [Fact]
    public void AveragePoolSameDoesNotCountPadding()
    {
        const float s = 0.1f;
        const int z = 20;
        var g = new TestGraph();
        int x = g.U8("input", [1, 5, 5, 2], s, z);
        int y = g.U8("output", [1, 5, 5, 2], s, z);
        g.Op(BuiltinOperator.AveragePool2D, [x], [y], new Pool2DOptions(Padding.Same, 1, 1, 3, 3, FusedActivation.None));
        byte[] input = RandomBytes(50, 13);

        var (output, fused) = Run(g.Build([x], [y]), input);

        int[] expected = new int[50];
        for (int oy = 0; oy < 5; oy++)
            for (int ox = 0; ox < 5; ox++)
                for (int c = 0; c < 2; c++)
                {
                    float sum = 0; int n = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int iy = oy + dy, ix = ox + dx;
                            if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5) continue;
                            sum += s * (input[(iy * 5 + ix) * 2 + c] - z); n++;
                        }
                    expected[(oy * 5 + ox) * 2 + c] = Reference.Quantize(sum / n, s, z, 0, 255);
                }
        AssertWithinOneStep(expected, ToInts(output));
        Assert.Contains("QLinearAveragePool", fused);
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    public void ResizeBilinear_MatchesTfliteCoordinateModes(bool alignCorners, bool halfPixel, bool requantize)
    {
        const float s = 0.1f;
        const int z = 10;
        float os = requantize ? 0.07f : s;
        int oz = requantize ? 30 : z;
        int inH = 3, inW = 4, outH = 5, outW = 7, c = 2;
        var g = new TestGraph();
        int x = g.U8("input", [1, inH, inW, c], s, z);
        int size = g.I32Const("size", [2], [outH, outW]);
        int y = g.U8("output", [1, outH, outW, c], os, oz);
        g.Op(BuiltinOperator.ResizeBilinear, [x, size], [y], new ResizeBilinearOptions(alignCorners, halfPixel));
        byte[] input = RandomBytes(inH * inW * c, 14);

        var (output, fused) = Run(g.Build([x], [y]), input);
        Assert.Equal(!requantize, !fused.Contains("DequantizeLinear"));

        float[] xf = Reference.Dequantize(input, s, z);
        int[] expected = new int[outH * outW * c];
        (int, int, float) Source(int o, int inSize, int outSize)
        {
            float scale = alignCorners && outSize > 1 ? (inSize - 1f) / (outSize - 1f) : (float)inSize / outSize;
            float v = halfPixel ? (o + 0.5f) * scale - 0.5f : o * scale;
            int lo = Math.Max((int)MathF.Floor(v), 0);
            int hi = Math.Min((int)MathF.Ceiling(v), inSize - 1);
            return (lo, hi, v - MathF.Floor(v));
        }
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                var (y0, y1, fy) = Source(oy, inH, outH);
                var (x0, x1, fx) = Source(ox, inW, outW);
                if (y0 > y1) y0 = y1;
                if (x0 > x1) x0 = x1;
                for (int ch = 0; ch < c; ch++)
                {
                    float At(int yy, int xx) => xf[(yy * inW + xx) * c + ch];
                    float top = At(y0, x0) + (At(y0, x1) - At(y0, x0)) * fx;
                    float bottom = At(y1, x0) + (At(y1, x1) - At(y1, x0)) * fx;
                    expected[(oy * outW + ox) * c + ch] = Reference.Quantize(top + (bottom - top) * fy, os, oz, 0, 255);
                }
            }
        AssertWithinOneStep(expected, ToInts(output));
    }

    [Fact]
    public void ConcatenationOnChannels_RequantizesEachInput()
    {
        var g = new TestGraph();
        int x = g.U8("input", [1, 2, 2, 2], 0.1f, 0);
        byte[] cq = RandomBytes(2 * 2 * 3, 15);
        int c = g.U8("const", [1, 2, 2, 3], 0.05f, 50, cq);
        int y = g.U8("output", [1, 2, 2, 5], 0.08f, 40);
        g.Op(BuiltinOperator.Concatenation, [x, c], [y], new ConcatenationOptions(-1, FusedActivation.None));
        byte[] input = RandomBytes(8, 16, 0, 120);

        var (output, fused) = Run(g.Build([x], [y]), input);

        int[] expected = new int[20];
        for (int p = 0; p < 4; p++)
            for (int ch = 0; ch < 5; ch++)
            {
                float v = ch < 2 ? 0.1f * input[p * 2 + ch] : 0.05f * (cq[p * 3 + ch - 2] - 50);
                expected[p * 5 + ch] = Reference.Quantize(v, 0.08f, 40, 0, 255);
            }
        AssertWithinOneStep(expected, ToInts(output));
        Assert.Contains("QLinearConcat", fused);
    }

    [Theory]
    [InlineData(TensorType.Int64)]
    [InlineData(TensorType.Int32)]
    public void ArgMaxOverChannels_IsExactAndTakesTheFirstOfTies(TensorType outputType)
    {
        var g = new TestGraph();
        int x = g.U8("logits", [1, 3, 4, 5], 0.1f, 128);
        int axis = g.I32Const("axis", [1], [3]);
        int y = g.Tensor("classes", outputType, [1, 3, 4]);
        g.Op(BuiltinOperator.ArgMax, [x, axis], [y], new ArgMaxOptions(outputType));
        byte[] input = RandomBytes(60, 17, 0, 6); // few distinct values: many ties
        var (output, _) = Run(g.Build([x], [y]), input);

        long[] actual = outputType == TensorType.Int64
            ? MemoryMarshal.Cast<byte, long>(output).ToArray()
            : Array.ConvertAll(MemoryMarshal.Cast<byte, int>(output).ToArray(), v => (long)v);
        for (int p = 0; p < 12; p++)
        {
            int best = 0;
            for (int ch = 1; ch < 5; ch++) if (input[p * 5 + ch] > input[p * 5 + best]) best = ch;
            Assert.Equal(best, actual[p]);
        }
    }

    // ------------------------------------------------------------------ quantize, float ops, data movement

    [Fact]
    public void QuantizeThenDequantize_RoundTripsWithinHalfAStep()
    {
        var g = new TestGraph();
        int x = g.F32("input", [1, 2, 3, 2]);
        int q = g.U8("q", [1, 2, 3, 2], 0.25f, 64);
        int y = g.F32("output", [1, 2, 3, 2]);
        g.Op(BuiltinOperator.Quantize, [x], [q]);
        g.Op(BuiltinOperator.Dequantize, [q], [y]);
        float[] input = [-3f, -1.1f, 0f, 0.1f, 0.6f, 2.2f, 5f, 7.3f, 9.9f, 12.4f, 30f, 47f];
        var (output, _) = Run(g.Build([x], [y]), MemoryMarshal.AsBytes(input.AsSpan()));
        float[] actual = MemoryMarshal.Cast<byte, float>(output).ToArray();
        for (int i = 0; i < input.Length; i++)
        {
            float expected = Math.Clamp(input[i], 0.25f * -64, 0.25f * 191);
            Assert.True(Math.Abs(expected - actual[i]) <= 0.125f + 1e-6f, $"{input[i]} -> {actual[i]}");
        }
    }

    [Fact]
    public void FloatConvReshapeTile_MatchesReference()
    {
        var g = new TestGraph();
        int x = g.F32("input", [1, 3, 3, 2]);
        float[] wf = Array.ConvertAll(RandomInts(2 * 1 * 1 * 2, 18, -10, 10), v => v / 4f);
        int w = g.F32("w", [2, 1, 1, 2], wf);
        int b = g.F32("b", [2], [0.5f, -0.5f]);
        int conv = g.F32("conv", [1, 3, 3, 2]);
        int shape = g.I32Const("shape", [2], [9, 2]);
        int flat = g.F32("flat", [9, 2]);
        int mult = g.I32Const("multiples", [2], [1, 2]);
        int y = g.F32("output", [9, 4]);
        g.Op(BuiltinOperator.Conv2D, [x, w, b], [conv], new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.Relu, 1, 1));
        g.Op(BuiltinOperator.Reshape, [conv, shape], [flat], new ReshapeOptions([9, 2]));
        g.Op(BuiltinOperator.Tile, [flat, mult], [y]);
        float[] input = Array.ConvertAll(RandomInts(18, 19, -20, 20), v => v / 8f);

        var (output, _) = Run(g.Build([x], [y]), MemoryMarshal.AsBytes(input.AsSpan()));

        float[] actual = MemoryMarshal.Cast<byte, float>(output).ToArray();
        for (int p = 0; p < 9; p++)
            for (int o = 0; o < 2; o++)
            {
                float v = (o == 0 ? 0.5f : -0.5f) + input[p * 2] * wf[o * 2] + input[p * 2 + 1] * wf[o * 2 + 1];
                v = MathF.Max(v, 0);
                Assert.Equal(v, actual[p * 4 + o], 4);
                Assert.Equal(v, actual[p * 4 + o + 2], 4);
            }
    }

    [Fact]
    public void Float16WeightsBehindDequantize_AreFoldedToFloatConstants()
    {
        var g = new TestGraph();
        int x = g.F32("input", [1, 2, 2, 1]);
        ushort[] half = [BitConverter.HalfToUInt16Bits((Half)2.5f), BitConverter.HalfToUInt16Bits((Half)(-1f))];
        int w16 = g.Tensor("w16", TensorType.Float16, [2, 1, 1, 1], null, MemoryMarshal.AsBytes(half.AsSpan()).ToArray());
        int w = g.F32("w", [2, 1, 1, 1]);
        int y = g.F32("output", [1, 2, 2, 2]);
        g.Op(BuiltinOperator.Dequantize, [w16], [w]);
        g.Op(BuiltinOperator.Conv2D, [x, w, -1], [y], new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.None, 1, 1));
        float[] input = [1f, 2f, -3f, 4f];
        var (output, _) = Run(g.Build([x], [y]), MemoryMarshal.AsBytes(input.AsSpan()));
        Assert.Equal([2.5f, -1f, 5f, -2f, -7.5f, 3f, 10f, -4f], MemoryMarshal.Cast<byte, float>(output).ToArray());
    }

    // ------------------------------------------------------------------ errors, determinism, benchmark

    [Fact]
    public void UnsupportedOperator_NamesTheOperatorAndNode()
    {
        var g = new TestGraph();
        int x = g.F32("input", [1, 4]);
        int y = g.F32("output", [1, 4]);
        g.Op(BuiltinOperator.Tanh, [x], [y]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => OnnxExporter.Export(g.Build([x], [y])));
        Assert.Contains("TANH", e.Message);
        Assert.Contains("node 0", e.Message);
        Assert.Equal(0, e.Node.Index);
    }

    [Fact]
    public void ExportIsDeterministic()
    {
        var (graph, _, _) = DilatedDepthwise(viaSpaceToBatch: true);
        Assert.Equal(OnnxExporter.Export(graph), OnnxExporter.Export(graph));
    }

    [Theory]
    [InlineData(Padding.Same, 513, 3, 2, 1, 1, 1, 257)]
    [InlineData(Padding.Same, 512, 3, 2, 1, 0, 1, 256)]
    [InlineData(Padding.Same, 65, 3, 1, 2, 2, 2, 65)]
    [InlineData(Padding.Same, 8, 3, 2, 1, 0, 1, 4)]
    [InlineData(Padding.Valid, 7, 3, 2, 1, 0, 0, 3)]
    public void PaddingFollowsTflite(Padding padding, int input, int filter, int stride, int dilation, int before, int after, int output) =>
        Assert.Equal((before, after, output), OnnxExporter.ComputePadding(padding, input, filter, stride, dilation));

    [Fact]
    public void BenchmarkReturnsOneLatencyPerIteration()
    {
        var g = new TestGraph();
        int x = g.U8("input", [1, 8, 8, 3], 0.1f, 0);
        int y = g.U8("output", [1, 8, 8, 3], 0.1f, 0);
        g.Op(BuiltinOperator.AveragePool2D, [x], [y], new Pool2DOptions(Padding.Same, 1, 1, 3, 3, FusedActivation.None));
        byte[] model = OnnxExporter.Export(g.Build([x], [y]));

        var (latencies, peak) = OrtBenchmark.Run(model, RandomBytes(192, 20), warmup: 2, iterations: 5, threads: 1);

        Assert.Equal(5, latencies.Length);
        Assert.All(latencies, l => Assert.True(l > 0));
        Assert.True(peak > 0);
        OrtBenchmarkResult r = OrtBenchmark.Measure(model, RandomBytes(192, 20), 0, 1, 2);
        Assert.True(r.RssAfterFirstRunBytes > 0 && r.RssBeforeSessionBytes > 0);
    }
}
