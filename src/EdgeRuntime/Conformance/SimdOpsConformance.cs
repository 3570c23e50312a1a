using System.Numerics;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Pooling;
using EdgeRuntime.Kernels.Quantization;
using EdgeRuntime.Kernels.Reduction;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Resize;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Conformance;

/// <summary>
/// Bit-exactness checks of the SIMD non-convolution kernels against the scalar reference kernels on random cases
/// (shapes with odd depths and tails, broadcasts, scales and zero points, align_corners, ties, NaN). Each method runs
/// the variant its isa argument selects (as the operators do) and returns one line per failing case; no lines
/// means bit-identical. For unit tests and for `edgert selftest kernels` on ARM64 boards / under qemu.
/// </summary>
internal static partial class SimdOpsConformance
{
    /// <summary>Every family below.</summary>
    public static IEnumerable<string> RunAll(KernelIsa isa, int seed, int cases) =>
        RunElementwiseConformance(isa, seed, cases)
            .Concat(RunFloatElementwiseConformance(isa, seed, cases))
            .Concat(RunPoolingConformance(isa, seed, cases))
            .Concat(RunResizeConformance(isa, seed, cases))
            .Concat(RunArgMaxConformance(isa, seed, cases))
            .Concat(RunResizeArgMaxConformance(isa, seed, cases))
            .Concat(RunQuantizeConformance(isa, seed, cases))
            .Concat(RunRequantizeConformance(isa, seed, cases));

    /// <summary>Quantized ADD and MUL, uint8 and int8: equal shapes, [C]-vector, scalar, [N,H,W,1] and mixed broadcasts.</summary>
    public static IEnumerable<string> RunElementwiseConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant addV = QuantizedAddKernels.Select(isa), mulV = QuantizedMulKernels.Select(isa);
        var rng = new Random(seed);
        for (int k = 0; k < cases; k++)
        {
            bool signed = rng.Next(2) == 1;
            int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
            Shape4 outShape = new(rng.Next(1, 3), rng.Next(1, 6), rng.Next(1, 9), RandomDepth(rng));
            (Shape4 s1, Shape4 s2) = BroadcastPair(rng, outShape, k);
            float sc1 = LogUniform(rng, 1e-4f, 1f), sc2 = rng.Next(4) == 0 ? sc1 : LogUniform(rng, 1e-4f, 1f);
            int zp1 = rng.Next(qmin, qmax + 1), zp2 = rng.Next(qmin, qmax + 1), zpo = rng.Next(qmin, qmax + 1);
            (int amin, int amax) = rng.Next(3) == 0 ? (qmin, qmax) : Sorted(rng.Next(qmin, qmax + 1), rng.Next(qmin, qmax + 1));
            string what = $"case {k} {(signed ? "int8" : "uint8")} {s1}+{s2}->{outShape}";

            var addP = AddQuantParams.Create(sc1, zp1, sc2, zp2, LogUniform(rng, 1e-3f, 2f), zpo, amin, amax);
            long addRuns = QuantizedAddAdvSimd.Runs;
            var mulP = MulQuantParams.Create(sc1, zp1, sc2, zp2, LogUniform(rng, 1e-6f, 1f), zpo, amin, amax);
            string? f;
            if (signed)
            {
                sbyte[] a = Codes8<sbyte>(rng, s1.FlatSize), b = Codes8<sbyte>(rng, s2.FlatSize);
                f = Compare<sbyte>("ADD " + what + $" {addP}",
                    o => AddReference.Quantized(addP, s1, a, s2, b, outShape, o),
                    o => QuantizedAddKernels.Quantized(addV, addP, s1, a, s2, b, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
                if (addV == SimdVariant.AdvSimd && s1 == outShape && s2 == outShape && addRuns == QuantizedAddAdvSimd.Runs)
                    yield return "ADD " + what + ": the AdvSimd same-shape kernel did not run";
                f = Compare<sbyte>("MUL " + what + $" {mulP}",
                    o => MulReference.Quantized(mulP, s1, a, s2, b, outShape, o),
                    o => QuantizedMulKernels.Quantized(mulV, mulP, s1, a, s2, b, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
            else
            {
                byte[] a = Codes8<byte>(rng, s1.FlatSize), b = Codes8<byte>(rng, s2.FlatSize);
                f = Compare<byte>("ADD " + what + $" {addP}",
                    o => AddReference.Quantized(addP, s1, a, s2, b, outShape, o),
                    o => QuantizedAddKernels.Quantized(addV, addP, s1, a, s2, b, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
                if (addV == SimdVariant.AdvSimd && s1 == outShape && s2 == outShape && addRuns == QuantizedAddAdvSimd.Runs)
                    yield return "ADD " + what + ": the AdvSimd same-shape kernel did not run";
                f = Compare<byte>("MUL " + what + $" {mulP}",
                    o => MulReference.Quantized(mulP, s1, a, s2, b, outShape, o),
                    o => QuantizedMulKernels.Quantized(mulV, mulP, s1, a, s2, b, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
        }
    }

    /// <summary>AVERAGE_POOL_2D uint8/int8/float: random windows, strides, padding, depths, activation ranges, and global pools.</summary>
    public static IEnumerable<string> RunPoolingConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant v = AveragePool2DKernels.Select(isa);
        var rng = new Random(seed + 1);
        for (int k = 0; k < cases; k++)
        {
            int h = rng.Next(1, 12), w = rng.Next(1, 12), c = RandomDepth(rng);
            PoolGeometry g;
            Shape4 inShape = new(rng.Next(1, 3), h, w, c), outShape;
            if (k % 4 == 0)
            {
                if (k % 8 == 0) { inShape = inShape with { H = 33, W = 33 }; }
                g = new PoolGeometry(inShape.H, inShape.W, 1, 1, 0, 0); // the global whole-map pool
                outShape = inShape with { H = 1, W = 1 };
            }
            else
            {
                int fh = rng.Next(1, 6), fw = rng.Next(1, 6), sh = rng.Next(1, 4), sw = rng.Next(1, 4);
                int ph = rng.Next(0, fh), pw = rng.Next(0, fw);
                int oh = (h + 2 * ph - fh) / sh + 1, ow = (w + 2 * pw - fw) / sw + 1;
                if (oh < 1 || ow < 1) { ph = pw = 0; fh = Math.Min(fh, h); fw = Math.Min(fw, w); oh = (h - fh) / sh + 1; ow = (w - fw) / sw + 1; }
                g = new PoolGeometry(fh, fw, sh, sw, ph, pw);
                outShape = inShape with { H = oh, W = ow };
            }
            string what = $"case {k} {inShape}->{outShape} {g}";
            {
                (int amin, int amax) = rng.Next(2) == 0 ? (0, 255) : Sorted(rng.Next(0, 256), rng.Next(0, 256));
                byte[] x = Codes8<byte>(rng, inShape.FlatSize);
                string? f = Compare<byte>($"AVERAGE_POOL_2D uint8 {what} [{amin},{amax}]",
                    o => AveragePool2DReference.UInt8(g, amin, amax, inShape, x, outShape, o),
                    o => AveragePool2DKernels.UInt8(v, g, amin, amax, inShape, x, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
            {
                (int amin, int amax) = rng.Next(2) == 0 ? (-128, 127) : Sorted(rng.Next(-128, 128), rng.Next(-128, 128));
                sbyte[] x = Codes8<sbyte>(rng, inShape.FlatSize);
                string? f = Compare<sbyte>($"AVERAGE_POOL_2D int8 {what} [{amin},{amax}]",
                    o => AveragePool2DReference.Int8(g, amin, amax, inShape, x, outShape, o),
                    o => AveragePool2DKernels.Int8(v, g, amin, amax, inShape, x, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
            {
                (float fmin, float fmax) = (rng.Next(4)) switch { 0 => (float.NegativeInfinity, float.PositiveInfinity), 1 => (0f, float.PositiveInfinity), 2 => (0f, 6f), _ => (-1f, 1f) };
                float[] x = Floats(rng, inShape.FlatSize, specials: true);
                string? f = Compare<float>($"AVERAGE_POOL_2D float {what} [{fmin},{fmax}]",
                    o => AveragePool2DReference.Float(g, fmin, fmax, inShape, x, outShape, o),
                    o => AveragePool2DKernels.Float(v, g, fmin, fmax, inShape, x, outShape, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
        }
    }

    /// <summary>
    /// RESIZE_BILINEAR uint8/int8/float: random up/down scales, align_corners / half_pixel_centers / neither, depths below and
    /// above one block, the float 2x fast path, and DeepLab's 33x33x21 -> 513x513 and 65x65 -> 513x513.
    /// </summary>
    public static IEnumerable<string> RunResizeConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant v = ResizeBilinearKernels.Select(isa);
        var rng = new Random(seed + 2);
        for (int k = 0; k < cases + 3; k++)
        {
            Shape4 inShape;
            int oh, ow;
            if (k == cases) { inShape = new Shape4(1, 33, 33, 21); oh = ow = 513; }
            else if (k == cases + 1) { inShape = new Shape4(1, 65, 65, 9); oh = ow = 513; }
            else if (k == cases + 2) { inShape = new Shape4(1, 65, 65, 21); oh = ow = 513; }
            else
            {
                inShape = new Shape4(rng.Next(1, 3), rng.Next(1, 10), rng.Next(1, 10), RandomDepth(rng));
                if (k % 5 == 0) { oh = 2 * inShape.H; ow = 2 * inShape.W; }
                else { oh = rng.Next(1, 24); ow = rng.Next(1, 24); }
            }
            var outShape = new Shape4(inShape.N, oh, ow, inShape.C);
            ResizeBilinearParams p = (k % 3) switch
            {
                0 => new ResizeBilinearParams(false, false),
                1 => new ResizeBilinearParams(true, false),
                _ => new ResizeBilinearParams(false, true),
            };
            // 33->513 and 65x65x21->513 with align_corners (DeepLab), 65x65x9->513 without (its int8 positions index past the
            // input, which the reference rejects and so must the SIMD kernel).
            if (k >= cases) p = new ResizeBilinearParams(k != cases + 1, false);
            var plan = ResizeBilinearPlan.Create(p, inShape, outShape);
            string what = $"case {k} {inShape}->{outShape} align_corners={p.AlignCorners} half_pixel={p.HalfPixelCenters}";
            if (!ResizeBilinearReference.IsUInt8EightfoldFastPath(p, inShape, oh, ow))
            {
                byte[] x = Codes8<byte>(rng, inShape.FlatSize);
                string? f = Compare<byte>($"RESIZE_BILINEAR uint8 {what}",
                    o => ResizeBilinearReference.UInt8(p, inShape, x, outShape, o),
                    o => ResizeBilinearKernels.UInt8(v, plan, x, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
            {
                sbyte[] x = Codes8<sbyte>(rng, inShape.FlatSize);
                string? f = Compare<sbyte>($"RESIZE_BILINEAR int8 {what}",
                    o => ResizeBilinearReference.Int8(p, inShape, x, outShape, o),
                    o => ResizeBilinearKernels.Int8(v, plan, x, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
            {
                float[] x = Floats(rng, inShape.FlatSize, specials: false);
                string? f = Compare<float>($"RESIZE_BILINEAR float {what}",
                    o => ResizeBilinearReference.Float(p, inShape, x, outShape, o),
                    o => ResizeBilinearKernels.Float(v, plan, x, o), outShape.FlatSize);
                if (f is not null) yield return f;
            }
        }
    }

    /// <summary>ARG_MAX uint8/int8/float -> int32/int64 over the last axis (and one inner axis), with many ties, ±0 and NaN.</summary>
    public static IEnumerable<string> RunArgMaxConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant v = ArgMaxKernels.Select(isa);
        var rng = new Random(seed + 3);
        for (int k = 0; k < cases; k++)
        {
            int axis = k % 4 == 0 ? 21 : rng.Next(1, 80);
            int outer = rng.Next(1, 200), inner = k % 7 == 6 ? rng.Next(2, 5) : 1;
            int n = outer * axis * inner;
            int levels = rng.Next(1, 4) == 1 ? 3 : 256; // few distinct values: many ties
            string what = $"case {k} [{outer},{axis},{inner}]";
            byte[] u = new byte[n];
            for (int i = 0; i < n; i++) u[i] = (byte)(levels == 256 ? rng.Next(256) : 250 + rng.Next(levels));
            sbyte[] s = new sbyte[n];
            for (int i = 0; i < n; i++) s[i] = (sbyte)(levels == 256 ? rng.Next(-128, 128) : 120 + rng.Next(levels));
            float[] f = new float[n];
            for (int i = 0; i < n; i++)
                f[i] = rng.Next(60) switch { 0 => float.NaN, 1 => -0f, 2 => 0f, 3 => float.NegativeInfinity, _ => levels == 256 ? (float)rng.NextDouble() * 10 - 5 : rng.Next(levels) };
            string? r;
            if ((r = CompareArgMax<byte, int>("ARG_MAX uint8->int32 " + what, v, u, outer, axis, inner)) is not null) yield return r;
            if ((r = CompareArgMax<byte, long>("ARG_MAX uint8->int64 " + what, v, u, outer, axis, inner)) is not null) yield return r;
            if ((r = CompareArgMax<sbyte, int>("ARG_MAX int8->int32 " + what, v, s, outer, axis, inner)) is not null) yield return r;
            if ((r = CompareArgMax<sbyte, long>("ARG_MAX int8->int64 " + what, v, s, outer, axis, inner)) is not null) yield return r;
            if ((r = CompareArgMax<float, int>("ARG_MAX float->int32 " + what, v, f, outer, axis, inner)) is not null) yield return r;
            if ((r = CompareArgMax<float, long>("ARG_MAX float->int64 " + what, v, f, outer, axis, inner)) is not null) yield return r;
        }
    }

    /// <summary>QUANTIZE float -> uint8/int8 (ties at .5, NaN, ±inf, out-of-range) and DEQUANTIZE uint8/int8 -> float.</summary>
    public static IEnumerable<string> RunQuantizeConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant qv = QuantizeKernels.Select(isa), dv = DequantizeKernels.Select(isa);
        var rng = new Random(seed + 4);
        for (int k = 0; k < cases; k++)
        {
            int n = rng.Next(0, 300);
            float scale = k % 3 == 0 ? MathF.Pow(2, rng.Next(-8, 3)) : LogUniform(rng, 1e-3f, 1f);
            var x = new float[n];
            for (int i = 0; i < n; i++)
                x[i] = rng.Next(40) switch
                {
                    0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f,
                    4 or 5 or 6 or 7 => (rng.Next(-300, 300) + 0.5f) * scale, // exact ties when the scale is a power of two
                    8 => (float)(rng.NextDouble() * 2 - 1) * 1e30f,
                    _ => (float)(rng.NextDouble() * 2 - 1) * 300 * scale,
                };
            int zpu = rng.Next(0, 256), zps = rng.Next(-128, 128);
            string? r;
            if ((r = Compare<byte>($"QUANTIZE float->uint8 case {k} n={n} scale={scale:R} zp={zpu}",
                    o => QuantizeReference.AffineQuantize<byte>(x, o, scale, zpu), o => QuantizeKernels.AffineQuantize<byte>(qv, x, o, scale, zpu), n)) is not null) yield return r;
            if ((r = Compare<sbyte>($"QUANTIZE float->int8 case {k} n={n} scale={scale:R} zp={zps}",
                    o => QuantizeReference.AffineQuantize<sbyte>(x, o, scale, zps), o => QuantizeKernels.AffineQuantize<sbyte>(qv, x, o, scale, zps), n)) is not null) yield return r;
            byte[] u = Codes8<byte>(rng, n);
            sbyte[] s = Codes8<sbyte>(rng, n);
            if ((r = Compare<float>($"DEQUANTIZE uint8 case {k} n={n} scale={scale:R} zp={zpu}",
                    o => DequantizeReference.PerTensor<byte>(u, o, scale, zpu), o => DequantizeKernels.PerTensor<byte>(dv, u, o, scale, zpu), n)) is not null) yield return r;
            if ((r = Compare<float>($"DEQUANTIZE int8 case {k} n={n} scale={scale:R} zp={zps}",
                    o => DequantizeReference.PerTensor<sbyte>(s, o, scale, zps), o => DequantizeKernels.PerTensor<sbyte>(dv, s, o, scale, zps), n)) is not null) yield return r;
        }
    }

    private delegate void Fill<T>(Span<T> output);

    /// <summary>Runs both into buffers pre-filled with different garbage (so unwritten elements show) and compares bit patterns.</summary>
    private static string? Compare<T>(string what, Fill<T> reference, Fill<T> simd, int length) where T : unmanaged
    {
        var expected = new T[length];
        var actual = new T[length];
        new Random(length).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()));
        new Random(length + 1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan()));
        Exception? referenceError = null;
        try
        {
            reference(expected);
        }
        catch (Exception e)
        {
            referenceError = e;
        }
        try
        {
            simd(actual);
        }
        catch (Exception e)
        {
            // Inputs the reference rejects (e.g. int8 resizes whose 10-bit positions index past the input) must be rejected too.
            if (referenceError is not null && referenceError.GetType() == e.GetType()) return null;
            return $"{what}: SIMD kernel threw {e.GetType().Name}: {e.Message}";
        }
        if (referenceError is not null) return $"{what}: reference threw {referenceError.GetType().Name} ({referenceError.Message}) but the SIMD kernel did not";
        ReadOnlySpan<byte> eb = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan());
        ReadOnlySpan<byte> ab = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan());
        int firstByte = eb.CommonPrefixLength(ab);
        if (firstByte == eb.Length) return null;
        int i = firstByte / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int count = 0;
        for (int j = 0; j < length; j++) if (!EqualityComparer<T>.Default.Equals(expected[j], actual[j]) || !BitEqual(expected[j], actual[j])) count++;
        return $"{what}: {count} of {length} elements differ, first at {i}: expected {expected[i]}, got {actual[i]}";
    }

    private static bool BitEqual<T>(T a, T b) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in a)).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in b)));

    private static string? CompareArgMax<T, TIndex>(string what, SimdVariant v, T[] input, int outer, int axis, int inner)
        where T : unmanaged, IComparisonOperators<T, T, bool>
        where TIndex : unmanaged, IBinaryInteger<TIndex> =>
        Compare<TIndex>(what,
            o => ArgMaxReference.ArgMax<T, TIndex>(input, outer, axis, inner, o),
            o => ArgMaxKernels.ArgMax<T, TIndex>(v, input, outer, axis, inner, o), outer * inner);

    private static int RandomDepth(Random rng) => rng.Next(5) switch
    {
        0 => rng.Next(1, 8),
        1 => 21,
        2 => rng.Next(8, 40),
        3 => 16 * rng.Next(1, 5) + rng.Next(0, 2),
        _ => rng.Next(40, 80),
    };

    /// <summary>Operand shapes that broadcast to <paramref name="o"/>, cycling through the layouts the runtime meets.</summary>
    private static (Shape4, Shape4) BroadcastPair(Random rng, Shape4 o, int k)
    {
        Shape4 vecC = new(1, 1, 1, o.C), scalar = new(1, 1, 1, 1), perPixel = o with { C = 1 };
        Shape4 mixed = new(rng.Next(2) == 0 ? 1 : o.N, rng.Next(2) == 0 ? 1 : o.H, rng.Next(2) == 0 ? 1 : o.W, rng.Next(2) == 0 ? 1 : o.C);
        return (k % 9) switch
        {
            0 or 1 or 2 => (o, o),
            3 => (o, vecC),
            4 => (vecC, o),
            5 => (o, scalar),
            6 => (scalar, o),
            7 => (perPixel, o),
            _ => (o, mixed),
        };
    }

    private static T[] Codes8<T>(Random rng, int n) where T : unmanaged
    {
        var a = new T[n];
        rng.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
        return a;
    }

    private static float[] Floats(Random rng, int n, bool specials)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = specials && rng.Next(200) == 0 ? (rng.Next(2) == 0 ? float.NaN : -0f) : (float)(rng.NextDouble() * 20 - 10);
        return a;
    }

    private static float LogUniform(Random rng, float lo, float hi) => MathF.Exp(MathF.Log(lo) + (float)rng.NextDouble() * (MathF.Log(hi) - MathF.Log(lo)));

    private static (int, int) Sorted(int a, int b) => a <= b ? (a, b) : (b, a);
}
