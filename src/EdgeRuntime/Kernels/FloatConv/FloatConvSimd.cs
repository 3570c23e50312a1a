using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Kernels.FloatConv;

/// <summary>Float CONV_2D weights packed for <see cref="FloatConvSimd"/>: [oc block][fH][fW][inC][lanes], bias padded to whole blocks.</summary>
internal sealed class PackedFloatConvWeights
{
    internal PackedFloatConvWeights(KernelIsa isa, int lanes, Shape4 filterShape, float[] weights, float[] bias)
    {
        (Isa, Lanes, FilterShape, Weights, Bias) = (isa, lanes, filterShape, weights, bias);
        Blocks = (filterShape.N + lanes - 1) / lanes;
    }

    public KernelIsa Isa { get; }
    public int Lanes { get; }
    public int Blocks { get; }
    public Shape4 FilterShape { get; }
    internal float[] Weights { get; }
    internal float[] Bias { get; }
    public long Bytes => ((long)Weights.Length + Bias.Length) * sizeof(float);
}

/// <summary>Float DEPTHWISE_CONV_2D weights: the [fH][fW][C] filter with each tap's channels padded to whole vectors, bias likewise.</summary>
internal sealed class PackedFloatDepthwiseWeights
{
    internal PackedFloatDepthwiseWeights(KernelIsa isa, int lanes, Shape4 filterShape, int paddedChannels, float[] weights, float[] bias)
        => (Isa, Lanes, FilterShape, PaddedChannels, Weights, Bias) = (isa, lanes, filterShape, paddedChannels, weights, bias);

    public KernelIsa Isa { get; }
    public int Lanes { get; }
    public Shape4 FilterShape { get; }
    public int PaddedChannels { get; }
    internal float[] Weights { get; }
    internal float[] Bias { get; }
    public long Bytes => ((long)Weights.Length + Bias.Length) * sizeof(float);
}

/// <summary>
/// SIMD float CONV_2D and DEPTHWISE_CONV_2D, bit-identical to <see cref="Conv2DReference.Float"/> and
/// <see cref="DepthwiseConv2DReference.Float"/> with <c>fusedMultiplyAdd</c> = <see cref="Fused"/>. Lanes are different
/// output channels, so each lane is one output value accumulated exactly as the reference does: starting from +0, taps in
/// (fy, fx, ic) order, out-of-image taps skipped (not added as 0 * w), per tap one fused multiply-add (AVX2 with FMA3,
/// AdvSimd: as XNNPACK's f32 kernels) or a rounded multiply then a rounded add (portable), then + bias (+0 when there is
/// none), then Min(Max(v, min), max). Vector256 for <see cref="KernelIsa.Avx2"/>, Vector128 for every other non-Reference variant.
/// Rows are global output rows (batch * outH + oy), so a caller can split [0, N*outH) across threads.
/// </summary>
internal static unsafe partial class FloatConvSimd
{
    public static int Lanes(KernelIsa isa) => isa switch
    {
        KernelIsa.Reference => throw new ArgumentException("the float SIMD conv has no Reference variant", nameof(isa)),
        KernelIsa.Avx2 => 8,
        _ => 4,
    };

    /// <summary>
    /// Whether <paramref name="isa"/>'s kernels use fused multiply-adds. The float result then differs from the unfused
    /// reference by rounding only (one rounding per tap instead of two); tests hold them to the fused reference bit for bit.
    /// </summary>
    /// <remarks>
    /// Not on AVX2 for now: on this Zen box (separate FADD and FMA pipes, FMA latency 4) the 4x2 tile's 8 accumulators
    /// ran no faster fused (peer-bench, docs/performance.md); it needs a 12-accumulator tile first. Flip
    /// <see cref="FuseOnAvx2"/> to use <see cref="Float256Fma"/> (it passed the fused-reference conformance when it was on, 31fdebe; no test runs it now).
    /// </remarks>
    public static bool Fused(KernelIsa isa) => isa switch
    {
        KernelIsa.Avx2 => FuseOnAvx2 && KernelDispatcher.HasFma,
        KernelIsa.AdvSimd or KernelIsa.AdvSimdDot => true,
        _ => false,
    };

    internal static bool FuseOnAvx2 { get; set; }

    public static PackedFloatConvWeights PackConv(KernelIsa isa, Shape4 filterShape, ReadOnlySpan<float> filter, ReadOnlySpan<float> bias)
    {
        int lanes = Lanes(isa);
        int outC = filterShape.N, taps = filterShape.H * filterShape.W, inC = filterShape.C;
        if (filter.Length != filterShape.FlatSize) throw new ArgumentException($"filter has {filter.Length} elements, shape {filterShape} needs {filterShape.FlatSize}");
        if (!bias.IsEmpty && bias.Length != outC) throw new ArgumentException($"bias has {bias.Length} elements for {outC} output channels");
        int blocks = (outC + lanes - 1) / lanes;
        var w = new float[(long)blocks * taps * inC * lanes];
        for (int oc = 0; oc < outC; oc++)
        {
            int blk = oc / lanes, lane = oc % lanes;
            for (int t = 0; t < taps; t++)
                for (int ic = 0; ic < inC; ic++)
                    w[(((long)blk * taps + t) * inC + ic) * lanes + lane] = filter[(oc * taps + t) * inC + ic];
        }
        var b = new float[blocks * lanes];
        if (!bias.IsEmpty) bias.CopyTo(b);
        return new PackedFloatConvWeights(isa, lanes, filterShape, w, b);
    }

    public static PackedFloatDepthwiseWeights PackDepthwise(KernelIsa isa, Shape4 filterShape, ReadOnlySpan<float> filter, ReadOnlySpan<float> bias)
    {
        int lanes = Lanes(isa);
        int c = filterShape.C, taps = filterShape.H * filterShape.W;
        if (filterShape.N != 1) throw new ArgumentException($"depthwise filter must be [1,H,W,C], got {filterShape}");
        if (filter.Length != filterShape.FlatSize) throw new ArgumentException($"filter has {filter.Length} elements, shape {filterShape} needs {filterShape.FlatSize}");
        if (!bias.IsEmpty && bias.Length != c) throw new ArgumentException($"bias has {bias.Length} elements for {c} channels");
        int padded = (c + lanes - 1) / lanes * lanes;
        var w = new float[(long)taps * padded];
        for (int t = 0; t < taps; t++) filter.Slice(t * c, c).CopyTo(w.AsSpan(t * padded, c));
        var b = new float[padded];
        if (!bias.IsEmpty) bias.CopyTo(b);
        return new PackedFloatDepthwiseWeights(isa, lanes, filterShape, padded, w, b);
    }

    /// <summary>Float conv of output rows [rowStart, rowStart + rowCount) of N*outH.</summary>
    public static void Conv(PackedFloatConvWeights packed, ConvGeometry g, float activationMin, float activationMax,
        Shape4 inputShape, ReadOnlySpan<float> input, Shape4 outputShape, Span<float> output, int rowStart, int rowCount)
    {
        Shape4 f = packed.FilterShape;
        if (inputShape.FlatSize != input.Length || outputShape.FlatSize != output.Length || f.C != inputShape.C || f.N != outputShape.C || inputShape.N != outputShape.N)
            throw new ArgumentException($"conv shapes do not agree: input {inputShape}, filter {f}, output {outputShape}");
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > outputShape.N * outputShape.H) throw new ArgumentOutOfRangeException(nameof(rowCount));
        fixed (float* pin0 = input, pout0 = output, pw = packed.Weights, pb = packed.Bias)
        {
            float* pin = pin0, pout = pout0;
            if (f.H == 1 && f.W == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0
                && inputShape.H == outputShape.H && inputShape.W == outputShape.W && rowCount > 0)
            {
                // 1x1, stride 1: output pixel p reads input pixel p alone, so the block of rows is one long row: the tiles
                // run across row ends and only the block's last few pixels fall to the narrower tiles.
                int pixels = rowCount * outputShape.W;
                pin += (long)rowStart * inputShape.W * inputShape.C;
                pout += (long)rowStart * outputShape.W * outputShape.C;
                inputShape = new Shape4(1, 1, pixels, inputShape.C);
                outputShape = new Shape4(1, 1, pixels, outputShape.C);
                (rowStart, rowCount) = (0, 1);
            }
            bool fused = Fused(packed.Isa);
            if (packed.Lanes == 8 && fused)
                ConvRows<Vector256<float>, Float256Fma>(pin, pout, pw, pb, f, g, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else if (packed.Lanes == 8)
                ConvRows<Vector256<float>, Float256>(pin, pout, pw, pb, f, g, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else if (fused)
                ConvRows<Vector128<float>, Float128Fma>(pin, pout, pw, pb, f, g, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else
                ConvRows<Vector128<float>, Float128>(pin, pout, pw, pb, f, g, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
        }
    }

    /// <summary>
    /// Float depthwise conv of output rows [rowStart, rowStart + rowCount). <paramref name="scratch"/> is only used when the
    /// depth multiplier is above 1: at least <see cref="DepthwiseScratchFloats"/> floats.
    /// </summary>
    public static void Depthwise(PackedFloatDepthwiseWeights packed, ConvGeometry g, int depthMultiplier, float activationMin, float activationMax,
        Shape4 inputShape, ReadOnlySpan<float> input, Shape4 outputShape, Span<float> output, int rowStart, int rowCount, Span<float> scratch)
    {
        Shape4 f = packed.FilterShape;
        if (inputShape.FlatSize != input.Length || outputShape.FlatSize != output.Length || f.C != outputShape.C
            || outputShape.C != inputShape.C * depthMultiplier || inputShape.N != outputShape.N || depthMultiplier < 1)
            throw new ArgumentException($"depthwise shapes do not agree: input {inputShape}, filter {f}, output {outputShape}, multiplier {depthMultiplier}");
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > outputShape.N * outputShape.H) throw new ArgumentOutOfRangeException(nameof(rowCount));
        if (depthMultiplier > 1 && scratch.Length < DepthwiseScratchFloats(packed)) throw new ArgumentException("depthwise scratch is too small", nameof(scratch));
        fixed (float* pin = input, pout = output, pw = packed.Weights, pb = packed.Bias, ps = scratch)
        {
            bool fused = Fused(packed.Isa);
            if (packed.Lanes == 8 && fused)
                DepthwiseRows<Vector256<float>, Float256Fma>(pin, pout, pw, pb, ps, packed.PaddedChannels, f, g, depthMultiplier, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else if (packed.Lanes == 8)
                DepthwiseRows<Vector256<float>, Float256>(pin, pout, pw, pb, ps, packed.PaddedChannels, f, g, depthMultiplier, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else if (fused)
                DepthwiseRows<Vector128<float>, Float128Fma>(pin, pout, pw, pb, ps, packed.PaddedChannels, f, g, depthMultiplier, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else
                DepthwiseRows<Vector128<float>, Float128>(pin, pout, pw, pb, ps, packed.PaddedChannels, f, g, depthMultiplier, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
        }
    }

    /// <summary>
    /// Float depthwise conv, depth multiplier 1, straight from the model's [1, fH, fW, C] filter and [C] bias (for weights
    /// computed at run time, e.g. by a DEQUANTIZE): whole vectors of channels, the channel tail scalar. <paramref name="bias"/>
    /// must have C elements (zeros when the model has none: the reference adds +0 then too).
    /// </summary>
    public static void DepthwiseUnpacked(KernelIsa isa, ConvGeometry g, float activationMin, float activationMax,
        Shape4 inputShape, ReadOnlySpan<float> input, Shape4 filterShape, ReadOnlySpan<float> filter, ReadOnlySpan<float> bias,
        Shape4 outputShape, Span<float> output, int rowStart, int rowCount)
    {
        int lanes = Lanes(isa);
        if (inputShape.FlatSize != input.Length || outputShape.FlatSize != output.Length || filterShape.FlatSize != filter.Length || filterShape.N != 1
            || filterShape.C != outputShape.C || outputShape.C != inputShape.C || inputShape.N != outputShape.N || bias.Length != outputShape.C)
            throw new ArgumentException($"depthwise shapes do not agree: input {inputShape}, filter {filterShape}, output {outputShape}, bias {bias.Length}");
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > outputShape.N * outputShape.H) throw new ArgumentOutOfRangeException(nameof(rowCount));
        fixed (float* pin = input, pout = output, pw = filter, pb = bias)
        {
            bool fused = Fused(isa);
            if (lanes == 8 && fused)
                DepthwiseRows<Vector256<float>, Float256Fma>(pin, pout, pw, pb, null, filterShape.C, filterShape, g, 1, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else if (lanes == 8)
                DepthwiseRows<Vector256<float>, Float256>(pin, pout, pw, pb, null, filterShape.C, filterShape, g, 1, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else if (fused)
                DepthwiseRows<Vector128<float>, Float128Fma>(pin, pout, pw, pb, null, filterShape.C, filterShape, g, 1, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
            else
                DepthwiseRows<Vector128<float>, Float128>(pin, pout, pw, pb, null, filterShape.C, filterShape, g, 1, activationMin, activationMax, inputShape, outputShape, rowStart, rowCount);
        }
    }

    /// <summary>Scratch floats one depthwise call needs when the depth multiplier is above 1 (an expanded input pixel and accumulators).</summary>
    public static int DepthwiseScratchFloats(PackedFloatDepthwiseWeights packed) => 2 * packed.PaddedChannels;

    /// <summary>The contiguous range of taps t with origin + dilation * t inside [0, size): exactly the taps the reference does not skip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TapRange(int origin, int dilation, int taps, int size, out int lo, out int hi)
    {
        lo = 0;
        while (lo < taps && origin + dilation * lo < 0) lo++;
        hi = taps;
        while (hi > lo && origin + dilation * (hi - 1) >= size) hi--;
    }

    private static void ConvRows<TV, TOps>(float* input, float* output, float* weights, float* bias, Shape4 f, ConvGeometry g,
        float actMin, float actMax, Shape4 inS, Shape4 outS, int rowStart, int rowCount)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes;
        int inH = inS.H, inW = inS.W, inC = inS.C, outH = outS.H, outW = outS.W, outC = outS.C;
        int fH = f.H, fW = f.W;
        int blocks = (outC + L - 1) / L;
        int blockStride = fH * fW * inC * L;
        int pixStep = g.StrideW * inC, rowStep = g.DilationH * inW * inC, colStep = g.DilationW * inC;
        var k = new ConvArgs<TV>(inC, fW, rowStep, colStep, blockStride, outC, TOps.Splat(actMin), TOps.Splat(actMax));

        // Output columns whose every fx tap is inside the image: tiles of 4 pixels there.
        int oxLo = 0;
        while (oxLo < outW && oxLo * g.StrideW - g.PadW < 0) oxLo++;
        int oxHi = outW;
        while (oxHi > oxLo && (oxHi - 1) * g.StrideW - g.PadW + g.DilationW * (fW - 1) >= inW) oxHi--;

        // The fused Vector128 kernels take the 6-pixel FMLA-by-element tiles (FloatConvSimd.AdvSimdTiles.cs): Float128Fma
        // runs only for the AdvSimd ISAs (Fused), which the dispatcher has already checked this CPU runs.
        bool arm6 = typeof(TOps) == typeof(Float128Fma), ran6 = false;
        for (int row = rowStart; row < rowStart + rowCount; row++)
        {
            int b = row / outH, oy = row % outH;
            int iy0 = oy * g.StrideH - g.PadH;
            TapRange(iy0, g.DilationH, fH, inH, out int fyLo, out int fyHi);
            float* image = input + (long)b * inH * inW * inC;
            float* outRow = output + (long)row * outW * outC;
            int ox = 0;
            while (ox < outW)
            {
                int ix0 = ox * g.StrideW - g.PadW;
                // Pointer of tap (0, 0) for this pixel; only in-image taps are dereferenced.
                float* px = image + ((long)iy0 * inW + ix0) * inC;
                float* dst = outRow + (long)ox * outC;
                if (arm6 && ox >= oxLo && ox + 6 <= oxHi)
                {
                    ref ConvArgs<Vector128<float>> k4 = ref Unsafe.As<ConvArgs<TV>, ConvArgs<Vector128<float>>>(ref k);
                    int blk = 0;
                    for (; blk + 2 <= blocks; blk += 2)
                        Tile6x8AdvSimd(in k4, px, pixStep, fyLo, fyHi, weights + (long)blk * blockStride, bias + blk * L, dst, blk * L);
                    if (blk < blocks)
                        Tile6x4AdvSimd(in k4, px, pixStep, fyLo, fyHi, weights + (long)blk * blockStride, bias + blk * L, dst, blk * L);
                    ran6 = true;
                    ox += 6;
                }
                else if (ox >= oxLo && ox + 4 <= oxHi)
                {
                    int blk = 0;
                    for (; blk + 2 <= blocks; blk += 2)
                        Tile4x2<TV, TOps>(in k, px, pixStep, fyLo, fyHi, weights + (long)blk * blockStride, bias + blk * L, dst, blk * L);
                    if (blk < blocks)
                        Tile4x1<TV, TOps>(in k, px, pixStep, fyLo, fyHi, weights + (long)blk * blockStride, bias + blk * L, dst, blk * L);
                    ox += 4;
                }
                else
                {
                    TapRange(ix0, g.DilationW, fW, inW, out int fxLo, out int fxHi);
                    for (int blk = 0; blk < blocks; blk++)
                        Tile1x1<TV, TOps>(in k, px, fyLo, fyHi, fxLo, fxHi, weights + (long)blk * blockStride, bias + blk * L, dst, blk * L);
                    ox++;
                }
            }
        }
        if (ran6) Interlocked.Increment(ref s_tile6Runs);
    }

    private readonly struct ConvArgs<TV>(int inC, int fW, int rowStep, int colStep, int blockStride, int outC, TV min, TV max)
    {
        public readonly int InC = inC, FW = fW, RowStep = rowStep, ColStep = colStep, BlockStride = blockStride, OutC = outC;
        public readonly TV Min = min, Max = max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TV, TOps>(TV acc, float* bias, TV min, TV max, float* dst, int count)
        where TV : struct where TOps : IFloatVector<TV>
    {
        TV v = TOps.Clamp(TOps.Add(acc, TOps.Load(bias)), min, max);
        if (count >= TOps.Lanes) TOps.Store(v, dst);
        else for (int i = 0; i < count; i++) dst[i] = TOps.Element(v, i);
    }

    private static void Tile4x2<TV, TOps>(in ConvArgs<TV> k, float* px, int pixStep, int fyLo, int fyHi, float* w, float* bias, float* dst, int oc0)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes, inC = k.InC, fW = k.FW;
        TV a00 = TOps.Zero, a01 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero, a20 = TOps.Zero, a21 = TOps.Zero, a30 = TOps.Zero, a31 = TOps.Zero;
        float* w1base = w + k.BlockStride;
        for (int fy = fyLo; fy < fyHi; fy++)
        {
            for (int fx = 0; fx < fW; fx++)
            {
                float* x0 = px + (long)fy * k.RowStep + (long)fx * k.ColStep;
                float* x1 = x0 + pixStep, x2 = x1 + pixStep, x3 = x2 + pixStep;
                long tap = (long)(fy * fW + fx) * inC * L;
                float* w0 = w + tap, w1 = w1base + tap;
                for (int ic = 0; ic < inC; ic++)
                {
                    TV v0 = TOps.Load(w0), v1 = TOps.Load(w1);
                    w0 += L; w1 += L;
                    TV s = TOps.Splat(x0[ic]);
                    a00 = TOps.MulAdd(a00, s, v0); a01 = TOps.MulAdd(a01, s, v1);
                    s = TOps.Splat(x1[ic]);
                    a10 = TOps.MulAdd(a10, s, v0); a11 = TOps.MulAdd(a11, s, v1);
                    s = TOps.Splat(x2[ic]);
                    a20 = TOps.MulAdd(a20, s, v0); a21 = TOps.MulAdd(a21, s, v1);
                    s = TOps.Splat(x3[ic]);
                    a30 = TOps.MulAdd(a30, s, v0); a31 = TOps.MulAdd(a31, s, v1);
                }
            }
        }
        int outC = k.OutC;
        int c1 = Math.Min(L, outC - oc0 - L);
        Finish<TV, TOps>(a00, bias, k.Min, k.Max, dst + oc0, L);
        Finish<TV, TOps>(a01, bias + L, k.Min, k.Max, dst + oc0 + L, c1);
        Finish<TV, TOps>(a10, bias, k.Min, k.Max, dst + outC + oc0, L);
        Finish<TV, TOps>(a11, bias + L, k.Min, k.Max, dst + outC + oc0 + L, c1);
        Finish<TV, TOps>(a20, bias, k.Min, k.Max, dst + 2 * outC + oc0, L);
        Finish<TV, TOps>(a21, bias + L, k.Min, k.Max, dst + 2 * outC + oc0 + L, c1);
        Finish<TV, TOps>(a30, bias, k.Min, k.Max, dst + 3 * outC + oc0, L);
        Finish<TV, TOps>(a31, bias + L, k.Min, k.Max, dst + 3 * outC + oc0 + L, c1);
    }

    private static void Tile4x1<TV, TOps>(in ConvArgs<TV> k, float* px, int pixStep, int fyLo, int fyHi, float* w, float* bias, float* dst, int oc0)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes, inC = k.InC, fW = k.FW;
        TV a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        for (int fy = fyLo; fy < fyHi; fy++)
        {
            for (int fx = 0; fx < fW; fx++)
            {
                float* x0 = px + (long)fy * k.RowStep + (long)fx * k.ColStep;
                float* x1 = x0 + pixStep, x2 = x1 + pixStep, x3 = x2 + pixStep;
                float* w0 = w + (long)(fy * fW + fx) * inC * L;
                for (int ic = 0; ic < inC; ic++)
                {
                    TV v0 = TOps.Load(w0);
                    w0 += L;
                    a0 = TOps.MulAdd(a0, TOps.Splat(x0[ic]), v0);
                    a1 = TOps.MulAdd(a1, TOps.Splat(x1[ic]), v0);
                    a2 = TOps.MulAdd(a2, TOps.Splat(x2[ic]), v0);
                    a3 = TOps.MulAdd(a3, TOps.Splat(x3[ic]), v0);
                }
            }
        }
        int outC = k.OutC;
        int c = Math.Min(L, outC - oc0);
        Finish<TV, TOps>(a0, bias, k.Min, k.Max, dst + oc0, c);
        Finish<TV, TOps>(a1, bias, k.Min, k.Max, dst + outC + oc0, c);
        Finish<TV, TOps>(a2, bias, k.Min, k.Max, dst + 2 * outC + oc0, c);
        Finish<TV, TOps>(a3, bias, k.Min, k.Max, dst + 3 * outC + oc0, c);
    }

    private static void Tile1x1<TV, TOps>(in ConvArgs<TV> k, float* px, int fyLo, int fyHi, int fxLo, int fxHi, float* w, float* bias, float* dst, int oc0)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes, inC = k.InC, fW = k.FW;
        TV a = TOps.Zero;
        for (int fy = fyLo; fy < fyHi; fy++)
        {
            for (int fx = fxLo; fx < fxHi; fx++)
            {
                float* x = px + (long)fy * k.RowStep + (long)fx * k.ColStep;
                float* w0 = w + (long)(fy * fW + fx) * inC * L;
                for (int ic = 0; ic < inC; ic++)
                {
                    a = TOps.MulAdd(a, TOps.Splat(x[ic]), TOps.Load(w0));
                    w0 += L;
                }
            }
        }
        Finish<TV, TOps>(a, bias, k.Min, k.Max, dst + oc0, Math.Min(L, k.OutC - oc0));
    }

    private static void DepthwiseRows<TV, TOps>(float* input, float* output, float* weights, float* bias, float* scratch, int padded, Shape4 f, ConvGeometry g,
        int depthMultiplier, float actMin, float actMax, Shape4 inS, Shape4 outS, int rowStart, int rowCount)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes;
        int inH = inS.H, inW = inS.W, inC = inS.C, outH = outS.H, outW = outS.W, C = outS.C;
        int fH = f.H, fW = f.W;
        TV vmin = TOps.Splat(actMin), vmax = TOps.Splat(actMax);
        int full = C / L * L;
        // 3x3, multiplier 1: the output columns whose three column taps are all inside the image run as one row segment
        // per channel block (Depthwise3x3Segment) on rows whose three row taps are all inside too.
        int oxLo = 0, oxHi = 0;
        bool segments = depthMultiplier == 1 && fH == 3 && fW == 3 && full > 0;
        if (segments)
        {
            while (oxLo < outW && oxLo * g.StrideW - g.PadW < 0) oxLo++;
            oxHi = outW;
            while (oxHi > oxLo && (oxHi - 1) * g.StrideW - g.PadW + 2 * g.DilationW >= inW) oxHi--;
            segments = oxHi > oxLo;
        }
        bool ranSegment = false;
        for (int row = rowStart; row < rowStart + rowCount; row++)
        {
            int b = row / outH, oy = row % outH;
            int iy0 = oy * g.StrideH - g.PadH;
            TapRange(iy0, g.DilationH, fH, inH, out int fyLo, out int fyHi);
            float* image = input + (long)b * inH * inW * inC;
            float* outRow = output + (long)row * outW * C;
            bool segmentRow = segments && fyLo == 0 && fyHi == 3;
            for (int ox = 0; ox < outW; ox++)
            {
                if (segmentRow && ox == oxLo)
                {
                    Depthwise3x3Segment<TV, TOps>(image, weights, bias, padded, C, inW, g, iy0, oxLo, oxHi, outRow, vmin, vmax, actMin, actMax);
                    ranSegment = true;
                    ox = oxHi - 1;
                    continue;
                }
                int ix0 = ox * g.StrideW - g.PadW;
                TapRange(ix0, g.DilationW, fW, inW, out int fxLo, out int fxHi);
                float* dst = outRow + (long)ox * C;
                if (depthMultiplier != 1)
                {
                    DepthwiseExpandedPixel<TV, TOps>(image, weights, bias, scratch, padded, depthMultiplier, inW, inC, C, fW,
                        iy0, ix0, g.DilationH, g.DilationW, fyLo, fyHi, fxLo, fxHi, vmin, vmax, dst);
                    continue;
                }
                // Depth multiplier 1: input channel == output channel.
                int c = 0;
                for (; c + 4 * L <= C; c += 4 * L)
                {
                    TV a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                    for (int fy = fyLo; fy < fyHi; fy++)
                    {
                        float* xrow = image + ((long)(iy0 + g.DilationH * fy) * inW) * C + c;
                        float* wrow = weights + (long)fy * fW * padded + c;
                        for (int fx = fxLo; fx < fxHi; fx++)
                        {
                            float* x = xrow + (long)(ix0 + g.DilationW * fx) * C;
                            float* w = wrow + (long)fx * padded;
                            a0 = TOps.MulAdd(a0, TOps.Load(x), TOps.Load(w));
                            a1 = TOps.MulAdd(a1, TOps.Load(x + L), TOps.Load(w + L));
                            a2 = TOps.MulAdd(a2, TOps.Load(x + 2 * L), TOps.Load(w + 2 * L));
                            a3 = TOps.MulAdd(a3, TOps.Load(x + 3 * L), TOps.Load(w + 3 * L));
                        }
                    }
                    Finish<TV, TOps>(a0, bias + c, vmin, vmax, dst + c, L);
                    Finish<TV, TOps>(a1, bias + c + L, vmin, vmax, dst + c + L, L);
                    Finish<TV, TOps>(a2, bias + c + 2 * L, vmin, vmax, dst + c + 2 * L, L);
                    Finish<TV, TOps>(a3, bias + c + 3 * L, vmin, vmax, dst + c + 3 * L, L);
                }
                for (; c < full; c += L)
                {
                    TV a = TOps.Zero;
                    for (int fy = fyLo; fy < fyHi; fy++)
                    {
                        float* xrow = image + ((long)(iy0 + g.DilationH * fy) * inW) * C + c;
                        float* wrow = weights + (long)fy * fW * padded + c;
                        for (int fx = fxLo; fx < fxHi; fx++)
                            a = TOps.MulAdd(a, TOps.Load(xrow + (long)(ix0 + g.DilationW * fx) * C), TOps.Load(wrow + (long)fx * padded));
                    }
                    Finish<TV, TOps>(a, bias + c, vmin, vmax, dst + c, L);
                }
                for (; c < C; c++)
                {
                    // Channel tail, scalar (the input is not padded): the reference's own statements.
                    float total = 0f;
                    for (int fy = fyLo; fy < fyHi; fy++)
                        for (int fx = fxLo; fx < fxHi; fx++)
                            total = TOps.ScalarMulAdd(total, image[((long)(iy0 + g.DilationH * fy) * inW + ix0 + g.DilationW * fx) * C + c], weights[(long)(fy * fW + fx) * padded + c]);
                    dst[c] = Math.Min(Math.Max(total + bias[c], actMin), actMax);
                }
            }
        }
        if (ranSegment) Interlocked.Increment(ref s_segmentRuns);
    }

    private static long s_segmentRuns;

    /// <summary>Depthwise calls that ran at least one 3x3 row segment (tests check that the segment kernel, not only the per-pixel loop, ran).</summary>
    internal static long Segment3x3Runs => Volatile.Read(ref s_segmentRuns);

    /// <summary>
    /// Output columns [oxStart, oxEnd) of one output row of a 3x3 depthwise (multiplier 1) whose nine taps are all inside the
    /// image: per channel block the nine weight vectors and the bias stay in registers across the segment, four output
    /// pixels at a time (four independent accumulator chains: FMLA's latency), each accumulated exactly as the per-pixel
    /// loop does (from +0, taps in (fy, fx) order, then + bias, then the clamp). The channel tail is scalar, per pixel.
    /// </summary>
    private static void Depthwise3x3Segment<TV, TOps>(float* image, float* weights, float* bias, int padded, int C, int inW, ConvGeometry g,
        int iy0, int oxStart, int oxEnd, float* outRow, TV vmin, TV vmax, float actMin, float actMax)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes;
        int full = C / L * L;
        long r1 = (long)g.DilationH * inW * C, r2 = 2 * r1;
        long c1 = (long)g.DilationW * C, c2 = 2 * c1;
        long px = (long)g.StrideW * C;
        float* first = image + ((long)iy0 * inW + (long)oxStart * g.StrideW - g.PadW) * C;
        for (int c = 0; c < full; c += L)
        {
            float* w = weights + c;
            TV w0 = TOps.Load(w), w1 = TOps.Load(w + padded), w2 = TOps.Load(w + 2 * padded);
            TV w3 = TOps.Load(w + 3 * padded), w4 = TOps.Load(w + 4 * padded), w5 = TOps.Load(w + 5 * padded);
            TV w6 = TOps.Load(w + 6 * padded), w7 = TOps.Load(w + 7 * padded), w8 = TOps.Load(w + 8 * padded);
            TV bv = TOps.Load(bias + c);
            float* x = first + c;
            float* dst = outRow + (long)oxStart * C + c;
            int ox = oxStart;
            for (; ox + 4 <= oxEnd; ox += 4, x += 4 * px, dst += 4 * C)
            {
                float* xa = x, xb = x + px, xc = x + 2 * px, xd = x + 3 * px;
                TV a = TOps.MulAdd(TOps.Zero, TOps.Load(xa), w0), b = TOps.MulAdd(TOps.Zero, TOps.Load(xb), w0);
                TV d = TOps.MulAdd(TOps.Zero, TOps.Load(xc), w0), e = TOps.MulAdd(TOps.Zero, TOps.Load(xd), w0);
                a = TOps.MulAdd(a, TOps.Load(xa + c1), w1); b = TOps.MulAdd(b, TOps.Load(xb + c1), w1);
                d = TOps.MulAdd(d, TOps.Load(xc + c1), w1); e = TOps.MulAdd(e, TOps.Load(xd + c1), w1);
                a = TOps.MulAdd(a, TOps.Load(xa + c2), w2); b = TOps.MulAdd(b, TOps.Load(xb + c2), w2);
                d = TOps.MulAdd(d, TOps.Load(xc + c2), w2); e = TOps.MulAdd(e, TOps.Load(xd + c2), w2);
                xa += r1; xb += r1; xc += r1; xd += r1;
                a = TOps.MulAdd(a, TOps.Load(xa), w3); b = TOps.MulAdd(b, TOps.Load(xb), w3);
                d = TOps.MulAdd(d, TOps.Load(xc), w3); e = TOps.MulAdd(e, TOps.Load(xd), w3);
                a = TOps.MulAdd(a, TOps.Load(xa + c1), w4); b = TOps.MulAdd(b, TOps.Load(xb + c1), w4);
                d = TOps.MulAdd(d, TOps.Load(xc + c1), w4); e = TOps.MulAdd(e, TOps.Load(xd + c1), w4);
                a = TOps.MulAdd(a, TOps.Load(xa + c2), w5); b = TOps.MulAdd(b, TOps.Load(xb + c2), w5);
                d = TOps.MulAdd(d, TOps.Load(xc + c2), w5); e = TOps.MulAdd(e, TOps.Load(xd + c2), w5);
                xa += r1; xb += r1; xc += r1; xd += r1;
                a = TOps.MulAdd(a, TOps.Load(xa), w6); b = TOps.MulAdd(b, TOps.Load(xb), w6);
                d = TOps.MulAdd(d, TOps.Load(xc), w6); e = TOps.MulAdd(e, TOps.Load(xd), w6);
                a = TOps.MulAdd(a, TOps.Load(xa + c1), w7); b = TOps.MulAdd(b, TOps.Load(xb + c1), w7);
                d = TOps.MulAdd(d, TOps.Load(xc + c1), w7); e = TOps.MulAdd(e, TOps.Load(xd + c1), w7);
                a = TOps.MulAdd(a, TOps.Load(xa + c2), w8); b = TOps.MulAdd(b, TOps.Load(xb + c2), w8);
                d = TOps.MulAdd(d, TOps.Load(xc + c2), w8); e = TOps.MulAdd(e, TOps.Load(xd + c2), w8);
                TOps.Store(TOps.Clamp(TOps.Add(a, bv), vmin, vmax), dst);
                TOps.Store(TOps.Clamp(TOps.Add(b, bv), vmin, vmax), dst + C);
                TOps.Store(TOps.Clamp(TOps.Add(d, bv), vmin, vmax), dst + 2 * C);
                TOps.Store(TOps.Clamp(TOps.Add(e, bv), vmin, vmax), dst + 3 * C);
            }
            for (; ox < oxEnd; ox++, x += px, dst += C)
            {
                TV a = TOps.MulAdd(TOps.Zero, TOps.Load(x), w0);
                a = TOps.MulAdd(a, TOps.Load(x + c1), w1);
                a = TOps.MulAdd(a, TOps.Load(x + c2), w2);
                a = TOps.MulAdd(a, TOps.Load(x + r1), w3);
                a = TOps.MulAdd(a, TOps.Load(x + r1 + c1), w4);
                a = TOps.MulAdd(a, TOps.Load(x + r1 + c2), w5);
                a = TOps.MulAdd(a, TOps.Load(x + r2), w6);
                a = TOps.MulAdd(a, TOps.Load(x + r2 + c1), w7);
                a = TOps.MulAdd(a, TOps.Load(x + r2 + c2), w8);
                TOps.Store(TOps.Clamp(TOps.Add(a, bv), vmin, vmax), dst);
            }
        }
        for (int c = full; c < C; c++)
        {
            // Channel tail, scalar: the reference's own statements.
            for (int ox = oxStart; ox < oxEnd; ox++)
            {
                float* x = first + (ox - oxStart) * px + c;
                float total = 0f;
                for (int fy = 0; fy < 3; fy++)
                    for (int fx = 0; fx < 3; fx++)
                        total = TOps.ScalarMulAdd(total, x[fy * r1 + fx * c1], weights[(long)(fy * 3 + fx) * padded + c]);
                outRow[(long)ox * C + c] = Math.Min(Math.Max(total + bias[c], actMin), actMax);
            }
        }
    }

    /// <summary>Depth multiplier above 1: per in-image tap, the input pixel expanded to output channels (x[oc / m]), then whole vectors.</summary>
    private static void DepthwiseExpandedPixel<TV, TOps>(float* image, float* weights, float* bias, float* scratch, int padded, int depthMultiplier,
        int inW, int inC, int C, int fW, int iy0, int ix0, int dh, int dw, int fyLo, int fyHi, int fxLo, int fxHi, TV vmin, TV vmax, float* dst)
        where TV : struct where TOps : IFloatVector<TV>
    {
        int L = TOps.Lanes;
        float* acc = scratch, xe = scratch + padded;
        new Span<float>(acc, padded).Clear();
        new Span<float>(xe + C, padded - C).Clear();
        for (int fy = fyLo; fy < fyHi; fy++)
        {
            for (int fx = fxLo; fx < fxHi; fx++)
            {
                float* x = image + ((long)(iy0 + dh * fy) * inW + ix0 + dw * fx) * inC;
                for (int oc = 0; oc < C; oc++) xe[oc] = x[oc / depthMultiplier];
                float* w = weights + (long)(fy * fW + fx) * padded;
                for (int c = 0; c < padded; c += L)
                    TOps.Store(TOps.MulAdd(TOps.Load(acc + c), TOps.Load(xe + c), TOps.Load(w + c)), acc + c);
            }
        }
        for (int c = 0; c < C; c += L)
            Finish<TV, TOps>(TOps.Load(acc + c), bias + c, vmin, vmax, dst + c, Math.Min(L, C - c));
    }
}
