using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Tests.Kernels;

/// <summary>
/// Properties: on random shapes, the quantized kernels agree within 1 LSB with the same convolution computed in
/// double on the dequantized values; the rounding modes differ from each other by at most 1; and the
/// Requantize modes match their definitions.
/// </summary>
public class ConvPropertyTests
{
    private sealed record Case(Shape4 In, Shape4 Filter, Shape4 Out, ConvGeometry G, int DepthMultiplier);

    private static Case RandomCase(Random rng, bool depthwise)
    {
        int n = rng.Next(1, 3), h = rng.Next(1, 9), w = rng.Next(1, 9), c = rng.Next(1, 6);
        int fh = rng.Next(1, 4), fw = rng.Next(1, 4), sh = rng.Next(1, 3), sw = rng.Next(1, 3), dh = rng.Next(1, 3), dw = rng.Next(1, 3);
        Padding padding = rng.Next(2) == 0 ? Padding.Same : Padding.Valid;
        SpatialPadding p = PaddingMath.ComputePaddingHeightWidth(sh, sw, dh, dw, h, w, fh, fw, padding);
        if (p.OutHeight < 1 || p.OutWidth < 1) return RandomCase(rng, depthwise);
        int dm = depthwise ? rng.Next(1, 3) : 1;
        int outC = depthwise ? c * dm : rng.Next(1, 6);
        return new Case(new Shape4(n, h, w, c), depthwise ? new Shape4(1, fh, fw, outC) : new Shape4(outC, fh, fw, c),
            new Shape4(n, p.OutHeight, p.OutWidth, outC), new ConvGeometry(sh, sw, dh, dw, p.PadHeight, p.PadWidth), dm);
    }

    /// <summary>Exact real-valued conv/depthwise in double on integer codes minus zero points (the accumulator, exactly).</summary>
    private static double[] Accumulators(Case k, bool depthwise, int[] x, int[] f, int inZp, int fZp, int[] bias)
    {
        var result = new double[k.Out.FlatSize];
        for (int b = 0; b < k.Out.N; b++)
        for (int oy = 0; oy < k.Out.H; oy++)
        for (int ox = 0; ox < k.Out.W; ox++)
        for (int oc = 0; oc < k.Out.C; oc++)
        {
            double acc = bias[oc];
            for (int fy = 0; fy < k.Filter.H; fy++)
            for (int fx = 0; fx < k.Filter.W; fx++)
            {
                int iy = oy * k.G.StrideH - k.G.PadH + fy * k.G.DilationH, ix = ox * k.G.StrideW - k.G.PadW + fx * k.G.DilationW;
                if (iy < 0 || ix < 0 || iy >= k.In.H || ix >= k.In.W) continue;
                if (depthwise)
                {
                    int ic = oc / k.DepthMultiplier;
                    acc += (double)(x[k.In.Offset(b, iy, ix, ic)] - inZp) * (f[k.Filter.Offset(0, fy, fx, oc)] - fZp);
                }
                else
                    for (int ic = 0; ic < k.In.C; ic++)
                        acc += (double)(x[k.In.Offset(b, iy, ix, ic)] - inZp) * (f[k.Filter.Offset(oc, fy, fx, ic)] - fZp);
            }
            result[k.Out.Offset(b, oy, ox, oc)] = acc;
        }
        return result;
    }

    [Theory]
    [InlineData(false, RequantizeRounding.DoubleAwayFromZero)]
    [InlineData(false, RequantizeRounding.Single)]
    [InlineData(true, RequantizeRounding.DoubleAwayFromZero)]
    [InlineData(true, RequantizeRounding.DoubleUpward)]
    public void UInt8MatchesRealArithmeticWithinOneLsb(bool depthwise, RequantizeRounding rounding)
    {
        var rng = new Random(depthwise ? 11 : 7);
        for (int iter = 0; iter < 150; iter++)
        {
            Case k = RandomCase(rng, depthwise);
            int inZp = rng.Next(0, 256), fZp = rng.Next(0, 256), outZp = rng.Next(0, 256);
            float inS = (float)(0.01 + rng.NextDouble() * 0.1), fS = (float)(0.001 + rng.NextDouble() * 0.02);
            float outS = (float)(0.05 + rng.NextDouble() * 0.5);
            byte[] x = [.. Enumerable.Range(0, k.In.FlatSize).Select(_ => (byte)rng.Next(256))];
            byte[] f = [.. Enumerable.Range(0, k.Filter.FlatSize).Select(_ => (byte)rng.Next(256))];
            int[] bias = [.. Enumerable.Range(0, k.Out.C).Select(_ => rng.Next(-5000, 5000))];
            (int m, int s) = global::EdgeRuntime.Ops.ConvOpSupport.LegacyMultiplier(inS, fS, outS);
            var p = new QuantizedConvParams(-inZp, -fZp, outZp, [m], [s], 0, 255, rounding);
            var got = new byte[k.Out.FlatSize];
            if (depthwise) DepthwiseConv2DReference.Quantized(p, k.G, k.DepthMultiplier, k.In, x, k.Filter, f, bias, k.Out, got);
            else Conv2DReference.Quantized(p, k.G, k.In, x, k.Filter, f, bias, k.Out, got);

            double real = (double)inS * fS / outS;
            double[] acc = Accumulators(k, depthwise, [.. x.Select(v => (int)v)], [.. f.Select(v => (int)v)], inZp, fZp, bias);
            for (int i = 0; i < got.Length; i++)
            {
                double expected = Math.Clamp(acc[i] * real + outZp, 0, 255);
                Assert.True(Math.Abs(got[i] - expected) <= 1.0, $"iter {iter} {k} index {i}: got {got[i]}, real {expected}");
            }
        }
    }

    [Theory]
    [InlineData(false, RequantizeRounding.DoubleAwayFromZero)]
    [InlineData(false, RequantizeRounding.Single)]
    [InlineData(true, RequantizeRounding.DoubleAwayFromZero)]
    [InlineData(true, RequantizeRounding.DoubleUpward)]
    public void Int8PerChannelMatchesRealArithmeticWithinOneLsb(bool depthwise, RequantizeRounding rounding)
    {
        var rng = new Random(depthwise ? 5 : 3);
        for (int iter = 0; iter < 150; iter++)
        {
            Case k = RandomCase(rng, depthwise);
            int inZp = rng.Next(-128, 128), outZp = rng.Next(-128, 128);
            float inS = (float)(0.01 + rng.NextDouble() * 0.1), outS = (float)(0.05 + rng.NextDouble() * 0.5);
            float[] fS = [.. Enumerable.Range(0, k.Out.C).Select(_ => (float)(0.001 + rng.NextDouble() * 0.02))];
            sbyte[] x = [.. Enumerable.Range(0, k.In.FlatSize).Select(_ => (sbyte)rng.Next(-128, 128))];
            sbyte[] f = [.. Enumerable.Range(0, k.Filter.FlatSize).Select(_ => (sbyte)rng.Next(-127, 128))];
            int[] bias = [.. Enumerable.Range(0, k.Out.C).Select(_ => rng.Next(-5000, 5000))];
            (int[] m, int[] s) = global::EdgeRuntime.Ops.ConvOpSupport.PerChannelMultipliers(inS, fS, outS, k.Out.C);
            var p = new QuantizedConvParams(-inZp, 0, outZp, m, s, -128, 127, rounding);
            var got = new sbyte[k.Out.FlatSize];
            if (depthwise) DepthwiseConv2DReference.Quantized(p, k.G, k.DepthMultiplier, k.In, x, k.Filter, f, bias, k.Out, got);
            else Conv2DReference.Quantized(p, k.G, k.In, x, k.Filter, f, bias, k.Out, got);

            double[] acc = Accumulators(k, depthwise, [.. x.Select(v => (int)v)], [.. f.Select(v => (int)v)], inZp, 0, bias);
            for (int i = 0; i < got.Length; i++)
            {
                int oc = i % k.Out.C;
                double expected = Math.Clamp(acc[i] * ((double)inS * fS[oc] / outS) + outZp, -128, 127);
                Assert.True(Math.Abs(got[i] - expected) <= 1.0, $"iter {iter} {k} index {i}: got {got[i]}, real {expected}");
            }
        }
    }

    [Fact]
    public void AveragePoolQuantizedMatchesRoundedMean()
    {
        var rng = new Random(99);
        for (int iter = 0; iter < 100; iter++)
        {
            int h = rng.Next(1, 10), w = rng.Next(1, 10), c = rng.Next(1, 5), fh = rng.Next(1, 4), fw = rng.Next(1, 4), st = rng.Next(1, 3);
            Padding padding = rng.Next(2) == 0 ? Padding.Same : Padding.Valid;
            SpatialPadding p = PaddingMath.ComputePaddingHeightWidth(st, st, 1, 1, h, w, fh, fw, padding);
            if (p.OutHeight < 1 || p.OutWidth < 1) continue;
            var inShape = new Shape4(1, h, w, c);
            var outShape = new Shape4(1, p.OutHeight, p.OutWidth, c);
            var g = new PoolGeometry(fh, fw, st, st, p.PadHeight, p.PadWidth);
            sbyte[] x = [.. Enumerable.Range(0, inShape.FlatSize).Select(_ => (sbyte)rng.Next(-128, 128))];
            var got = new sbyte[outShape.FlatSize];
            AveragePool2DReference.Int8(g, -128, 127, inShape, x, outShape, got);
            var real = new float[outShape.FlatSize];
            AveragePool2DReference.Float(g, float.NegativeInfinity, float.PositiveInfinity, inShape, [.. x.Select(v => (float)v)], outShape, real);
            for (int i = 0; i < got.Length; i++)
                Assert.Equal(Math.Round(real[i], MidpointRounding.AwayFromZero), got[i], 0.0001); // exact round-half-away of the mean
        }
    }

    [Fact]
    public void RequantizeModesMatchTheirDefinitions()
    {
        var rng = new Random(2024);
        for (int i = 0; i < 20000; i++)
        {
            int x = rng.Next(-1 << 20, 1 << 20);
            int m = rng.Next(1 << 30, int.MaxValue);
            int s = rng.Next(-12, 3);
            // Single: the exact product rounded once, half up.
            System.Numerics.BigInteger exact = (System.Numerics.BigInteger)x * m;
            int total = 31 - s;
            var floorDiv = System.Numerics.BigInteger.Divide(exact + (System.Numerics.BigInteger.One << (total - 1)) - (exact + (System.Numerics.BigInteger.One << (total - 1)) < 0 ? (System.Numerics.BigInteger.One << total) - 1 : 0), System.Numerics.BigInteger.One << total);
            Assert.Equal((int)floorDiv, Requantize.Apply(x, m, s, RequantizeRounding.Single));
            // Double modes share the high-mul; they differ only on exact ties of the final shift.
            int away = Requantize.Apply(x, m, s, RequantizeRounding.DoubleAwayFromZero);
            int up = Requantize.Apply(x, m, s, RequantizeRounding.DoubleUpward);
            Assert.True(away == up || (away == up - 1 && away < 0), $"x={x} m={m} s={s}: away {away}, up {up}");
            Assert.Equal(FixedPoint.MultiplyByQuantizedMultiplier(x, m, s), away);
        }
        // Hand-worked double-rounding artifact: 5 * 0.5 / 2 = 1.25. The high-mul rounds 2.5 to 3, then 3/2 = 1.5 rounds to 2;
        // a single rounding gives 1.
        Assert.Equal(2, Requantize.Apply(5, 1 << 30, -1, RequantizeRounding.DoubleAwayFromZero));
        Assert.Equal(2, Requantize.Apply(5, 1 << 30, -1, RequantizeRounding.DoubleUpward));
        Assert.Equal(1, Requantize.Apply(5, 1 << 30, -1, RequantizeRounding.Single));
    }

    [Theory]
    // ComputeOutSize / ComputePaddingWithOffset as in padding.h. 513 input, 3x3, stride 2, SAME: out 257, total pad 2 -> 1 each side.
    [InlineData(Padding.Same, 513, 3, 2, 1, 257, 1, 0)]
    // 65 input, 3x3 dilation 4 (effective 9), SAME stride 1: out 65, total 8 -> 4.
    [InlineData(Padding.Same, 65, 3, 1, 4, 65, 4, 0)]
    // 4 input, 3x3 stride 2 SAME: out 2, total 1 -> 0 leading, 1 trailing.
    [InlineData(Padding.Same, 4, 3, 2, 1, 2, 0, 1)]
    // VALID never pads: 33 input, 33 window -> 1.
    [InlineData(Padding.Valid, 33, 33, 1, 1, 1, 0, 0)]
    [InlineData(Padding.Valid, 9, 3, 1, 3, 3, 0, 0)]
    public void PaddingMatchesTflite(Padding padding, int inSize, int filter, int stride, int dilation, int outSize, int pad, int offset)
    {
        SpatialPadding p = PaddingMath.ComputePaddingHeightWidth(stride, stride, dilation, dilation, inSize, inSize, filter, filter, padding);
        Assert.Equal((outSize, pad, offset), (p.OutHeight, p.PadHeight, p.HeightOffset));
        Assert.Equal((outSize, pad, offset), (p.OutWidth, p.PadWidth, p.WidthOffset));
    }
}
