using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Quantization;

/// <summary>
/// SIMD QUANTIZE float -> uint8/int8, bit-identical to <see cref="QuantizeReference.AffineQuantize"/>:
/// y = x / scale (float division), rounded half away from zero as trunc(y) + (|y - trunc(y)| &gt;= 0.5 ? sign(y) : 0)
/// (y - trunc(y) is exact), clamped to [qmin - zp, qmax - zp] (the reference clamps y + zp in double; the bounds and y
/// are integers, so this is the same), plus zp. NaN gives code 0, as the reference's (int)NaN does.
/// Variants: Portable (Vector128), Avx2 (Vector256).
/// </summary>
internal static partial class QuantizeKernels
{
    /// <summary>AdvSimd: AffineQuantize runs the Vector128 code, Requantize its own AdvSimd loop.</summary>
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: true);

    public static void AffineQuantize<T>(SimdVariant variant, ReadOnlySpan<float> input, Span<T> output, float scale, int zeroPoint)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        if (typeof(T) != typeof(byte) && typeof(T) != typeof(sbyte)) throw new NotSupportedException($"QUANTIZE to {typeof(T).Name}");
        if (variant == SimdVariant.Reference)
        {
            QuantizeReference.AffineQuantize(input, output, scale, zeroPoint);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        int n = input.Length;
        if (output.Length < n) throw new ArgumentException("output is shorter than input");
        int qmin = int.CreateTruncating(T.MinValue), qmax = int.CreateTruncating(T.MaxValue);
        // The reference clamps (double)round + zp to [qmin, qmax]; with zero points far outside the type the float
        // bounds below would not be exact integers, so such (invalid) parameters take the reference.
        if (zeroPoint < -65536 || zeroPoint > 65536)
        {
            QuantizeReference.AffineQuantize(input, output, scale, zeroPoint);
            return;
        }
        float lo = qmin - zeroPoint, hi = qmax - zeroPoint;
        ref float rin = ref MemoryMarshal.GetReference(input);
        ref T rout = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (variant == SimdVariant.Avx2)
        {
            var vs = Vector256.Create(scale);
            var vlo = Vector256.Create(lo);
            var vhi = Vector256.Create(hi);
            var vzp = Vector256.Create(zeroPoint);
            for (; i <= n - 32; i += 32)
            {
                Codes.Narrow<T>(
                    Quantize256(Vector256.LoadUnsafe(ref rin, (nuint)i), vs, vlo, vhi, vzp),
                    Quantize256(Vector256.LoadUnsafe(ref rin, (nuint)(i + 8)), vs, vlo, vhi, vzp),
                    Quantize256(Vector256.LoadUnsafe(ref rin, (nuint)(i + 16)), vs, vlo, vhi, vzp),
                    Quantize256(Vector256.LoadUnsafe(ref rin, (nuint)(i + 24)), vs, vlo, vhi, vzp)).StoreUnsafe(ref rout, (nuint)i);
            }
        }
        {
            var vs = Vector128.Create(scale);
            var vlo = Vector128.Create(lo);
            var vhi = Vector128.Create(hi);
            var vzp = Vector128.Create(zeroPoint);
            for (; i <= n - 16; i += 16)
            {
                Codes.Narrow<T>(
                    Quantize128(Vector128.LoadUnsafe(ref rin, (nuint)i), vs, vlo, vhi, vzp),
                    Quantize128(Vector128.LoadUnsafe(ref rin, (nuint)(i + 4)), vs, vlo, vhi, vzp),
                    Quantize128(Vector128.LoadUnsafe(ref rin, (nuint)(i + 8)), vs, vlo, vhi, vzp),
                    Quantize128(Vector128.LoadUnsafe(ref rin, (nuint)(i + 12)), vs, vlo, vhi, vzp)).StoreUnsafe(ref rout, (nuint)i);
            }
        }
        if (i < n) QuantizeReference.AffineQuantize(input[i..], output[i..], scale, zeroPoint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Quantize128(Vector128<float> x, Vector128<float> scale, Vector128<float> lo, Vector128<float> hi, Vector128<int> zp)
    {
        Vector128<float> y = x / scale;
        Vector128<float> t = Vector128.Truncate(y);
        Vector128<float> away = Vector128.GreaterThanOrEqual(Vector128.Abs(y - t), Vector128.Create(0.5f));
        // sign(y) * 1.0 where rounding away, else 0 (for infinities y - t is NaN: no adjustment).
        Vector128<float> step = ((y & Vector128.Create(-0.0f)) | Vector128.Create(1.0f)) & away;
        Vector128<float> r = t + step;
        // Ordered lanes only: NaN would otherwise depend on Max/Min's NaN rule; the reference's (int)NaN is 0.
        Vector128<float> ordered = Vector128.Equals(y, y);
        // r is never NaN here (masked below) nor -0 (t + (+0)), so the native min/max/convert give the IEEE results.
        Vector128<int> q = Vector128.ConvertToInt32Native(Vector128.MinNative(Vector128.MaxNative(r, lo), hi)) + zp;
        return q & ordered.AsInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quantize256(Vector256<float> x, Vector256<float> scale, Vector256<float> lo, Vector256<float> hi, Vector256<int> zp)
    {
        Vector256<float> y = Avx.Divide(x, scale);
        Vector256<float> t = Avx.RoundToZero(y);
        Vector256<float> away = Avx.CompareGreaterThanOrEqual(Avx.AndNot(Vector256.Create(-0.0f), Avx.Subtract(y, t)), Vector256.Create(0.5f));
        Vector256<float> step = Avx.And(Avx.Or(Avx.And(y, Vector256.Create(-0.0f)), Vector256.Create(1.0f)), away);
        Vector256<float> r = Avx.Add(t, step);
        Vector256<float> ordered = Avx.CompareOrdered(y, y);
        // r is finite or infinite but not NaN in ordered lanes; MAXPS/MINPS with the finite bound second return the bound for NaN,
        // and NaN lanes are masked anyway.
        Vector256<int> q = Avx2.Add(Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(r, lo), hi)), zp);
        return Avx2.And(q, ordered.AsInt32());
    }
}

/// <summary>
/// SIMD DEQUANTIZE per-tensor uint8/int8 -> float, bit-identical to <see cref="DequantizeReference.PerTensor"/>:
/// (float)((double)scale * (q - zp)) is the correctly rounded product, which float (q - zp) * scale also is
/// (q - zp is exact in float). Variants: Portable (Vector128), Avx2 (Vector256).
/// </summary>
internal static class DequantizeKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: false);

    public static void PerTensor<T>(SimdVariant variant, ReadOnlySpan<T> input, Span<float> output, float scale, int zeroPoint)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (typeof(T) != typeof(byte) && typeof(T) != typeof(sbyte)) throw new NotSupportedException($"DEQUANTIZE of {typeof(T).Name}");
        // |q - zp| must stay exact in float (always, for 8-bit codes and sane zero points).
        if (variant == SimdVariant.Reference || zeroPoint < -(1 << 23) || zeroPoint > 1 << 23)
        {
            DequantizeReference.PerTensor(input, output, scale, zeroPoint);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        int n = input.Length;
        if (output.Length < n) throw new ArgumentException("output is shorter than input");
        ref T rin = ref MemoryMarshal.GetReference(input);
        ref float rout = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (variant == SimdVariant.Avx2)
        {
            var vs = Vector256.Create(scale);
            var vzp = Vector256.Create(zeroPoint);
            for (; i <= n - 32; i += 32)
            {
                Codes.Widen(Vector256.LoadUnsafe(ref rin, (nuint)i), out var x0, out var x1, out var x2, out var x3);
                Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(x0, vzp)), vs).StoreUnsafe(ref rout, (nuint)i);
                Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(x1, vzp)), vs).StoreUnsafe(ref rout, (nuint)(i + 8));
                Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(x2, vzp)), vs).StoreUnsafe(ref rout, (nuint)(i + 16));
                Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(x3, vzp)), vs).StoreUnsafe(ref rout, (nuint)(i + 24));
            }
        }
        {
            var vs = Vector128.Create(scale);
            var vzp = Vector128.Create(zeroPoint);
            for (; i <= n - 16; i += 16)
            {
                Codes.Widen(Vector128.LoadUnsafe(ref rin, (nuint)i), out var x0, out var x1, out var x2, out var x3);
                (Vector128.ConvertToSingle(x0 - vzp) * vs).StoreUnsafe(ref rout, (nuint)i);
                (Vector128.ConvertToSingle(x1 - vzp) * vs).StoreUnsafe(ref rout, (nuint)(i + 4));
                (Vector128.ConvertToSingle(x2 - vzp) * vs).StoreUnsafe(ref rout, (nuint)(i + 8));
                (Vector128.ConvertToSingle(x3 - vzp) * vs).StoreUnsafe(ref rout, (nuint)(i + 12));
            }
        }
        if (i < n) DequantizeReference.PerTensor(input[i..], output[i..], scale, zeroPoint);
    }
}
