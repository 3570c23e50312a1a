using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels.Simd;

/// <summary>
/// The two gemmlowp primitives of <see cref="FixedPoint"/> on four int32 lanes, one implementation per ISA.
/// Generic loops take the implementation as a struct type argument (the TensorPrimitives operator-struct pattern),
/// so each instantiation is specialised and inlined.
/// </summary>
internal interface IFixedPoint128
{
    /// <summary>Lane-wise <see cref="FixedPoint.SaturatingRoundingDoublingHighMul"/>.</summary>
    static abstract Vector128<int> HighMul(Vector128<int> a, Vector128<int> b);

    /// <summary>Lane-wise <see cref="FixedPoint.RoundingDivideByPOT"/> with one exponent in [0, 31].</summary>
    static abstract Vector128<int> RoundingDivideByPOT(Vector128<int> x, int exponent);
}

/// <summary>Vector128 generic API only: exact on every ISA (64-bit lanes for the product).</summary>
internal readonly struct PortableFixedPoint : IFixedPoint128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> HighMul(Vector128<int> a, Vector128<int> b)
    {
        // floor((a*b + 2^30) / 2^31) equals gemmlowp's nudge-and-truncate for both signs:
        // for ab < 0, trunc((ab + 1 - 2^30) / 2^31) = ceil(...) = floor((ab + 2^30) / 2^31).
        Vector128<long> nudge = Vector128.Create(1L << 30);
        Vector128<long> lo = Vector128.ShiftRightArithmetic(Vector128.WidenLower(a) * Vector128.WidenLower(b) + nudge, 31);
        Vector128<long> hi = Vector128.ShiftRightArithmetic(Vector128.WidenUpper(a) * Vector128.WidenUpper(b) + nudge, 31);
        Vector128<int> r = Vector128.Narrow(lo, hi);
        // Only INT_MIN*INT_MIN gives 2^31, which narrows to INT_MIN (no true result is INT_MIN): saturate it to INT_MAX.
        return r + Vector128.Equals(r, Vector128.Create(int.MinValue));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> RoundingDivideByPOT(Vector128<int> x, int exponent)
    {
        int maskScalar = (int)((1L << exponent) - 1);
        Vector128<int> mask = Vector128.Create(maskScalar);
        Vector128<int> remainder = x & mask;
        // threshold = (mask >> 1) + (x < 0 ? 1 : 0); x >> 31 is -1 for negative x.
        Vector128<int> threshold = Vector128.Create(maskScalar >> 1) - Vector128.ShiftRightArithmetic(x, 31);
        // GreaterThan yields -1 where true: subtracting it adds 1.
        return Vector128.ShiftRightArithmetic(x, exponent) - Vector128.GreaterThan(remainder, threshold);
    }
}

/// <summary>
/// ARM64: SQRDMULH is exactly SaturatingRoundingDoublingHighMul (round half up of 2ab/2^32, INT_MIN*INT_MIN saturates),
/// and RoundingDivideByPOT is gemmlowp's NEON form: subtract 1 from negative x (saturating), then SRSHL (round half up).
/// </summary>
internal readonly struct AdvSimdFixedPoint : IFixedPoint128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> HighMul(Vector128<int> a, Vector128<int> b) => AdvSimd.MultiplyRoundedDoublingSaturateHigh(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> RoundingDivideByPOT(Vector128<int> x, int exponent)
    {
        Vector128<int> shift = Vector128.Create(-exponent);
        // (x & -exponent) >> 31: -1 for negative x when exponent > 0, else 0.
        Vector128<int> fixup = AdvSimd.ShiftRightArithmetic(AdvSimd.And(x, shift), 31);
        return AdvSimd.ShiftArithmeticRounded(AdvSimd.AddSaturate(x, fixup), shift);
    }
}

/// <summary>The same primitives on eight lanes with AVX2 (VPMULDQ for the 64-bit products).</summary>
internal static class Avx2FixedPoint
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> HighMul(Vector256<int> a, Vector256<int> b)
    {
        Vector256<long> nudge = Vector256.Create(1L << 30);
        Vector256<long> even = Avx2.Multiply(a, b);
        Vector256<long> odd = Avx2.Multiply(Avx2.ShiftRightLogical(a.AsInt64(), 32).AsInt32(), Avx2.ShiftRightLogical(b.AsInt64(), 32).AsInt32());
        // (p + 2^30) << 1 = 2p + 2^31; its high dword is floor((p + 2^30) / 2^31) (INT_MIN*INT_MIN wraps to INT_MIN, fixed below).
        even = Avx2.ShiftLeftLogical(Avx2.Add(even, nudge), 1);
        odd = Avx2.ShiftLeftLogical(Avx2.Add(odd, nudge), 1);
        Vector256<int> r = Avx2.Blend(Avx2.ShiftRightLogical(even, 32).AsInt32(), odd.AsInt32(), 0b1010_1010);
        return Avx2.Add(r, Avx2.CompareEqual(r, Vector256.Create(int.MinValue)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> RoundingDivideByPOT(Vector256<int> x, int exponent)
    {
        int maskScalar = (int)((1L << exponent) - 1);
        Vector256<int> remainder = Avx2.And(x, Vector256.Create(maskScalar));
        Vector256<int> threshold = Avx2.Subtract(Vector256.Create(maskScalar >> 1), Avx2.ShiftRightArithmetic(x, 31));
        return Avx2.Subtract(Avx2.ShiftRightArithmetic(x, Vector128.CreateScalar(exponent)), Avx2.CompareGreaterThan(remainder, threshold));
    }
}

/// <summary>Widening of 8-bit codes to int32 lanes and truncating narrowing back (T is byte or sbyte).</summary>
internal static class Codes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen<T>(Vector128<T> v, out Vector128<int> x0, out Vector128<int> x1, out Vector128<int> x2, out Vector128<int> x3) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            Vector128<byte> b = v.AsByte();
            Vector128<ushort> l = Vector128.WidenLower(b), h = Vector128.WidenUpper(b);
            x0 = Vector128.WidenLower(l).AsInt32(); x1 = Vector128.WidenUpper(l).AsInt32();
            x2 = Vector128.WidenLower(h).AsInt32(); x3 = Vector128.WidenUpper(h).AsInt32();
        }
        else
        {
            Vector128<sbyte> b = v.AsSByte();
            Vector128<short> l = Vector128.WidenLower(b), h = Vector128.WidenUpper(b);
            x0 = Vector128.WidenLower(l); x1 = Vector128.WidenUpper(l);
            x2 = Vector128.WidenLower(h); x3 = Vector128.WidenUpper(h);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Narrow<T>(Vector128<int> x0, Vector128<int> x1, Vector128<int> x2, Vector128<int> x3) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
            return Vector128.Narrow(Vector128.Narrow(x0.AsUInt32(), x1.AsUInt32()), Vector128.Narrow(x2.AsUInt32(), x3.AsUInt32())).As<byte, T>();
        return Vector128.Narrow(Vector128.Narrow(x0, x1), Vector128.Narrow(x2, x3)).As<sbyte, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen<T>(Vector256<T> v, out Vector256<int> x0, out Vector256<int> x1, out Vector256<int> x2, out Vector256<int> x3) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            Vector256<byte> b = v.AsByte();
            Vector256<ushort> l = Vector256.WidenLower(b), h = Vector256.WidenUpper(b);
            x0 = Vector256.WidenLower(l).AsInt32(); x1 = Vector256.WidenUpper(l).AsInt32();
            x2 = Vector256.WidenLower(h).AsInt32(); x3 = Vector256.WidenUpper(h).AsInt32();
        }
        else
        {
            Vector256<sbyte> b = v.AsSByte();
            Vector256<short> l = Vector256.WidenLower(b), h = Vector256.WidenUpper(b);
            x0 = Vector256.WidenLower(l); x1 = Vector256.WidenUpper(l);
            x2 = Vector256.WidenLower(h); x3 = Vector256.WidenUpper(h);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Narrow<T>(Vector256<int> x0, Vector256<int> x1, Vector256<int> x2, Vector256<int> x3) where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
            return Vector256.Narrow(Vector256.Narrow(x0.AsUInt32(), x1.AsUInt32()), Vector256.Narrow(x2.AsUInt32(), x3.AsUInt32())).As<byte, T>();
        return Vector256.Narrow(Vector256.Narrow(x0, x1), Vector256.Narrow(x2, x3)).As<sbyte, T>();
    }
}
