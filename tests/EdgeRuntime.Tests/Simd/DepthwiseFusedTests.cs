using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels;
using EdgeRuntime.Conformance;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Simd;

/// <summary>
/// The fused AVX2 depthwise kernel (Avx2DepthwiseRows) against the Reference kernel, with vpmaddwd and (where the CPU
/// has it) vpdpwssd: channel counts around the 16/32 blocks, border pixels, strides, dilations, explicit paddings,
/// both types, every requantization kind, extreme biases; and its requantization operators on the whole int32 range.
/// </summary>
public unsafe class DepthwiseFusedTests
{
    public static TheoryData<bool> MacVariants()
    {
        var data = new TheoryData<bool>();
        data.Add(new TheoryDataRow<bool>(false).WithSkip(IsaSkip.Reason(Avx2.IsSupported, "x86 AVX2")));
        data.Add(new TheoryDataRow<bool>(true).WithSkip(IsaSkip.Reason(AvxVnni.IsSupported, "x86 AVX-VNNI")));
        return data;
    }

    private static readonly int[] InterestingChannels = [16, 17, 24, 31, 32, 33, 40, 47, 48, 63, 64, 65, 80, 96, 144, 200];

    private static QuantParams Quant(Random rng, QuantType type, int c)
        => rng.Next(3) == 0 ? KernelConformance.ConverterQuant(rng, type, c) : KernelConformance.RandomQuant(rng, type, c);

    private static DepthwiseCase RandomCase(Random rng)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int c = rng.Next(3) == 0 ? rng.Next(16, 130) : InterestingChannels[rng.Next(InterestingChannels.Length)];
        int h = rng.Next(1, 12), w = rng.Next(1, 12), stride = rng.Next(1, 4), dilation = rng.Next(1, 4);
        DepthwiseGeometry g;
        if (rng.Next(2) == 0)
        {
            g = DepthwiseGeometry.Create(h, w, c, stride, dilation, samePadding: rng.Next(3) != 0);
            if (g.OutputHeight < 1 || g.OutputWidth < 1) return RandomCase(rng);
        }
        else
        {
            int padT = rng.Next(0, 4), padL = rng.Next(0, 4);
            int outH = Math.Max(1, (h + 2 * padT - (2 * dilation + 1)) / stride + 1);
            int outW = Math.Max(1, (w + 2 * padL - (2 * dilation + 1)) / stride + 1);
            g = new DepthwiseGeometry(h, w, c, outH, outW, stride, stride, dilation, dilation, padT, padL);
        }
        var input = new byte[h * w * c];
        var weights = new byte[9 * c];
        switch (rng.Next(4))
        {
            case 0: // the largest accumulators: saturated codes
                for (int i = 0; i < input.Length; i++) input[i] = rng.Next(2) == 0 ? (byte)0 : (byte)255;
                for (int i = 0; i < weights.Length; i++) weights[i] = rng.Next(2) == 0 ? (byte)0x80 : (byte)0x7F;
                break;
            default:
                rng.NextBytes(input);
                rng.NextBytes(weights);
                break;
        }
        int range = rng.Next(3) switch { 0 => 1 << 12, 1 => 1 << 24, _ => int.MaxValue };
        int[] bias = rng.Next(6) == 0 ? [] : Enumerable.Range(0, c).Select(_ => rng.Next(-range, range)).ToArray();
        if (bias.Length > 0 && rng.Next(4) == 0) bias[rng.Next(c)] = rng.Next(2) == 0 ? int.MinValue : int.MaxValue;
        return new DepthwiseCase(Quant(rng, type, c), g, input, weights, bias);
    }

    /// <summary>Runs rows in up to three calls; bytes after the output and rows outside the calls must stay untouched.</summary>
    private static byte[] Run(DepthwiseConv kernel, DepthwiseCase t, int[] cuts)
    {
        var g = t.Geometry;
        var packed = kernel.Pack(t.Quant, g.Channels, t.W, t.Bias);
        int size = g.OutputHeight * g.OutputWidth * g.Channels;
        var o = new byte[size + 64];
        Array.Fill(o, (byte)0xA5);
        for (int i = 0; i + 1 < cuts.Length; i++)
            kernel.Run(packed, g, t.Input, o, cuts[i], cuts[i + 1] - cuts[i]);
        for (int i = size; i < o.Length; i++) Assert.True(o[i] == 0xA5, $"byte {i - size} after the output was written");
        return o;
    }

    private static void AssertSame(DepthwiseConv fast, DepthwiseCase t, Random rng)
    {
        var g = t.Geometry;
        int a = rng.Next(0, g.OutputHeight + 1), b = rng.Next(a, g.OutputHeight + 1);
        int[] cuts = [0, a, b, g.OutputHeight];
        byte[] expected = Run(DepthwiseConv.For(KernelIsa.Reference), t, [0, g.OutputHeight]);
        byte[] actual = Run(fast, t, cuts);
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i])
            {
                int px = i / g.Channels;
                Assert.Fail($"{t} c={g.Channels} bias={(t.Bias.Length == 0 ? "none" : t.Bias[0].ToString())}: pixel ({px / g.OutputWidth},{px % g.OutputWidth}) channel {i % g.Channels}: reference {expected[i]}, got {actual[i]}");
            }
    }

    [Theory]
    [MemberData(nameof(MacVariants))]
    public void FusedKernelIsBitExactWithReference(bool vnni)
    {
        var kernel = new Avx2DepthwiseConv(vnni);
        var rng = new Random(vnni ? 71 : 70);
        for (int i = 0; i < 400; i++) AssertSame(kernel, RandomCase(rng), rng);
    }

    /// <summary>16 channels at stride 1 run two pixels as one 32-channel pixel: every width (odd pixel left over), dilation and type.</summary>
    [Theory]
    [MemberData(nameof(MacVariants))]
    public void SixteenChannelsAtStrideOne(bool vnni)
    {
        var kernel = new Avx2DepthwiseConv(vnni);
        var rng = new Random(16);
        for (int w = 1; w <= 14; w++)
            for (int dilation = 1; dilation <= 3; dilation++)
                foreach (var type in new[] { QuantType.UInt8, QuantType.Int8 })
                {
                    int h = rng.Next(1, 9);
                    var g = DepthwiseGeometry.Create(h, w, 16, 1, dilation, samePadding: rng.Next(4) != 0);
                    if (g.OutputHeight < 1 || g.OutputWidth < 1) continue;
                    var input = new byte[h * w * 16]; rng.NextBytes(input);
                    var weights = new byte[9 * 16]; rng.NextBytes(weights);
                    int[] bias = Enumerable.Range(0, 16).Select(_ => rng.Next(-100000, 100000)).ToArray();
                    AssertSame(kernel, new DepthwiseCase(Quant(rng, type, 16), g, input, weights, bias), rng);
                }
    }

    /// <summary>A row too wide for the stack staging takes the generic loop, and a partial row range writes only its rows.</summary>
    [Theory]
    [MemberData(nameof(MacVariants))]
    public void WideChannelsAndRowRanges(bool vnni)
    {
        var kernel = new Avx2DepthwiseConv(vnni);
        var rng = new Random(5);
        int c = 5000;
        var g = DepthwiseGeometry.Create(3, 4, c, 1, 1, samePadding: true);
        Assert.True(DepthwiseRowDriver.StackBytes(g) > DepthwiseRowDriver.MaxStackBytes);
        var input = new byte[3 * 4 * c]; rng.NextBytes(input);
        var w = new byte[9 * c]; rng.NextBytes(w);
        AssertSame(kernel, new DepthwiseCase(Quant(rng, QuantType.UInt8, c), g, input, w, []), rng);

        g = DepthwiseGeometry.Create(9, 7, 48, 1, 2, samePadding: true);
        input = new byte[9 * 7 * 48]; rng.NextBytes(input);
        w = new byte[9 * 48]; rng.NextBytes(w);
        var q = Quant(rng, QuantType.Int8, 48);
        var packed = kernel.Pack(q, 48, w, []);
        var o = new byte[g.OutputHeight * g.OutputWidth * 48];
        Array.Fill(o, (byte)0x5A);
        kernel.Run(packed, g, input, o, 3, 2);
        int rowBytes = g.OutputWidth * 48;
        for (int i = 0; i < o.Length; i++)
            if (i < 3 * rowBytes || i >= 5 * rowBytes) Assert.True(o[i] == 0x5A, $"byte {i} outside rows 3..4 was written");
    }

    /// <summary>The requantization policies' AVX2 forms on arbitrary int32 values in the fused kernel's table layout (the kernel only reaches what 9 taps and a bias can).</summary>
    [Fact]
    public void RequantizationOperatorsMatchRequantizeApply()
    {
        IsaSkip.Require(Avx2.IsSupported, "x86 AVX2");
        var rng = new Random(9);
        int* x = stackalloc int[8];
        var tables = new int[9][];
        for (int i = 0; i < 9; i++) tables[i] = new int[16];
        for (int iter = 0; iter < 20000; iter++)
        {
            var rounding = (RequantizeRounding)rng.Next(3);
            bool perTensor = rng.Next(2) == 0;
            int m0 = RandomMultiplier(rng), s0 = -rng.Next(1, 32);
            var m = new int[8];
            var sh = new int[8];
            for (int i = 0; i < 8; i++)
            {
                m[i] = perTensor ? m0 : RandomMultiplier(rng);
                sh[i] = perTensor ? s0 : rng.Next(3) == 0 ? rng.Next(-31, 31) : -rng.Next(1, 32);
                x[i] = rng.Next(5) switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => rng.Next(-70000, 70000), _ => rng.Next(int.MinValue, int.MaxValue) };
            }
            bool rightOnly = sh.All(s => s < 0);
            // Table layout of Avx2DepthwisePack: Bias, M, MOdd, Left, Right, Add, Mask, HalfMask, Total.
            for (int i = 0; i < 8; i++)
            {
                int left = sh[i] > 0 ? sh[i] : 0, right = sh[i] > 0 ? 0 : -sh[i], mask = (int)((1L << right) - 1);
                tables[1][i] = m[i];
                tables[2][i] = i % 2 == 0 ? m[i + 1] : 0;
                tables[3][i] = left;
                tables[4][i] = right;
                tables[5][i] = right > 0 ? 1 << (right - 1) : 0;
                tables[6][i] = mask;
                tables[7][i] = mask >> 1;
                tables[8][i] = 31 - sh[i];
            }
            fixed (int* t1 = tables[1], t2 = tables[2], t3 = tables[3], t4 = tables[4], t5 = tables[5], t6 = tables[6], t7 = tables[7], t8 = tables[8])
            {
                var t = new RequantPointers
                {
                    Mult = t1, MultOdd = t2, Left = t3, Right = t4, Add = t5, Mask = t6, Half = t7, Total = t8,
                    TensorMultiplier = m0, TensorRight = -s0, TensorAdd = 1 << (-s0 - 1),
                };
                var v = Vector256.Load(x);
                // The policies the fused kernel picks for each DwRequantKind (Avx2DepthwiseRows.ByRequant).
                Vector256<int> r = rounding switch
                {
                    RequantizeRounding.DoubleAwayFromZero when perTensor => AwayFromZeroTensor.Avx2(v, t, 0),
                    RequantizeRounding.DoubleAwayFromZero when rightOnly => AwayFromZeroRight.Avx2(v, t, 0),
                    RequantizeRounding.DoubleAwayFromZero => AwayFromZero.Avx2(v, t, 0),
                    RequantizeRounding.DoubleUpward => Upward.Avx2(v, t, 0),
                    _ => SingleRounding.Avx2(v, t, 0),
                };
                for (int i = 0; i < 8; i++)
                {
                    int expected = Requantize.Apply(x[i], m[i], sh[i], rounding);
                    Assert.True(expected == r.GetElement(i), $"{rounding} x={x[i]} m={m[i]} shift={sh[i]}: expected {expected}, got {r.GetElement(i)}");
                    if (rounding == RequantizeRounding.DoubleAwayFromZero && rightOnly)
                        Assert.True(Math.Abs((long)expected) <= 1 << 30, "right-only results must stay within 2^30");
                }
            }
        }
    }

    private static int RandomMultiplier(Random rng) => rng.Next(6) switch
    {
        0 => 0,
        1 => int.MaxValue,
        2 => -rng.Next(1, int.MaxValue),
        3 => rng.Next(1, 1 << 20),
        _ => rng.Next(1 << 30, int.MaxValue),
    };
}
