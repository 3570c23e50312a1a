using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Ops;

namespace EdgeRuntime.Tests.Ops;

public class AddMulTests
{
    [Fact]
    public void AddParamsFollowTfliteTwiceMaxScaleRecipe()
    {
        // in1 0.5, in2 0.25, out 1.0: twice_max = 1.0, real multipliers 0.5, 0.25 and 1 / 2^20.
        var p = AddQuantParams.Create(0.5f, 128, 0.25f, 100, 1.0f, 10, 0, 255);
        Assert.Equal((1 << 30, 0), (p.Input1Multiplier, p.Input1Shift));
        Assert.Equal((1 << 30, -1), (p.Input2Multiplier, p.Input2Shift));
        Assert.Equal((1 << 30, -19), (p.OutputMultiplier, p.OutputShift));
        Assert.Equal((-128, -100, 10, 20), (p.Input1Offset, p.Input2Offset, p.OutputOffset, p.LeftShift));
    }

    [Theory]
    // Real values: in1 = 0.5 * (q1 - 128), in2 = 0.25 * (q2 - 100), out = q - 10.
    [InlineData(130, 108, 13)] // 1.0 + 2.0 = 3.0 exactly
    [InlineData(129, 101, 11)] // 0.5 + 0.25 = 0.75 -> rounds to 1
    [InlineData(127, 99, 9)]   // -0.75 -> -1 (RoundingDivideByPOT rounds half away from zero)
    [InlineData(255, 255, 112)] // 63.5 + 38.75 = 102.25 -> 102 + 10
    [InlineData(0, 0, 0)]       // -64 - 25 clamps at 0
    public void QuantizedUInt8AddHandWorked(byte q1, byte q2, byte expected)
    {
        var p = AddQuantParams.Create(0.5f, 128, 0.25f, 100, 1.0f, 10, 0, 255);
        var output = new byte[1];
        AddReference.Quantized(p, new Shape4(1, 1, 1, 1), [q1], new Shape4(1, 1, 1, 1), [q2], new Shape4(1, 1, 1, 1), output);
        Assert.Equal(expected, output[0]);
    }

    [Fact]
    public void Int8AddWithRelu6ClampsToQuantizedSix()
    {
        // Output scale 0.1, zp -128: Relu6 keeps [quantize(0), quantize(6)] = [-128, -68].
        var h = new OpHarness();
        int a = h.Quantized(TensorType.Int8, [1, 1, 1, 4], 0.1f, -128);
        int b = h.Quantized(TensorType.Int8, [1, 1, 1, 4], 0.1f, -128);
        int o = h.Quantized(TensorType.Int8, [1, 1, 1, 4], 0.1f, -128);
        var (op, mem) = h.Prepare(new AddOperator(), BuiltinOperator.Add, [a, b], [o], new ElementwiseOptions(FusedActivation.Relu6), version: 2);
        OpHarness.Set<sbyte>(mem, a, -128, -118, -100, 0);
        OpHarness.Set<sbyte>(mem, b, -128, -118, -100, 0);
        op.Invoke(mem, default);
        // 0+0 = 0; 1+1 = 2.0 -> -108; 2.8+2.8 = 5.6 -> -72; 12.8+12.8 clamps at 6.0 -> -68.
        Assert.Equal(new sbyte[] { -128, -108, -72, -68 }, OpHarness.Get<sbyte>(mem, o));
    }

    [Fact]
    public void Int8MulBroadcastsChannelVectorOntoNhwc()
    {
        // The un-folded batch norm of the int8 model: activations [1,2,2,3] * constant [3].
        // Scales 0.5 * 0.25 / 0.125 = 1: the output is exactly the product of the quantized values.
        var h = new OpHarness();
        int x = h.Quantized(TensorType.Int8, [1, 2, 2, 3], 0.5f, 0);
        int g = h.Constant(TensorType.Int8, [3], new sbyte[] { 1, -2, 3 }, QuantizationInfo.PerTensor(0.25f, 0));
        int o = h.Quantized(TensorType.Int8, [1, 2, 2, 3], 0.125f, 0);
        var (op, mem) = h.Prepare(new MulOperator(), BuiltinOperator.Mul, [x, g], [o], new ElementwiseOptions(FusedActivation.None), version: 2);
        Assert.Equal(0, op.InPlaceInput);
        OpHarness.Set<sbyte>(mem, x, 1, 2, 3, 4, 5, 6, -7, -8, -9, 10, 11, 100);
        op.Invoke(mem, default);
        Assert.Equal(new sbyte[] { 1, -4, 9, 4, -10, 18, -7, 16, -27, 10, -22, 127 }, OpHarness.Get<sbyte>(mem, o));
    }

    [Fact]
    public void MulMultiplierIsComputedInFloatLikeTheCppExpression()
    {
        float s1 = 0.1711026132106781f, s2 = 0.07932265102863312f, so = 0.2206357717514038f; // node 29 of the int8 model
        var p = MulQuantParams.Create(s1, 45, s2, 0, so, -2, -128, 127);
        float real = s1 * s2 / so;
        FixedPoint.QuantizeMultiplier(real, out int m, out int s);
        Assert.Equal((m, s), (p.OutputMultiplier, p.OutputShift));
        Assert.Equal((-45, 0, -2), (p.Input1Offset, p.Input2Offset, p.OutputOffset));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QuantizedAddAndMulAreWithinOneStepOfFloatMath(bool int8)
    {
        var rng = new Random(1234);
        for (int trial = 0; trial < 40; trial++)
        {
            var outShape = new Shape4(1 + rng.Next(2), 1 + rng.Next(4), 1 + rng.Next(4), 1 + rng.Next(5));
            Shape4 s1 = outShape, s2 = rng.Next(3) switch
            {
                0 => outShape,
                1 => new Shape4(1, 1, 1, outShape.C),
                _ => new Shape4(outShape.N, 1, outShape.W, 1),
            };
            int lo = int8 ? -128 : 0, hi = int8 ? 127 : 255;
            float sc1 = 0.01f + (float)rng.NextDouble(), sc2 = 0.01f + (float)rng.NextDouble();
            int z1 = rng.Next(lo, hi + 1), z2 = rng.Next(lo, hi + 1);
            var a = new int[s1.FlatSize]; var b = new int[s2.FlatSize];
            for (int i = 0; i < a.Length; i++) a[i] = rng.Next(lo, hi + 1);
            for (int i = 0; i < b.Length; i++) b[i] = rng.Next(lo, hi + 1);
            Broadcast4 b1 = Broadcast4.For(s1, outShape), b2 = Broadcast4.For(s2, outShape);

            foreach (bool mul in new[] { false, true })
            {
                // Output range chosen to hold every result: [min, max] of the real results.
                var reals = new double[outShape.FlatSize];
                int k = 0;
                for (int n = 0; n < outShape.N; n++) for (int y = 0; y < outShape.H; y++) for (int x = 0; x < outShape.W; x++) for (int c = 0; c < outShape.C; c++)
                {
                    double r1 = sc1 * (a[b1.Offset(n, y, x, c)] - z1), r2 = sc2 * (b[b2.Offset(n, y, x, c)] - z2);
                    reals[k++] = mul ? r1 * r2 : r1 + r2;
                }
                double rmin = Math.Min(0, reals.Min()), rmax = Math.Max(0, reals.Max());
                float so = (float)Math.Max((rmax - rmin) / 255.0, 1e-3);
                int zo = Math.Clamp(lo - (int)Math.Round(rmin / so), lo, hi);
                var got = new int[outShape.FlatSize];
                if (int8)
                {
                    sbyte[] A = a.Select(v => (sbyte)v).ToArray(), B = b.Select(v => (sbyte)v).ToArray(); var O = new sbyte[got.Length];
                    if (mul) MulReference.Quantized(MulQuantParams.Create(sc1, z1, sc2, z2, so, zo, lo, hi), s1, A, s2, B, outShape, O);
                    else AddReference.Quantized(AddQuantParams.Create(sc1, z1, sc2, z2, so, zo, lo, hi), s1, A, s2, B, outShape, O);
                    for (int i = 0; i < got.Length; i++) got[i] = O[i];
                }
                else
                {
                    byte[] A = a.Select(v => (byte)v).ToArray(), B = b.Select(v => (byte)v).ToArray(); var O = new byte[got.Length];
                    if (mul) MulReference.Quantized(MulQuantParams.Create(sc1, z1, sc2, z2, so, zo, lo, hi), s1, A, s2, B, outShape, O);
                    else AddReference.Quantized(AddQuantParams.Create(sc1, z1, sc2, z2, so, zo, lo, hi), s1, A, s2, B, outShape, O);
                    for (int i = 0; i < got.Length; i++) got[i] = O[i];
                }
                for (int i = 0; i < got.Length; i++)
                {
                    int ideal = Math.Clamp(zo + (int)Math.Round(reals[i] / so), lo, hi);
                    Assert.InRange(got[i], ideal - 1, ideal + 1);
                }
            }
        }
    }

    [Fact]
    public void FloatAddAppliesReluAndBroadcasts()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Float32, [1, 1, 2, 2]);
        int b = h.Constant(TensorType.Float32, [2], new[] { 1f, -10f });
        int o = h.Tensor(TensorType.Float32, [1, 1, 2, 2]);
        var (op, mem) = h.Prepare(new AddOperator(), BuiltinOperator.Add, [a, b], [o], new ElementwiseOptions(FusedActivation.Relu));
        OpHarness.Set(mem, a, 1f, 2f, -3f, 20f);
        op.Invoke(mem, default);
        Assert.Equal(new[] { 2f, 0f, 0f, 10f }, OpHarness.Get<float>(mem, o));
    }

    [Fact]
    public void InPlaceAddGivesTheSameBytesAsSeparateBuffers()
    {
        byte[] Run(bool alias)
        {
            var h = new OpHarness();
            int a = h.Quantized(TensorType.UInt8, [1, 2, 3, 4], 0.3f, 120);
            int b = h.Constant(TensorType.UInt8, [4], new byte[] { 0, 100, 200, 255 }, QuantizationInfo.PerTensor(0.2f, 30));
            int o = h.Quantized(TensorType.UInt8, [1, 2, 3, 4], 0.4f, 90);
            if (alias) h.Alias(o, a);
            var (op, mem) = h.Prepare(new AddOperator(), BuiltinOperator.Add, [a, b], [o], new ElementwiseOptions(FusedActivation.None));
            Assert.Equal(0, op.InPlaceInput);
            OpHarness.Set(mem, a, Enumerable.Range(0, 24).Select(i => (byte)(i * 11)).ToArray());
            op.Invoke(mem, default);
            return OpHarness.Get<byte>(mem, o);
        }
        Assert.Equal(Run(false), Run(true));
    }

    [Fact]
    public void InPlaceInputPicksTheFullShapeOperand()
    {
        var h = new OpHarness();
        int small = h.Tensor(TensorType.Float32, [3]);
        int big = h.Tensor(TensorType.Float32, [1, 2, 2, 3]);
        int o = h.Tensor(TensorType.Float32, [1, 2, 2, 3]);
        var (op, _) = h.Prepare(new MulOperator(), BuiltinOperator.Mul, [small, big], [o]);
        Assert.Equal(1, op.InPlaceInput);
    }

    [Fact]
    public void MismatchedTypesAreUnsupported()
    {
        var h = new OpHarness();
        int a = h.Quantized(TensorType.UInt8, [1, 2], 1f, 0);
        int b = h.Quantized(TensorType.Int8, [1, 2], 1f, 0);
        int o = h.Quantized(TensorType.UInt8, [1, 2], 1f, 0);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new AddOperator(), BuiltinOperator.Add, [a, b], [o]));
        Assert.Contains("Int8", e.Message);
        Assert.Contains("ADD", e.Message);
    }

    [Fact]
    public void ShapesThatDoNotBroadcastAreAFormatError()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Float32, [1, 2, 3]);
        int b = h.Tensor(TensorType.Float32, [1, 2, 4]);
        int o = h.Tensor(TensorType.Float32, [1, 2, 4]);
        var e = Assert.Throws<ModelFormatException>(() => h.Prepare(new MulOperator(), BuiltinOperator.Mul, [a, b], [o]));
        Assert.Contains("do not broadcast", e.Message);
    }

    [Fact]
    public void PerChannelActivationQuantizationIsUnsupported()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Int8, [1, 2], new QuantizationInfo([0.5f, 0.25f], [0, 0], 1));
        int b = h.Quantized(TensorType.Int8, [1, 2], 1f, 0);
        int o = h.Quantized(TensorType.Int8, [1, 2], 1f, 0);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new AddOperator(), BuiltinOperator.Add, [a, b], [o], version: 2));
        Assert.Contains("per channel", e.Message);
    }

    [Fact]
    public void TooNewVersionIsUnsupported()
    {
        var h = new OpHarness();
        int a = h.Tensor(TensorType.Float32, [2]);
        int o = h.Tensor(TensorType.Float32, [2]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => h.Prepare(new AddOperator(), BuiltinOperator.Add, [a, a], [o], version: 9));
        Assert.Contains("version 9", e.Message);
    }
}
