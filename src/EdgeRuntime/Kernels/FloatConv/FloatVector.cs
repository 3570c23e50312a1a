using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels.FloatConv;

/// <summary>
/// The few float vector operations the float conv kernels use, so one generic kernel body serves Vector128 and Vector256.
/// <see cref="MulAdd"/> is a separate multiply then add in <see cref="Float128"/> (each lane rounds exactly like the
/// scalar reference's <c>total += x * w</c>) and one fused multiply-add in <see cref="Float256Fma"/> / <see cref="Float128Fma"/>
/// (exactly the reference's <c>total = MathF.FusedMultiplyAdd(x, w, total)</c>): half the arithmetic instructions, one rounding.
/// <see cref="ScalarMulAdd"/> is the same for the scalar channel tails.
/// </summary>
internal unsafe interface IFloatVector<TV> where TV : struct
{
    static abstract int Lanes { get; }
    static abstract TV Zero { get; }
    static abstract TV Load(float* p);
    static abstract void Store(TV v, float* p);
    static abstract TV Splat(float x);
    static abstract TV MulAdd(TV acc, TV x, TV w);
    static abstract float ScalarMulAdd(float acc, float x, float w);
    static abstract TV Add(TV a, TV b);
    /// <summary>Min(Max(v, lo), hi) with Math.Max/Math.Min semantics (NaN propagates, -0 &lt; +0).</summary>
    static abstract TV Clamp(TV v, TV lo, TV hi);
    static abstract float Element(TV v, int i);
}

internal unsafe struct Float128 : IFloatVector<Vector128<float>>
{
    public static int Lanes => 4;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> acc, Vector128<float> x, Vector128<float> w) => Vector128.Add(acc, Vector128.Multiply(x, w));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ScalarMulAdd(float acc, float x, float w) => acc + x * w;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => Vector128.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> v, Vector128<float> lo, Vector128<float> hi) => Vector128.Min(Vector128.Max(v, lo), hi);
    public static float Element(Vector128<float> v, int i) => v.GetElement(i);
}

internal unsafe struct Float256 : IFloatVector<Vector256<float>>
{
    public static int Lanes => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> acc, Vector256<float> x, Vector256<float> w) => Vector256.Add(acc, Vector256.Multiply(x, w));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ScalarMulAdd(float acc, float x, float w) => acc + x * w;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => Vector256.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> v, Vector256<float> lo, Vector256<float> hi) => Vector256.Min(Vector256.Max(v, lo), hi);
    public static float Element(Vector256<float> v, int i) => v.GetElement(i);
}

/// <summary>Vector256 with x86 FMA3 (every AVX2 CPU the Avx2 variant runs on has it: the dispatcher checks).</summary>
internal unsafe struct Float256Fma : IFloatVector<Vector256<float>>
{
    public static int Lanes => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> acc, Vector256<float> x, Vector256<float> w) => Fma.MultiplyAdd(x, w, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ScalarMulAdd(float acc, float x, float w) => MathF.FusedMultiplyAdd(x, w, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => Vector256.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> v, Vector256<float> lo, Vector256<float> hi) => Vector256.Min(Vector256.Max(v, lo), hi);
    public static float Element(Vector256<float> v, int i) => v.GetElement(i);
}

/// <summary>Vector128 with a fused multiply-add (ARM64 AdvSimd FMLA).</summary>
internal unsafe struct Float128Fma : IFloatVector<Vector128<float>>
{
    public static int Lanes => 4;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> acc, Vector128<float> x, Vector128<float> w) => Vector128.FusedMultiplyAdd(x, w, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ScalarMulAdd(float acc, float x, float w) => MathF.FusedMultiplyAdd(x, w, acc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => Vector128.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> v, Vector128<float> lo, Vector128<float> hi) => Vector128.Min(Vector128.Max(v, lo), hi);
    public static float Element(Vector128<float> v, int i) => v.GetElement(i);
}
