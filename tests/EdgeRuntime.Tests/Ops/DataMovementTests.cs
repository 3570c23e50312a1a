using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Ops;

namespace EdgeRuntime.Tests.Ops;

public class ConcatenationTests
{
    [Fact]
    public void UInt8InputsWithDifferentScalesAreRequantizedWithFloatScaleAndBias()
    {
        // Input 0 shares the output quantization (copied). Input 1: scale 0.1 zp 10 into output scale 0.2 zp 5:
        // scale = 0.1 * (1 / 0.2) = 0.5, bias = -10 * 0.5 = -5; q -> round(q * 0.5 - 5) + 5, halves away from zero.
        var h = new OpHarness();
        int a = h.Quantized(TensorType.UInt8, [1, 2, 1], 0.2f, 5);
        int b = h.Quantized(TensorType.UInt8, [1, 2, 3], 0.1f, 10);
        int o = h.Quantized(TensorType.UInt8, [1, 2, 4], 0.2f, 5);
        var (op, mem) = h.Prepare(new ConcatenationOperator(), BuiltinOperator.Concatenation, [a, b], [o], new ConcatenationOptions(-1, FusedActivation.None));
        OpHarness.Set<byte>(mem, a, 200, 201);
        OpHarness.Set<byte>(mem, b, 13, 7, 0, 255, 10, 11);
        op.Invoke(mem, default);
        // 13 -> 1.5 -> 2 -> 7; 7 -> -1.5 -> -2 -> 3; 0 -> -5 -> 0; 255 -> 122.5 -> 123 -> 128; 10 -> 5; 11 -> 0.5 -> 1 -> 6.
        Assert.Equal(new byte[] { 200, 7, 3, 0, 201, 128, 5, 6 }, OpHarness.Get<byte>(mem, o));
    }

    [Fact]
    public void FloatConcatenatesAlongMiddleAxis()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Float32, [2, 1, 2]);
        int b = h.Tensor(TensorType.Float32, [2, 2, 2]);
        int o = h.Tensor(TensorType.Float32, [2, 3, 2]);
        var (op, mem) = h.Prepare(new ConcatenationOperator(), BuiltinOperator.Concatenation, [a, b], [o], new ConcatenationOptions(1, FusedActivation.None));
        OpHarness.Set(mem, a, 1f, 2f, 3f, 4f);
        OpHarness.Set(mem, b, 10f, 11f, 12f, 13f, 14f, 15f, 16f, 17f);
        op.Invoke(mem, default);
        Assert.Equal(new[] { 1f, 2f, 10f, 11f, 12f, 13f, 3f, 4f, 14f, 15f, 16f, 17f }, OpHarness.Get<float>(mem, o));
    }

    [Fact]
    public void Int8InputsMustShareOutputQuantization()
    {
        var h = new OpHarness();
        int a = h.Quantized(TensorType.Int8, [1, 2], 0.5f, 0);
        int b = h.Quantized(TensorType.Int8, [1, 2], 0.25f, 0);
        int o = h.Quantized(TensorType.Int8, [1, 4], 0.5f, 0);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new ConcatenationOperator(), BuiltinOperator.Concatenation, [a, b], [o], new ConcatenationOptions(1, FusedActivation.None), version: 2));
        Assert.Contains("share the output's quantization", e.Message);
    }

    [Fact]
    public void FusedActivationIsRejected()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Float32, [2]);
        int o = h.Tensor(TensorType.Float32, [4]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new ConcatenationOperator(), BuiltinOperator.Concatenation, [a, a], [o], new ConcatenationOptions(0, FusedActivation.Relu)));
        Assert.Contains("fused activation", e.Message);
    }

    [Fact]
    public void AxisSizesMustAddUp()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Float32, [1, 2]);
        int o = h.Tensor(TensorType.Float32, [1, 5]);
        var e = Assert.Throws<ModelFormatException>(() => h.Prepare(new ConcatenationOperator(), BuiltinOperator.Concatenation, [a, a], [o], new ConcatenationOptions(1, FusedActivation.None)));
        Assert.Contains("add up to 4", e.Message);
    }
}

public class ArgMaxTests
{
    [Fact]
    public void FirstMaximumWinsOnTies()
    {
        var output = new long[3];
        ArgMaxReference.ArgMax<byte, long>([5, 9, 9, 1, 7, 7, 7, 7, 0, 0, 1, 1], 3, 4, 1, output);
        Assert.Equal(new long[] { 1, 0, 2 }, output);
    }

    [Fact]
    public void OperatorReadsAxisFromConstantAndWritesInt32()
    {
        var h = new OpHarness();
        int t = h.Tensor(TensorType.Float32, [2, 3]);
        int axis = h.Constant(TensorType.Int32, [1], new[] { 0 });
        int o = h.Tensor(TensorType.Int32, [3]);
        var (op, mem) = h.Prepare(new ArgMaxOperator(), BuiltinOperator.ArgMax, [t, axis], [o], new ArgMaxOptions(TensorType.Int32));
        OpHarness.Set(mem, t, 1f, 5f, -1f, 1f, 6f, -2f);
        op.Invoke(mem, default);
        Assert.Equal(new[] { 0, 1, 0 }, OpHarness.Get<int>(mem, o));
    }

    [Fact]
    public void OutputTypeMustMatchOptions()
    {
        var h = new OpHarness();
        int t = h.Tensor(TensorType.Float32, [2, 3]);
        int axis = h.Constant(TensorType.Int32, [], new[] { 1 });
        int o = h.Tensor(TensorType.Int32, [2]);
        Assert.Throws<ModelFormatException>(() => h.Prepare(new ArgMaxOperator(), BuiltinOperator.ArgMax, [t, axis], [o], new ArgMaxOptions(TensorType.Int64)));
    }
}

public class QuantizeDequantizeTests
{
    [Fact]
    public void FloatToInt8RoundsHalfAwayFromZeroAndClamps()
    {
        var output = new sbyte[6];
        QuantizeReference.AffineQuantize<sbyte>([0.25f, -0.25f, 100f, -0.75f, 1f, -1000f], output, 0.5f, -1);
        // 0.5 -> 1 -> 0; -0.5 -> -1 -> -2; 200 -> 127; -1.5 -> -2 -> -3; 2 -> 1; -2000 -> -128.
        Assert.Equal(new sbyte[] { 0, -2, 127, -3, 1, -128 }, output);
    }

    [Fact]
    public void RequantizeUsesGemmlowpRoundingWhichSendsNegativeHalvesUp()
    {
        // in scale 0.5 -> out scale 1.0: multiplier 0.5 = (2^30, shift 0). 3 * 0.5 = 1.5 -> 2; -3 * 0.5 = -1.5 -> -1
        // (SaturatingRoundingDoublingHighMul rounds ties toward +infinity for negatives).
        QuantizeReference.RequantizeMultiplier(0.5f, 1.0f, out int m, out int s);
        Assert.Equal((1 << 30, 0), (m, s));
        var output = new sbyte[3];
        QuantizeReference.Requantize<sbyte, sbyte>([3, -3, 100], output, 0, 3, m, s);
        Assert.Equal(new sbyte[] { 5, 2, 53 }, output);
    }

    [Fact]
    public void UInt8ToInt8WithEqualScaleIsAZeroPointShift()
    {
        var h = new OpHarness();
        int i = h.Quantized(TensorType.UInt8, [256], 0.05f, 128);
        int o = h.Quantized(TensorType.Int8, [256], 0.05f, 0);
        var (op, mem) = h.Prepare(new QuantizeOperator(), BuiltinOperator.Quantize, [i], [o], version: 2);
        OpHarness.Set(mem, i, Enumerable.Range(0, 256).Select(v => (byte)v).ToArray());
        op.Invoke(mem, default);
        Assert.Equal(Enumerable.Range(0, 256).Select(v => (sbyte)(v ^ 0x80)).ToArray(), OpHarness.Get<sbyte>(mem, o));
    }

    [Fact]
    public void CoralUInt8RequantizeMatchesFloatWithinOneStep()
    {
        // The Coral model's QUANTIZE: uint8 scale 0.01242 zp 0 -> uint8 scale 0.03521 zp 0.
        float si = 0.012422440573573112f, so = 0.03520936891436577f;
        QuantizeReference.RequantizeMultiplier(si, so, out int m, out int s);
        var input = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        var output = new byte[256];
        QuantizeReference.Requantize<byte, byte>(input, output, 0, 0, m, s);
        for (int q = 0; q < 256; q++)
            Assert.InRange(output[q], Math.Round(q * si / so) - 1, Math.Round(q * si / so) + 1);
    }

    [Fact]
    public void DequantizePerTensorPerChannelAndHalf()
    {
        var f = new float[3];
        DequantizeReference.PerTensor<sbyte>([-128, 127, -1], f, 0.5f, -1);
        Assert.Equal(new[] { -63.5f, 64f, 0f }, f);

        var h = new OpHarness();
        int w = h.Constant(TensorType.Int8, [2, 3], new sbyte[] { 4, 4, 4, -8, -8, -8 }, new QuantizationInfo([1f, 0.5f, 0.25f], [0], 1));
        int o = h.Tensor(TensorType.Float32, [2, 3]);
        var (op, mem) = h.Prepare(new DequantizeOperator(), BuiltinOperator.Dequantize, [w], [o], version: 4);
        op.Invoke(mem, default);
        Assert.Equal(new[] { 4f, 2f, 1f, -8f, -4f, -2f }, OpHarness.Get<float>(mem, o));

        var h16 = new OpHarness();
        int x = h16.Constant(TensorType.Float16, [3], new[] { (Half)1.5f, (Half)(-2f), Half.MaxValue });
        int y = h16.Tensor(TensorType.Float32, [3]);
        var (op16, mem16) = h16.Prepare(new DequantizeOperator(), BuiltinOperator.Dequantize, [x], [y], version: 3);
        op16.Invoke(mem16, default);
        Assert.Equal(new[] { 1.5f, -2f, 65504f }, OpHarness.Get<float>(mem16, y));
    }

    [Fact]
    public void PerChannelScaleCountMustMatchTheAxis()
    {
        var h = new OpHarness();
        int w = h.Constant(TensorType.Int8, [2, 3], new sbyte[6], new QuantizationInfo([1f, 0.5f], [0], 1));
        int o = h.Tensor(TensorType.Float32, [2, 3]);
        var e = Assert.Throws<ModelFormatException>(() => h.Prepare(new DequantizeOperator(), BuiltinOperator.Dequantize, [w], [o], version: 4));
        Assert.Contains("2 scales for 3 channels", e.Message);
    }
}

public class SpaceBatchTileReshapeTests
{
    [Fact]
    public void SpaceToBatchMatchesTfliteSimpleConstTest()
    {
        var output = new float[16];
        SpaceBatchReference.SpaceToBatch(new(1, 4, 4, 1), Enumerable.Range(1, 16).Select(v => (float)v).ToArray(), 2, 2, 0, 0, 0f, new(4, 2, 2, 1), output);
        Assert.Equal(new float[] { 1, 3, 9, 11, 2, 4, 10, 12, 5, 7, 13, 15, 6, 8, 14, 16 }, output);
    }

    [Fact]
    public void SpaceToBatchPadsQuantizedWithOutputZeroPoint()
    {
        // TFLite SimplePaddingConstTest shape: 1x5x2x1, block [3,2], paddings [[1,0],[2,0]] -> 6x2x2x1; padding = zp 7.
        var h = new OpHarness();
        int i = h.Quantized(TensorType.UInt8, [1, 5, 2, 1], 0.5f, 7);
        int block = h.Constant(TensorType.Int32, [2], new[] { 3, 2 });
        int pads = h.Constant(TensorType.Int32, [2, 2], new[] { 1, 0, 2, 0 });
        int o = h.Quantized(TensorType.UInt8, [6, 2, 2, 1], 0.5f, 7);
        var (op, mem) = h.Prepare(new SpaceToBatchNdOperator(), BuiltinOperator.SpaceToBatchND, [i, block, pads], [o]);
        OpHarness.Set<byte>(mem, i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        op.Invoke(mem, default);
        Assert.Equal(new byte[] { 7, 7, 7, 5, 7, 7, 7, 6, 7, 1, 7, 7, 7, 2, 7, 8, 7, 3, 7, 9, 7, 4, 7, 10 }, OpHarness.Get<byte>(mem, o));
    }

    [Fact]
    public void SpaceToBatchThenBatchToSpaceWithCropsIsIdentityLikeTheAtrousPattern()
    {
        // The int8 model: 65x65 padded [2,3] with block 2 -> 4x35x35; a 3x3 valid depthwise gives 33x33, then
        // BATCH_TO_SPACE_ND crops [0,1]. Without the conv: pads [0,1] and crops [0,1] must round-trip.
        var h = new OpHarness();
        int x = h.Quantized(TensorType.Int8, [1, 5, 5, 2], 0.1f, -3);
        int block = h.Constant(TensorType.Int32, [2], new[] { 2, 2 });
        int pads = h.Constant(TensorType.Int32, [2, 2], new[] { 0, 1, 0, 1 });
        int mid = h.Quantized(TensorType.Int8, [4, 3, 3, 2], 0.1f, -3);
        var (s2b, mem) = h.Prepare(new SpaceToBatchNdOperator(), BuiltinOperator.SpaceToBatchND, [x, block, pads], [mid], version: 2);
        sbyte[] data = Enumerable.Range(0, 50).Select(v => (sbyte)(v - 25)).ToArray();
        OpHarness.Set(mem, x, data);
        s2b.Invoke(mem, default);
        // 6x6x2 padded cells hold the 50 inputs (one of which is -3) and 22 pads of the zero point -3.
        Assert.Equal(23, OpHarness.Get<sbyte>(mem, mid).Count(v => v == -3));

        var h2 = new OpHarness();
        int m2 = h2.Quantized(TensorType.Int8, [4, 3, 3, 2], 0.1f, -3);
        int b2 = h2.Constant(TensorType.Int32, [2], new[] { 2, 2 });
        int crops = h2.Constant(TensorType.Int32, [2, 2], new[] { 0, 1, 0, 1 });
        int y = h2.Quantized(TensorType.Int8, [1, 5, 5, 2], 0.1f, -3);
        var (b2s, mem2) = h2.Prepare(new BatchToSpaceNdOperator(), BuiltinOperator.BatchToSpaceND, [m2, b2, crops], [y], version: 2);
        OpHarness.Set(mem2, m2, OpHarness.Get<sbyte>(mem, mid));
        b2s.Invoke(mem2, default);
        Assert.Equal(data, OpHarness.Get<sbyte>(mem2, y));
    }

    [Fact]
    public void BatchToSpaceMatchesTfliteSimpleConstTest()
    {
        var output = new float[16];
        SpaceBatchReference.BatchToSpace(new(4, 2, 2, 1), new float[] { 1, 3, 9, 11, 2, 4, 10, 12, 5, 7, 13, 15, 6, 8, 14, 16 }, 2, 2, 0, 0, new(1, 4, 4, 1), output);
        Assert.Equal(Enumerable.Range(1, 16).Select(v => (float)v).ToArray(), output);
    }

    [Fact]
    public void SpaceToBatchRejectsPaddingNotDivisibleByBlock()
    {
        var h = new OpHarness();
        int i = h.Tensor(TensorType.Float32, [1, 5, 5, 1]);
        int block = h.Constant(TensorType.Int32, [2], new[] { 2, 2 });
        int pads = h.Constant(TensorType.Int32, [2, 2], new[] { 0, 0, 0, 0 });
        int o = h.Tensor(TensorType.Float32, [4, 2, 2, 1]);
        var e = Assert.Throws<ModelFormatException>(() => h.Prepare(new SpaceToBatchNdOperator(), BuiltinOperator.SpaceToBatchND, [i, block, pads], [o]));
        Assert.Contains("not a multiple of block", e.Message);
    }

    [Fact]
    public void TileRepeatsEachDimension()
    {
        var h = new OpHarness();
        int i = h.Tensor(TensorType.Int32, [2, 2]);
        int m = h.Constant(TensorType.Int64, [2], new[] { 2L, 3L });
        int o = h.Tensor(TensorType.Int32, [4, 6]);
        var (op, mem) = h.Prepare(new TileOperator(), BuiltinOperator.Tile, [i, m], [o]);
        OpHarness.Set(mem, i, 1, 2, 3, 4);
        op.Invoke(mem, default);
        Assert.Equal(new[]
        {
            1, 2, 1, 2, 1, 2,
            3, 4, 3, 4, 3, 4,
            1, 2, 1, 2, 1, 2,
            3, 4, 3, 4, 3, 4,
        }, OpHarness.Get<int>(mem, o));
    }

    [Fact]
    public void TileBroadcastsTheCityscapesImagePoolingVector()
    {
        // Cityscapes model node 76: uint8 [1,1,1,128] tiled by [1,33,33,1].
        var h = new OpHarness();
        int i = h.Quantized(TensorType.UInt8, [1, 1, 1, 128], 0.0089f, 0);
        int m = h.Constant(TensorType.Int32, [4], new[] { 1, 33, 33, 1 });
        int o = h.Quantized(TensorType.UInt8, [1, 33, 33, 128], 0.0089f, 0);
        var (op, mem) = h.Prepare(new TileOperator(), BuiltinOperator.Tile, [i, m], [o]);
        byte[] v = Enumerable.Range(0, 128).Select(k => (byte)(k * 2)).ToArray();
        OpHarness.Set(mem, i, v);
        op.Invoke(mem, default);
        byte[] output = OpHarness.Get<byte>(mem, o);
        for (int p = 0; p < 33 * 33; p++) Assert.Equal(v, output.AsSpan(p * 128, 128).ToArray());
    }

    [Fact]
    public void TileRankSixAgreesWithIndexFormula()
    {
        int[] dims = [2, 1, 3, 1, 2, 2];
        int[] mult = [1, 2, 1, 3, 2, 1];
        int[] outDims = dims.Zip(mult, (d, m) => d * m).ToArray();
        int inCount = dims.Aggregate(1, (a, b) => a * b), outCount = outDims.Aggregate(1, (a, b) => a * b);
        int[] input = Enumerable.Range(0, inCount).ToArray();
        var output = new int[outCount];
        TileReference.Tile(System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan()), dims, mult, 4, System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.AsSpan()));
        var idx = new int[6];
        for (int flat = 0; flat < outCount; flat++)
        {
            int rem = flat;
            for (int d = 5; d >= 0; d--) { idx[d] = rem % outDims[d]; rem /= outDims[d]; }
            int src = 0;
            for (int d = 0; d < 6; d++) src = src * dims[d] + idx[d] % dims[d];
            Assert.Equal(input[src], output[flat]);
        }
    }

    [Fact]
    public void ReshapeRunsInPlaceAndCopiesOtherwise()
    {
        foreach (bool alias in new[] { true, false })
        {
            var h = new OpHarness();
            int i = h.Tensor(TensorType.Float32, [1, 2, 3]);
            int o = h.Tensor(TensorType.Float32, [6]);
            if (alias) h.Alias(o, i);
            var (op, mem) = h.Prepare(new ReshapeOperator(), BuiltinOperator.Reshape, [i], [o], new ReshapeOptions([6]));
            Assert.Equal(0, op.InPlaceInput);
            OpHarness.Set(mem, i, 1f, 2f, 3f, 4f, 5f, 6f);
            op.Invoke(mem, default);
            Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, OpHarness.Get<float>(mem, o));
        }
    }

    [Fact]
    public void ReshapeAndSqueezeValidateElementCounts()
    {
        var h = new OpHarness();
        int i = h.Tensor(TensorType.Float32, [1, 2, 3]);
        int o = h.Tensor(TensorType.Float32, [5]);
        Assert.Throws<ModelFormatException>(() => h.Prepare(new ReshapeOperator(), BuiltinOperator.Reshape, [i], [o]));
        var h2 = new OpHarness();
        int a = h2.Tensor(TensorType.Float32, [1, 2, 1, 3]);
        int b = h2.Tensor(TensorType.Float32, [2, 3]);
        var (sq, _) = h2.Prepare(new SqueezeOperator(), BuiltinOperator.Squeeze, [a], [b]);
        Assert.Equal(0, sq.InPlaceInput);
    }
}
