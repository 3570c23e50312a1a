using System.Runtime.InteropServices;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Conformance;

/// <summary>A random GEMM problem: activations, weights, bias and quantization, plus the row strides to use.</summary>
internal sealed record GemmCase(QuantParams Quant, int M, int N, int K, byte[] A, int AStride, byte[] W, int[] Bias, int CStride)
{
    public override string ToString() =>
        $"gemm {Quant.Type} m={M} n={N} k={K} aStride={AStride} cStride={CStride} zp(in={Quant.InputZeroPoint},w={Quant.FilterZeroPoint},out={Quant.OutputZeroPoint}) rounding={Quant.Rounding} clamp=[{Quant.OutputMin},{Quant.OutputMax}] perChannel={Quant.Multiplier.Length > 1} shift0={Quant.Shift[0]}";
}

/// <summary>A random depthwise problem (KH x KW from the geometry, weights [KH*KW][C]) over one image.</summary>
internal sealed record DepthwiseCase(QuantParams Quant, DepthwiseGeometry Geometry, byte[] Input, byte[] W, int[] Bias)
{
    public override string ToString() => $"depthwise {Quant.Type} {Geometry} zp(in={Quant.InputZeroPoint},w={Quant.FilterZeroPoint},out={Quant.OutputZeroPoint}) rounding={Quant.Rounding}";
}

/// <summary>One kernel variant's tally.</summary>
internal sealed record VariantResult(KernelIsa Isa, int Passed, int Failed, IReadOnlyList<string> Failures);

/// <summary>
/// The random bit-exactness suite shared by the xunit tests and <c>edgert selftest kernels</c>: every variant
/// against <see cref="KernelIsa.Reference"/> on random shapes (odd tails), zero points, multipliers/shifts and clamps.
/// </summary>
internal static class KernelConformance
{
    public static QuantParams RandomQuant(Random rng, QuantType type, int channels)
    {
        int lo = type == QuantType.UInt8 ? 0 : -128, hi = type == QuantType.UInt8 ? 255 : 127;
        bool perChannel = rng.Next(2) == 0;
        int count = perChannel ? channels : 1;
        var mult = new int[count];
        var shift = new int[count];
        for (int i = 0; i < count; i++)
        {
            mult[i] = rng.Next(8) switch
            {
                0 => 0,
                1 => rng.Next(1, 1 << 20),
                2 => int.MaxValue,
                3 => -rng.Next(1 << 30, int.MaxValue), // negative multipliers are legal for the arithmetic
                _ => rng.Next(1 << 30, int.MaxValue),
            };
            shift[i] = rng.Next(6) switch
            {
                0 => -31,
                1 => rng.Next(1, 9), // left shifts (multiplier > 1)
                2 => 0,
                _ => -rng.Next(1, 24),
            };
        }
        int a = rng.Next(lo, hi + 1), b = rng.Next(lo, hi + 1);
        bool fullRange = rng.Next(3) == 0;
        return new QuantParams
        {
            Type = type,
            InputZeroPoint = rng.Next(lo, hi + 1),
            FilterZeroPoint = type == QuantType.Int8 && rng.Next(4) != 0 ? 0 : rng.Next(lo, hi + 1),
            OutputZeroPoint = rng.Next(lo, hi + 1),
            OutputMin = fullRange ? lo : Math.Min(a, b),
            OutputMax = fullRange ? hi : Math.Max(a, b),
            Multiplier = mult,
            Shift = shift,
            Rounding = (RequantizeRounding)rng.Next(3),
        };
    }

    /// <summary>
    /// What converters produce: multipliers in [2^30, 2^31), right shifts only, double rounding away from zero (the
    /// fused depthwise kernels' broadcast and right-only requantization), per tensor or per channel.
    /// </summary>
    public static QuantParams ConverterQuant(Random rng, QuantType type, int channels)
    {
        var q = RandomQuant(rng, type, channels);
        int n = rng.Next(2) == 0 ? 1 : channels;
        var mult = new int[n];
        var shift = new int[n];
        for (int i = 0; i < n; i++)
        {
            mult[i] = rng.Next(1 << 30, int.MaxValue);
            shift[i] = -rng.Next(1, 32);
        }
        return new QuantParams
        {
            Type = q.Type, InputZeroPoint = q.InputZeroPoint, FilterZeroPoint = q.FilterZeroPoint, OutputZeroPoint = q.OutputZeroPoint,
            OutputMin = q.OutputMin, OutputMax = q.OutputMax, Multiplier = mult, Shift = shift, Rounding = RequantizeRounding.DoubleAwayFromZero,
        };
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static int[] RandomBias(Random rng, int n)
    {
        if (rng.Next(5) == 0) return [];
        int range = rng.Next(3) == 0 ? 1 << 28 : 1 << 16;
        var b = new int[n];
        for (int i = 0; i < n; i++) b[i] = rng.Next(-range, range);
        return b;
    }

    public static GemmCase RandomGemmCase(Random rng)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int m = rng.Next(1, 12), n = rng.Next(1, 40), k = rng.Next(1, 70);
        switch (rng.Next(10))
        {
            case 0: n = rng.Next(500, 700); m = rng.Next(1, 4); k = rng.Next(1, 24); break; // several accumulator column blocks
            case 1: k = rng.Next(100, 400); m = rng.Next(1, 6); break;                    // long reductions
            case 2: k = 16 * rng.Next(1, 5); break;                                         // no K tail
        }
        int aStride = k + (rng.Next(3) == 0 ? rng.Next(1, 9) : 0);
        int cStride = n + (rng.Next(3) == 0 ? rng.Next(1, 9) : 0);
        var q = RandomQuant(rng, type, n);
        byte[] w = rng.Next(3) == 0 ? CenteredWeights(rng, q, n * k) : RandomBytes(rng, n * k);
        if (rng.Next(3) == 0) q = WithWindowedRequant(rng, q);
        else if (rng.Next(4) == 0) q = WithRightShifts(rng, q);
        return new GemmCase(q, m, n, k, RandomBytes(rng, (m - 1) * aStride + k), aStride, w, RandomBias(rng, n), cStride);
    }

    /// <summary>
    /// A GEMM at the edges the ARM packings decide on: zero points often at the ends of the type, activations often all
    /// at one end, weights with every w - w_zp in [-127, 127] (<paramref name="fitsPairs"/>: the A72 SMULL + SMLAL +
    /// SADALP packing must be chosen, often at +-127 where two products reach 32512) or with at least one w - w_zp
    /// outside it (-128 or beyond: the exact path must be chosen), requantization often with right shifts only.
    /// </summary>
    public static GemmCase EdgeGemmCase(Random rng, bool fitsPairs)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int m = rng.Next(1, 20), n = rng.Next(1, 40), k = rng.Next(1, 80);
        if (rng.Next(4) == 0) k = rng.Next(100, 300);
        var q = RandomQuant(rng, type, n);
        int lo = q.TypeMin, hi = q.TypeMax;
        int Extreme(int v) => rng.Next(3) switch { 0 => lo, 1 => hi, _ => v };
        q = new QuantParams
        {
            Type = type, InputZeroPoint = Extreme(q.InputZeroPoint), FilterZeroPoint = Extreme(q.FilterZeroPoint), OutputZeroPoint = Extreme(q.OutputZeroPoint),
            OutputMin = q.OutputMin, OutputMax = q.OutputMax, Multiplier = q.Multiplier, Shift = q.Shift, Rounding = q.Rounding,
        };
        if (rng.Next(2) == 0) q = WithRightShifts(rng, q);
        int wzp = q.FilterZeroPoint;
        int dLo = Math.Max(-127, lo - wzp), dHi = Math.Min(127, hi - wzp);
        var w = new byte[n * k];
        bool extremes = rng.Next(2) == 0;
        for (int i = 0; i < w.Length; i++)
        {
            int d = extremes ? (rng.Next(2) == 0 ? dLo : dHi) : rng.Next(dLo, dHi + 1);
            w[i] = (byte)(wzp + d);
        }
        if (!fitsPairs)
        {
            // wzp - 128 or wzp + 128 is always inside the type; sometimes also the type's own ends.
            int outside = wzp - 128 >= lo ? wzp - 128 : wzp + 128;
            w[rng.Next(w.Length)] = (byte)outside;
            int count = rng.Next(0, 3);
            for (int j = 0; j < count; j++) w[rng.Next(w.Length)] = (byte)(rng.Next(2) == 0 ? lo : hi);
        }
        var a = new byte[(m - 1) * k + k];
        int mode = rng.Next(3);
        for (int i = 0; i < a.Length; i++) a[i] = (byte)(mode == 0 ? lo : mode == 1 ? hi : rng.Next(lo, hi + 1));
        return new GemmCase(q, m, n, k, a, k, w, RandomBias(rng, n), n);
    }

    /// <summary><paramref name="q"/> with every shift a right shift (what converters produce), any rounding.</summary>
    public static QuantParams WithRightShifts(Random rng, QuantParams q)
    {
        var shift = new int[q.Shift.Length];
        for (int i = 0; i < shift.Length; i++) shift[i] = rng.Next(4) == 0 ? -31 : -rng.Next(1, 16);
        return new QuantParams
        {
            Type = q.Type, InputZeroPoint = q.InputZeroPoint, FilterZeroPoint = q.FilterZeroPoint, OutputZeroPoint = q.OutputZeroPoint,
            OutputMin = q.OutputMin, OutputMax = q.OutputMax, Multiplier = q.Multiplier, Shift = shift, Rounding = q.Rounding,
        };
    }

    /// <summary>
    /// The ARM GEMM paths, each required to run (a silent fallback fails): on advsimd an <see cref="EdgeGemmCase"/>
    /// whose weights fit the SMULL + SMLAL + SADALP packing must be packed for it and run it, one whose weights do not
    /// must take the exact tile; on advsimd-dot the fused 8x8 dot tile must run. Both bit-exact with Reference.
    /// Other variants: nothing to check (null).
    /// </summary>
    public static string? CheckArmGemmPaths(KernelIsa isa, Random rng)
    {
        if (isa is not (KernelIsa.AdvSimd or KernelIsa.AdvSimdDot)) return null;
        bool fits = rng.Next(2) == 0;
        var t = EdgeGemmCase(rng, fits);
        var kernel = QuantizedGemm.For(isa);
        if (isa == KernelIsa.AdvSimd)
        {
            var packed = kernel.Pack(t.Quant, t.N, t.K, t.W, t.Bias);
            if (packed.Pairs != fits) return $"{kernel.KernelName} packed pairs={packed.Pairs}, expected {fits}: {t}";
        }
        var before = ArmGemm.Runs;
        string? f = CheckGemm(kernel, t);
        if (f is not null) return $"{(fits ? "pairs" : "exact")} {f}";
        var after = ArmGemm.Runs;
        bool ran = isa == KernelIsa.AdvSimdDot ? after.Dot > before.Dot : fits ? after.Pairs > before.Pairs : after.Exact > before.Exact;
        return ran ? null : $"{kernel.KernelName}: the {(isa == KernelIsa.AdvSimdDot ? "dot" : fits ? "pairs" : "exact")} tile did not run for {t}";
    }

    /// <summary>Weights with every w - w_zp inside int8, as trained weights usually are (the VNNI packing stores them centered).</summary>
    private static byte[] CenteredWeights(Random rng, QuantParams q, int count)
    {
        var w = new byte[count];
        for (int i = 0; i < count; i++) w[i] = (byte)Math.Clamp(q.FilterZeroPoint + rng.Next(-128, 128), q.TypeMin, q.TypeMax);
        return w;
    }

    /// <summary>
    /// Requantization of the kind MobileNet's expansion layers have (double rounding, multiplier in [2^30, 2^31),
    /// right shift 1..7, a wide clamp), for which <see cref="WindowedRequant"/> usually applies.
    /// </summary>
    public static QuantParams WithWindowedRequant(Random rng, QuantParams q)
    {
        int count = q.Multiplier.Length;
        var mult = new int[count];
        var shift = new int[count];
        for (int i = 0; i < count; i++)
        {
            mult[i] = rng.Next(1 << 30, int.MaxValue);
            shift[i] = -rng.Next(1, 8);
        }
        return new QuantParams
        {
            Type = q.Type, InputZeroPoint = q.InputZeroPoint, FilterZeroPoint = q.FilterZeroPoint, OutputZeroPoint = q.OutputZeroPoint,
            OutputMin = q.TypeMin + rng.Next(2) * rng.Next(0, 40), OutputMax = q.TypeMax - rng.Next(2) * rng.Next(0, 40),
            Multiplier = mult, Shift = shift,
            Rounding = rng.Next(2) == 0 ? RequantizeRounding.DoubleAwayFromZero : RequantizeRounding.DoubleUpward,
        };
    }

    public static DepthwiseCase RandomDepthwiseCase(Random rng)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int h = rng.Next(1, 10), w = rng.Next(1, 10), c = rng.Next(1, 50);
        if (rng.Next(8) == 0) c = rng.Next(250, 300); // crosses the 256-channel accumulator block
        else if (rng.Next(3) == 0) c = rng.Next(16, 130); // the fused kernels' 16/32-channel blocks and their tails
        int stride = rng.Next(1, 3), dilation = rng.Next(1, rng.Next(4) == 0 ? 4 : 3);
        DepthwiseGeometry g;
        if (rng.Next(2) == 0)
        {
            g = DepthwiseGeometry.Create(h, w, c, stride, dilation, samePadding: true);
        }
        else
        {
            int padT = rng.Next(0, 3), padL = rng.Next(0, 3);
            int outH = Math.Max(1, (h + 2 * padT - (2 * dilation + 1)) / stride + 1);
            int outW = Math.Max(1, (w + 2 * padL - (2 * dilation + 1)) / stride + 1);
            g = new DepthwiseGeometry(h, w, c, outH, outW, stride, stride, dilation, dilation, padT, padL);
        }
        var q = rng.Next(3) == 0 ? ConverterQuant(rng, type, c) : RandomQuant(rng, type, c);
        return new DepthwiseCase(q, g, RandomBytes(rng, h * w * c), RandomBytes(rng, 9 * c), RandomBias(rng, c));
    }

    /// <summary>
    /// A case for the fused 3x3 depthwise kernels' row segments: 16..130 channels (block tails), rows wide enough for
    /// several pixel pairs and their remainders at strides 1/2 and dilations 1..4 (pairs x, x + d share columns), borders
    /// and rows partly outside the image, every rounding mode, per tensor and per channel, uint8 and int8.
    /// </summary>
    public static DepthwiseCase RandomFusedDepthwiseCase(Random rng)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int c = rng.Next(4) == 0 ? 16 * rng.Next(1, 9) : rng.Next(16, 131);
        int stride = rng.Next(1, 3), dilation = rng.Next(4) == 0 ? rng.Next(3, 5) : rng.Next(1, 3);
        int h = rng.Next(1, 8), w = rng.Next(2 * dilation + 1, 2 * dilation + 30);
        DepthwiseGeometry g;
        if (rng.Next(2) == 0)
        {
            g = DepthwiseGeometry.Create(h, w, c, stride, dilation, samePadding: true);
        }
        else
        {
            int padT = rng.Next(0, 2 * dilation + 1), padL = rng.Next(0, 2 * dilation + 1);
            int outH = Math.Max(1, (h + 2 * padT - (2 * dilation + 1)) / stride + 1);
            int outW = Math.Max(1, (w + 2 * padL - (2 * dilation + 1)) / stride + 1);
            g = new DepthwiseGeometry(h, w, c, outH, outW, stride, stride, dilation, dilation, padT, padL);
        }
        var q = rng.Next(3) switch { 0 => ConverterQuant(rng, type, c), 1 => WithWindowedRequant(rng, RandomQuant(rng, type, c)), _ => RandomQuant(rng, type, c) };
        return new DepthwiseCase(q, g, RandomBytes(rng, h * w * c), RandomBytes(rng, 9 * c), RandomBias(rng, c));
    }

    /// <summary>
    /// A case of any KH x KW (1..7 each, square or not, 1x1 included) for the generic tap loop: channels below, at and
    /// above the vector widths (8/16/32) and across the 256-channel block, strides 1/2, dilations 1..3, SAME or explicit
    /// padding (borders, rows partly or wholly outside the image), every rounding mode, per tensor and per channel, uint8 and int8.
    /// </summary>
    public static DepthwiseCase RandomKxKDepthwiseCase(Random rng)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int[] sizes = [1, 2, 3, 5, 5, 7];
        int kh = sizes[rng.Next(sizes.Length)], kw = rng.Next(3) == 0 ? sizes[rng.Next(sizes.Length)] : kh;
        int c = rng.Next(5) switch
        {
            0 => rng.Next(1, 16),
            1 => 16 * rng.Next(1, 5),
            2 => rng.Next(250, 300),
            _ => rng.Next(16, 131),
        };
        int stride = rng.Next(1, 3), dilation = rng.Next(4) == 0 ? 3 : rng.Next(1, 3);
        int effH = (kh - 1) * dilation + 1, effW = (kw - 1) * dilation + 1;
        int h = rng.Next(1, effH + 6), w = rng.Next(1, effW + 10);
        DepthwiseGeometry g;
        if (rng.Next(2) == 0)
        {
            g = DepthwiseGeometry.Create(h, w, c, stride, dilation, samePadding: true, kh, kw);
        }
        else
        {
            int padT = rng.Next(0, effH), padL = rng.Next(0, effW);
            int outH = Math.Max(1, (h + 2 * padT - effH) / stride + 1);
            int outW = Math.Max(1, (w + 2 * padL - effW) / stride + 1);
            g = new DepthwiseGeometry(h, w, c, outH, outW, stride, stride, dilation, dilation, padT, padL, kh, kw);
        }
        var q = rng.Next(3) switch { 0 => ConverterQuant(rng, type, c), 1 => WithWindowedRequant(rng, RandomQuant(rng, type, c)), _ => RandomQuant(rng, type, c) };
        return new DepthwiseCase(q, g, RandomBytes(rng, h * w * c), RandomBytes(rng, kh * kw * c), RandomBias(rng, c));
    }

    /// <summary>Runs the case on <paramref name="isa"/> and on Reference; null when bit-exact, else what differed.</summary>
    public static string? CheckGemm(KernelIsa isa, GemmCase t) => CheckGemm(QuantizedGemm.For(isa), t);

    /// <summary>As <see cref="CheckGemm(KernelIsa, GemmCase)"/> for one specific kernel instance (e.g. the AVX2 tile with VNNI off).</summary>
    public static string? CheckGemm(QuantizedGemm fast, GemmCase t)
    {
        byte[] Run(QuantizedGemm kernel)
        {
            var packed = kernel.Pack(t.Quant, t.N, t.K, t.W, t.Bias);
            var c = new byte[(t.M - 1) * t.CStride + t.N];
            kernel.Run(packed, t.M, t.A, t.AStride, c, t.CStride);
            return c;
        }
        return Compare(Run(QuantizedGemm.For(KernelIsa.Reference)), Run(fast), t.CStride, t.N, $"{fast.KernelName} {t}");
    }

    public static string? CheckDepthwise(KernelIsa isa, DepthwiseCase t) => CheckDepthwise(DepthwiseConv.For(isa), t);

    /// <summary>As <see cref="CheckDepthwise(KernelIsa, DepthwiseCase)"/> for one specific kernel instance (e.g. AVX2 with VNNI off).</summary>
    public static string? CheckDepthwise(DepthwiseConv fast, DepthwiseCase t)
    {
        var g = t.Geometry;
        KernelIsa isa = fast.Isa;
        byte[] Run(DepthwiseConv kernel)
        {
            var packed = kernel.Pack(t.Quant, g.Channels, t.W, t.Bias, g.KernelHeight, g.KernelWidth);
            var o = new byte[g.OutputHeight * g.OutputWidth * g.Channels];
            // Two calls over disjoint row ranges, as a parallel operator would make them.
            int half = g.OutputHeight / 2;
            kernel.Run(packed, g, t.Input, o, 0, half);
            kernel.Run(packed, g, t.Input, o, half, g.OutputHeight - half);
            return o;
        }
        // The operator's reference kernel (Kernels/Reference, TFLite's loops) is the definition; the Reference variant must match it too.
        byte[] expected = OperatorReference(t);
        string? f = isa == KernelIsa.Reference ? null : Compare(expected, Run(DepthwiseConv.For(KernelIsa.Reference)), g.Channels, g.Channels, "reference variant " + t);
        if (f is not null) return f;
        long segments = AdvSimdDepthwiseSegment.Runs, pairs = Avx2DepthwiseConv.PairRuns;
        byte[] actual = Run(fast);
        // The AdvSimd variants must have run the fused row segments wherever they apply (a silent fallback fails).
        if ((isa == KernelIsa.AdvSimd || isa == KernelIsa.AdvSimdDot) && g.Is3x3 && g.Channels >= 16 && DepthwiseRowDriver.HasInteriorColumns(g)
            && DepthwiseRowDriver.StackBytes(g) <= DepthwiseRowDriver.MaxStackBytes && AdvSimdDepthwiseSegment.Runs == segments)
            return $"{t}: the fused AdvSimd row segments did not run";
        // AVX2 must have run the vpmaddwd tap pairs for every filter but the fused 3x3 one.
        if (isa == KernelIsa.Avx2 && !g.Is3x3 && g.Channels >= 16 && Avx2DepthwiseConv.PairRuns == pairs)
            return $"{t}: the AVX2 tap-pair path did not run";
        return Compare(expected, actual, g.Channels, g.Channels, t.ToString());
    }

    /// <summary>The case on <see cref="DepthwiseConv2DReference"/> (what the operator runs under Isa=Reference).</summary>
    private static byte[] OperatorReference(DepthwiseCase t)
    {
        var g = t.Geometry;
        QuantParams q = t.Quant;
        var p = new QuantizedConvParams(-q.InputZeroPoint, -q.FilterZeroPoint, q.OutputZeroPoint, q.Multiplier, q.Shift, q.OutputMin, q.OutputMax, q.Rounding);
        var cg = new ConvGeometry(g.StrideH, g.StrideW, g.DilationH, g.DilationW, g.PadTop, g.PadLeft);
        Shape4 inS = new(1, g.InputHeight, g.InputWidth, g.Channels), fS = new(1, g.KernelHeight, g.KernelWidth, g.Channels), outS = new(1, g.OutputHeight, g.OutputWidth, g.Channels);
        var o = new byte[g.OutputHeight * g.OutputWidth * g.Channels];
        if (q.Type == QuantType.UInt8)
            DepthwiseConv2DReference.Quantized(p, cg, 1, inS, t.Input, fS, t.W, t.Bias, outS, o);
        else
            DepthwiseConv2DReference.Quantized(p, cg, 1, inS, MemoryMarshal.Cast<byte, sbyte>(t.Input), fS, MemoryMarshal.Cast<byte, sbyte>(t.W), t.Bias, outS, MemoryMarshal.Cast<byte, sbyte>(o.AsSpan()));
        return o;
    }

    /// <summary>Requantization alone on arbitrary int32 accumulators (the full range, not only what a GEMM reaches).</summary>
    public static unsafe string? CheckRequantize(KernelIsa isa, Random rng)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        int n = rng.Next(1, 70);
        var q = RandomQuant(rng, type, n);
        var bias = new int[n];
        for (int i = 0; i < n; i++) bias[i] = rng.Next(4) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(-1000, 1000);
        var table = new RequantTable(q, n, bias);
        int padded = (n + 15) / 16 * 16;
        var acc = new int[padded];
        for (int i = 0; i < n; i++)
            acc[i] = rng.Next(6) switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => rng.Next(-70000, 70000), _ => rng.Next(int.MinValue, int.MaxValue) };
        int corr = rng.Next(2) == 0 ? 0 : rng.Next(-100000, 100000);
        var expected = new byte[n];
        var actual = new byte[n];
        fixed (int* pa = acc)
        fixed (byte* pe = expected, pv = actual)
        {
            Requantizer.RowScalar(pa, n, 0, corr, table, pe);
            Requantizer.Row(isa, pa, n, 0, corr, table, pv);
        }
        return Compare(expected, actual, n, n, $"requantize {type} {q.Rounding} n={n} corr={corr}");
    }

    private static string? Compare(byte[] expected, byte[] actual, int stride, int width, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (i % stride >= width) continue; // bytes between rows are not written
            if (expected[i] != actual[i])
                return $"{what}: first difference at row {i / stride} col {i % stride}: reference {expected[i]}, got {actual[i]}";
        }
        return null;
    }

    /// <summary>Runs <paramref name="cases"/> random cases of each kernel family on each variant (same cases for every variant).</summary>
    public static IReadOnlyList<VariantResult> Run(IEnumerable<KernelIsa> variants, int seed, int cases)
    {
        var results = new List<VariantResult>();
        foreach (var isa in variants)
        {
            var rng = new Random(seed);
            int passed = 0, failed = 0;
            var failures = new List<string>();
            for (int i = 0; i < cases; i++)
            {
                foreach (var check in new Func<string?>[]
                {
                    () => CheckGemm(isa, RandomGemmCase(rng)),
                    () => CheckArmGemmPaths(isa, rng),
                    () => CheckDepthwise(isa, RandomDepthwiseCase(rng)),
                    () => CheckDepthwise(isa, RandomFusedDepthwiseCase(rng)),
                    () => CheckDepthwise(isa, RandomKxKDepthwiseCase(rng)),
                    () => CheckRequantize(isa, rng),
                    () => FloatConvConformance.Check(isa, FloatConvConformance.RandomCase(rng, depthwise: false)),
                    () => FloatConvConformance.Check(isa, FloatConvConformance.RandomCase(rng, depthwise: true)),
                    () => FloatConvConformance.CheckDepthwise3x3Segment(isa, rng),
                    () => FloatConvConformance.CheckWideConvTiles(isa, rng),
                })
                {
                    string? f;
                    try { f = check(); }
                    catch (Exception e) { f = $"{e.GetType().Name}: {e.Message}"; }
                    if (f is null) passed++;
                    else { failed++; if (failures.Count < 5) failures.Add(f); }
                }
            }
            results.Add(new VariantResult(isa, passed, failed, failures));
        }
        return results;
    }
}
