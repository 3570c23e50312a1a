using System.Runtime.InteropServices;
using EdgeRuntime.Kernels.FloatConv;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Conformance;

/// <summary>A random float CONV_2D (or DEPTHWISE_CONV_2D when <see cref="Depthwise"/>) problem with explicit geometry.</summary>
internal sealed record FloatConvCase(bool Depthwise, Shape4 Input, Shape4 Filter, Shape4 Output, ConvGeometry Geometry, int DepthMultiplier,
    float Min, float Max, float[] InputData, float[] FilterData, float[] Bias, bool Special)
{
    public override string ToString() =>
        $"float {(Depthwise ? "depthwise" : "conv")} in={Input} filter={Filter} out={Output} {Geometry} m={DepthMultiplier} clamp=[{Min},{Max}] bias={Bias.Length > 0} special={Special}";
}

/// <summary>
/// Float conv / depthwise bit-exactness against <see cref="Conv2DReference.Float"/> and <see cref="DepthwiseConv2DReference.Float"/>
/// (their fused multiply-add form for the variants whose kernels fuse, <see cref="FloatConvSimd.Fused"/>):
/// random shapes, strides, dilations, paddings (including rows and columns with no in-image tap), activations, channel tails,
/// and some cases with -0, infinities, NaN, subnormals and huge values. Shared by xunit and <c>edgert selftest kernels</c>.
/// </summary>
internal static class FloatConvConformance
{
    private static readonly float[] SpecialValues =
        [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-40f, -1e-40f, float.Epsilon, 3e38f, -3e38f, 1e-20f, 6f, -1f];

    private static readonly (float Min, float Max)[] Activations =
        [(float.NegativeInfinity, float.PositiveInfinity), (0f, float.PositiveInfinity), (0f, 6f), (-1f, 1f)];

    private static float[] RandomFloats(Random rng, int n, bool special)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = special && rng.Next(6) == 0 ? SpecialValues[rng.Next(SpecialValues.Length)] : (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    public static FloatConvCase RandomCase(Random rng, bool depthwise, int maxSpatial = 9)
    {
        int n = rng.Next(4) == 0 ? 2 : 1;
        int h = rng.Next(1, maxSpatial + 1), w = rng.Next(1, maxSpatial + 1);
        int[] sizes = [1, 1, 2, 3, 3, 5];
        int fH = sizes[rng.Next(sizes.Length)], fW = rng.Next(3) == 0 ? sizes[rng.Next(sizes.Length)] : fH;
        int sh = rng.Next(1, 4), sw = rng.Next(3) == 0 ? rng.Next(1, 4) : sh;
        int dh = rng.Next(3) == 0 ? rng.Next(2, 4) : 1, dw = rng.Next(3) == 0 ? rng.Next(2, 4) : dh;
        int effH = (fH - 1) * dh + 1, effW = (fW - 1) * dw + 1;
        int padH = rng.Next(effH), padW = rng.Next(effW);
        int outH = Math.Max(1, (h + 2 * padH - effH) / sh + 1), outW = Math.Max(1, (w + 2 * padW - effW) / sw + 1);
        if (rng.Next(4) == 0) outW += rng.Next(1, 3); // columns past the input: taps all out of the image
        int inC, outC, m = 1;
        if (depthwise)
        {
            inC = rng.Next(5) == 0 ? rng.Next(30, 80) : rng.Next(1, 30);
            m = rng.Next(4) == 0 ? rng.Next(2, 4) : 1;
            outC = inC * m;
        }
        else
        {
            inC = rng.Next(5) == 0 ? rng.Next(30, 70) : rng.Next(1, 20);
            outC = rng.Next(5) == 0 ? rng.Next(30, 70) : rng.Next(1, 30);
        }
        bool special = rng.Next(4) == 0;
        var inShape = new Shape4(n, h, w, inC);
        var fShape = depthwise ? new Shape4(1, fH, fW, outC) : new Shape4(outC, fH, fW, inC);
        var outShape = new Shape4(n, outH, outW, outC);
        (float min, float max) = Activations[rng.Next(Activations.Length)];
        float[] bias = rng.Next(5) == 0 ? [] : RandomFloats(rng, outC, special);
        return new FloatConvCase(depthwise, inShape, fShape, outShape, new ConvGeometry(sh, sw, dh, dw, padH, padW), m, min, max,
            RandomFloats(rng, inShape.FlatSize, special), RandomFloats(rng, fShape.FlatSize, special), bias, special);
    }

    /// <summary>
    /// A 3x3 depthwise (multiplier 1) image wide and tall enough that interior rows and columns exist: the row-segment
    /// kernel runs (random stride, dilation, padding, channel tails, activation, specials).
    /// </summary>
    public static FloatConvCase RandomDepthwise3x3Case(Random rng)
    {
        int sh = rng.Next(1, 3), sw = rng.Next(3) == 0 ? rng.Next(1, 3) : sh;
        int dh = rng.Next(3) == 0 ? 2 : 1, dw = rng.Next(3) == 0 ? rng.Next(1, 3) : dh;
        int effH = 2 * dh + 1, effW = 2 * dw + 1;
        int padH = rng.Next(effH), padW = rng.Next(effW);
        int h = effH + 2 * sh + padH + rng.Next(4), w = effW + 5 * sw + padW + rng.Next(14);
        int outH = (h + 2 * padH - effH) / sh + 1, outW = (w + 2 * padW - effW) / sw + 1;
        int c = rng.Next(3) == 0 ? rng.Next(8, 20) : rng.Next(16, 70);
        bool special = rng.Next(4) == 0;
        var inShape = new Shape4(rng.Next(4) == 0 ? 2 : 1, h, w, c);
        var fShape = new Shape4(1, 3, 3, c);
        (float min, float max) = Activations[rng.Next(Activations.Length)];
        float[] bias = rng.Next(5) == 0 ? [] : RandomFloats(rng, c, special);
        return new FloatConvCase(true, inShape, fShape, new Shape4(inShape.N, outH, outW, c), new ConvGeometry(sh, sw, dh, dw, padH, padW), 1, min, max,
            RandomFloats(rng, inShape.FlatSize, special), RandomFloats(rng, fShape.FlatSize, special), bias, special);
    }

    /// <summary><see cref="Check"/> of a <see cref="RandomDepthwise3x3Case"/>, and a failure when the row-segment kernel did not run.</summary>
    public static string? CheckDepthwise3x3Segment(KernelIsa isa, Random rng)
    {
        FloatConvCase t = RandomDepthwise3x3Case(rng);
        long before = FloatConvSimd.Segment3x3Runs;
        string? f = Check(isa, t);
        if (f is null && FloatConvSimd.Segment3x3Runs == before) f = $"{t}: the 3x3 row-segment kernel did not run";
        return f;
    }

    /// <summary>
    /// A conv wide enough for the 6-pixel AdvSimd tiles (1x1 stride 1, run as one long row, or a KxK with interior columns),
    /// and on the AdvSimd variants a failure when those tiles did not run.
    /// </summary>
    public static string? CheckWideConvTiles(KernelIsa isa, Random rng)
    {
        bool pointwise = rng.Next(2) == 0;
        int fH = pointwise ? 1 : 3, s = pointwise ? 1 : rng.Next(1, 3), pad = pointwise ? 0 : rng.Next(2);
        // At least 6 output columns whose taps are all inside (the conformance runs the rows in two halves).
        int h = rng.Next(1, 5), w = pointwise ? rng.Next(6, 20) : rng.Next(16, 28);
        int inC = rng.Next(3) == 0 ? rng.Next(1, 9) : rng.Next(9, 70), outC = rng.Next(3) == 0 ? rng.Next(1, 13) : rng.Next(13, 70);
        if (!pointwise) h = Math.Max(h, 3);
        int outH = (h + 2 * pad - fH) / s + 1, outW = (w + 2 * pad - fH) / s + 1;
        bool special = rng.Next(4) == 0;
        var inShape = new Shape4(rng.Next(4) == 0 ? 2 : 1, h, w, inC);
        var fShape = new Shape4(outC, fH, fH, inC);
        (float min, float max) = Activations[rng.Next(Activations.Length)];
        float[] bias = rng.Next(5) == 0 ? [] : RandomFloats(rng, outC, special);
        var t = new FloatConvCase(false, inShape, fShape, new Shape4(inShape.N, outH, outW, outC), new ConvGeometry(s, s, 1, 1, pad, pad), 1, min, max,
            RandomFloats(rng, inShape.FlatSize, special), RandomFloats(rng, fShape.FlatSize, special), bias, special);
        long before = FloatConvSimd.Tile6AdvSimdRuns;
        string? f = Check(isa, t);
        if (f is null && isa is KernelIsa.AdvSimd or KernelIsa.AdvSimdDot && FloatConvSimd.Tile6AdvSimdRuns == before)
            f = $"{t}: the AdvSimd 6-pixel conv tiles did not run";
        return f;
    }

    /// <summary>The reference output of the case, fused multiply-adds or not as <paramref name="isa"/>'s kernels (<see cref="FloatConvSimd.Fused"/>).</summary>
    public static float[] Reference(FloatConvCase t, KernelIsa isa = KernelIsa.Reference)
    {
        var o = new float[t.Output.FlatSize];
        bool fused = FloatConvSimd.Fused(isa);
        if (t.Depthwise)
            DepthwiseConv2DReference.Float(t.Geometry, t.DepthMultiplier, t.Min, t.Max, t.Input, t.InputData, t.Filter, t.FilterData, t.Bias, t.Output, o, fused);
        else
            Conv2DReference.Float(t.Geometry, t.Min, t.Max, t.Input, t.InputData, t.Filter, t.FilterData, t.Bias, t.Output, o, fused);
        return o;
    }

    /// <summary>The case on <paramref name="isa"/>'s SIMD kernel, in two calls over disjoint row ranges as a parallel operator makes them.</summary>
    public static float[] Simd(KernelIsa isa, FloatConvCase t)
    {
        if (isa == KernelIsa.Reference) return Reference(t);
        var o = new float[t.Output.FlatSize];
        int rows = t.Output.N * t.Output.H, half = rows / 2;
        if (t.Depthwise)
        {
            var packed = FloatConvSimd.PackDepthwise(isa, t.Filter, t.FilterData, t.Bias);
            var scratch = new float[FloatConvSimd.DepthwiseScratchFloats(packed)];
            FloatConvSimd.Depthwise(packed, t.Geometry, t.DepthMultiplier, t.Min, t.Max, t.Input, t.InputData, t.Output, o, 0, half, scratch);
            FloatConvSimd.Depthwise(packed, t.Geometry, t.DepthMultiplier, t.Min, t.Max, t.Input, t.InputData, t.Output, o, half, rows - half, scratch);
        }
        else
        {
            var packed = FloatConvSimd.PackConv(isa, t.Filter, t.FilterData, t.Bias);
            FloatConvSimd.Conv(packed, t.Geometry, t.Min, t.Max, t.Input, t.InputData, t.Output, o, 0, half);
            FloatConvSimd.Conv(packed, t.Geometry, t.Min, t.Max, t.Input, t.InputData, t.Output, o, half, rows - half);
        }
        return o;
    }

    /// <summary>Depth multiplier 1 depthwise on the unpacked (run-time) filter path, all rows in one call.</summary>
    public static float[] SimdUnpacked(KernelIsa isa, FloatConvCase t)
    {
        if (isa == KernelIsa.Reference) return Reference(t);
        var o = new float[t.Output.FlatSize];
        float[] bias = t.Bias.Length == 0 ? new float[t.Output.C] : t.Bias;
        FloatConvSimd.DepthwiseUnpacked(isa, t.Geometry, t.Min, t.Max, t.Input, t.InputData, t.Filter, t.FilterData, bias, t.Output, o, 0, t.Output.N * t.Output.H);
        return o;
    }

    /// <summary>
    /// Null when every output bit equals the reference's, else where it first differs. The one exception: a NaN
    /// equals any NaN. Which NaN comes out of an operation on NaN inputs (sign, payload) is up to the CPU — ARM and x86
    /// differ, and AdvSimd vector and scalar adds may pick a different operand's NaN — so it is not part of the contract.
    /// </summary>
    public static string? Check(KernelIsa isa, FloatConvCase t)
    {
        float[] expected = Reference(t, isa);
        string? f = Compare(t, expected, Simd(isa, t), "packed");
        if (f is null && t.Depthwise && t.DepthMultiplier == 1) f = Compare(t, expected, SimdUnpacked(isa, t), "unpacked");
        return f;
    }

    private static string? Compare(FloatConvCase t, float[] reference, float[] simd, string path)
    {
        ReadOnlySpan<uint> expected = MemoryMarshal.Cast<float, uint>(reference);
        ReadOnlySpan<uint> actual = MemoryMarshal.Cast<float, uint>(simd);
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i] && !(float.IsNaN(reference[i]) && float.IsNaN(simd[i])))
                return $"{t} ({path}): first difference at element {i} (channel {i % t.Output.C}): reference 0x{expected[i]:X8}, got 0x{actual[i]:X8}";
        return null;
    }
}
