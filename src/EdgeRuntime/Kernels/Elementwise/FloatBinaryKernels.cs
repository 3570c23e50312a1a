using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>One float binary op, at every width. Each lane is one IEEE operation, so every form equals the scalar one exactly.</summary>
internal interface IFloatBinaryOp
{
    static abstract float Scalar(float a, float b);
    static abstract Vector128<float> Invoke(Vector128<float> a, Vector128<float> b);
    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);
}

internal readonly struct FloatAddOp : IFloatBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Scalar(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a + b;
}

internal readonly struct FloatMulOp : IFloatBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Scalar(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a * b;
}

/// <summary>
/// SIMD float ADD and MUL, bit-identical to <see cref="AddReference.Float"/> / <see cref="MulReference.Float"/>: one IEEE
/// add or multiply per lane, then the reference's clamp <c>y = x &lt; min ? min : x; max &lt; y ? max : y</c> (not
/// IEEE maximum/minimum: the reference keeps -0 under Relu and passes NaN through, so do these). 4-D numpy broadcasting
/// runs as contiguous rows over the innermost dimension, an operand with innermost stride 0 splatted; scalar tail with
/// the reference's statements. The output may alias an operand of its own shape (each vector is loaded before it is stored).
/// Variants: Portable (Vector128 compare + select), Avx2 (Vector256; MAXPS(min, x) / MINPS(max, y) are exactly the
/// reference's two comparisons, operand order included), AdvSimd (FCMGT + BSL: FMAX would turn -0 into +0).
/// </summary>
internal static unsafe class FloatBinaryKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: true);

    private static long s_advSimdRuns;

    /// <summary>Calls that ran the AdvSimd rows (the ARM conformance checks that they, not another variant, ran).</summary>
    internal static long AdvSimdRuns => Volatile.Read(ref s_advSimdRuns);

    public static void Add(SimdVariant variant, float min, float max, Shape4 shape1, ReadOnlySpan<float> input1, Shape4 shape2, ReadOnlySpan<float> input2,
        Shape4 outputShape, Span<float> output)
    {
        if (variant == SimdVariant.Reference) AddReference.Float(min, max, shape1, input1, shape2, input2, outputShape, output);
        else Run<FloatAddOp>(variant, min, max, shape1, input1, shape2, input2, outputShape, output);
    }

    public static void Mul(SimdVariant variant, float min, float max, Shape4 shape1, ReadOnlySpan<float> input1, Shape4 shape2, ReadOnlySpan<float> input2,
        Shape4 outputShape, Span<float> output)
    {
        if (variant == SimdVariant.Reference) MulReference.Float(min, max, shape1, input1, shape2, input2, outputShape, output);
        else Run<FloatMulOp>(variant, min, max, shape1, input1, shape2, input2, outputShape, output);
    }

    private static void Run<TOp>(SimdVariant variant, float min, float max, Shape4 shape1, ReadOnlySpan<float> input1, Shape4 shape2, ReadOnlySpan<float> input2,
        Shape4 outputShape, Span<float> output) where TOp : IFloatBinaryOp
    {
        KernelDispatcher.AssertSupported(variant);
        if (variant == SimdVariant.AdvSimd) Interlocked.Increment(ref s_advSimdRuns);
        if (output.Length != outputShape.FlatSize) throw new ArgumentException($"output has {output.Length} elements, shape {outputShape} needs {outputShape.FlatSize}");
        if (input1.Length < shape1.FlatSize || input2.Length < shape2.FlatSize) throw new ArgumentException("an operand is shorter than its shape");
        fixed (float* p1 = input1, p2 = input2, po = output)
        {
            if (shape1 == outputShape && shape2 == outputShape) { Row<TOp>(variant, min, max, p1, false, p2, false, po, output.Length); return; }
            if (shape1.FlatSize == 1 && shape2 == outputShape) { Row<TOp>(variant, min, max, p1, true, p2, false, po, output.Length); return; }
            if (shape2.FlatSize == 1 && shape1 == outputShape) { Row<TOp>(variant, min, max, p1, false, p2, true, po, output.Length); return; }
            Broadcast4 b1 = Broadcast4.For(shape1, outputShape), b2 = Broadcast4.For(shape2, outputShape);
            int depth = outputShape.C;
            bool splat1 = b1.C == 0, splat2 = b2.C == 0;
            float* o = po;
            for (int n = 0; n < outputShape.N; n++)
                for (int h = 0; h < outputShape.H; h++)
                    for (int w = 0; w < outputShape.W; w++, o += depth)
                        Row<TOp>(variant, min, max, p1 + b1.Offset(n, h, w, 0), splat1, p2 + b2.Offset(n, h, w, 0), splat2, o, depth);
        }
    }

    private static void Row<TOp>(SimdVariant variant, float min, float max, float* a, bool splatA, float* b, bool splatB, float* output, int n)
        where TOp : IFloatBinaryOp
    {
        if (n <= 0) return;
        int i = variant switch
        {
            SimdVariant.Avx2 => RowAvx2<TOp>(min, max, a, splatA, b, splatB, output, n),
            SimdVariant.AdvSimd => Row128<TOp, AdvSimdClamp>(min, max, a, splatA, b, splatB, output, n),
            _ => Row128<TOp, PortableClamp>(min, max, a, splatA, b, splatB, output, n),
        };
        for (; i < n; i++)
            output[i] = AddReference.Activate(TOp.Scalar(a[splatA ? 0 : i], b[splatB ? 0 : i]), min, max);
    }

    private static int Row128<TOp, TClamp>(float min, float max, float* a, bool splatA, float* b, bool splatB, float* output, int n)
        where TOp : IFloatBinaryOp where TClamp : IClamp128
    {
        Vector128<float> vmin = Vector128.Create(min), vmax = Vector128.Create(max);
        Vector128<float> sa = splatA ? Vector128.Create(*a) : default, sb = splatB ? Vector128.Create(*b) : default;
        int i = 0;
        // Two vectors per iteration: the loads of the second overlap the first's arithmetic.
        for (; i + 8 <= n; i += 8)
        {
            Vector128<float> a0 = splatA ? sa : Vector128.Load(a + i), a1 = splatA ? sa : Vector128.Load(a + i + 4);
            Vector128<float> b0 = splatB ? sb : Vector128.Load(b + i), b1 = splatB ? sb : Vector128.Load(b + i + 4);
            TClamp.Clamp(TOp.Invoke(a0, b0), vmin, vmax).Store(output + i);
            TClamp.Clamp(TOp.Invoke(a1, b1), vmin, vmax).Store(output + i + 4);
        }
        for (; i + 4 <= n; i += 4)
        {
            Vector128<float> a0 = splatA ? sa : Vector128.Load(a + i), b0 = splatB ? sb : Vector128.Load(b + i);
            TClamp.Clamp(TOp.Invoke(a0, b0), vmin, vmax).Store(output + i);
        }
        return i;
    }

    private static int RowAvx2<TOp>(float min, float max, float* a, bool splatA, float* b, bool splatB, float* output, int n)
        where TOp : IFloatBinaryOp
    {
        Vector256<float> vmin = Vector256.Create(min), vmax = Vector256.Create(max);
        Vector256<float> sa = splatA ? Vector256.Create(*a) : default, sb = splatB ? Vector256.Create(*b) : default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector256<float> a0 = splatA ? sa : Avx.LoadVector256(a + i), a1 = splatA ? sa : Avx.LoadVector256(a + i + 8);
            Vector256<float> b0 = splatB ? sb : Avx.LoadVector256(b + i), b1 = splatB ? sb : Avx.LoadVector256(b + i + 8);
            // MAXPS(x, y) = x > y ? x : y and MINPS(x, y) = x < y ? x : y, second operand on ties and NaN: the reference exactly.
            Avx.Store(output + i, Avx.Min(vmax, Avx.Max(vmin, TOp.Invoke(a0, b0))));
            Avx.Store(output + i + 8, Avx.Min(vmax, Avx.Max(vmin, TOp.Invoke(a1, b1))));
        }
        for (; i + 8 <= n; i += 8)
        {
            Vector256<float> a0 = splatA ? sa : Avx.LoadVector256(a + i), b0 = splatB ? sb : Avx.LoadVector256(b + i);
            Avx.Store(output + i, Avx.Min(vmax, Avx.Max(vmin, TOp.Invoke(a0, b0))));
        }
        return i;
    }

    /// <summary>The reference's clamp on four lanes.</summary>
    private interface IClamp128
    {
        static abstract Vector128<float> Clamp(Vector128<float> x, Vector128<float> min, Vector128<float> max);
    }

    private readonly struct PortableClamp : IClamp128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Clamp(Vector128<float> x, Vector128<float> min, Vector128<float> max)
        {
            Vector128<float> y = Vector128.ConditionalSelect(Vector128.LessThan(x, min), min, x);
            return Vector128.ConditionalSelect(Vector128.LessThan(max, y), max, y);
        }
    }

    private readonly struct AdvSimdClamp : IClamp128
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Clamp(Vector128<float> x, Vector128<float> min, Vector128<float> max)
        {
            Vector128<float> y = AdvSimd.BitwiseSelect(AdvSimd.CompareGreaterThan(min, x), min, x);
            return AdvSimd.BitwiseSelect(AdvSimd.CompareGreaterThan(y, max), max, y);
        }
    }
}
