using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels.Requantization;

/// <summary>
/// Requantizes a row of int32 accumulators to 8-bit outputs:
/// dst[i] = clamp(zp + Requantize.Apply(acc[i] + bias[c0+i] + corr, mult[c0+i], shift[c0+i], table.Rounding)),
/// bit-exact with <see cref="Requantize.Apply"/> in every variant and for every <see cref="RequantizeRounding"/>
/// (double rounding away from zero or upward, and ruy's single rounding of the 64-bit product): the row loops are generic
/// over the <see cref="IRequantPolicy"/> (RequantPolicies.cs); this file keeps the shared per-ISA arithmetic the policies use. <c>acc</c> must be readable up to count rounded
/// up to 16 and <c>c0</c> must be a multiple of 16 (the table is padded to 16 channels).
/// </summary>
internal static unsafe class Requantizer
{
    public static void Row(KernelIsa isa, int* acc, int count, int c0, int corr, RequantTable t, byte* dst)
    {
        if (isa is KernelIsa.Reference) RowScalar(acc, count, c0, corr, t, dst);
        // The policy is chosen once per row; the row loops are generic over it (no per-element rounding branch).
        else if (t.Rounding == RequantizeRounding.Single) Row<SingleRounding>(isa, acc, count, c0, corr, t, dst);
        else if (t.Rounding == RequantizeRounding.DoubleUpward) Row<Upward>(isa, acc, count, c0, corr, t, dst);
        else Row<AwayFromZero>(isa, acc, count, c0, corr, t, dst);
    }

    private static void Row<TPolicy>(KernelIsa isa, int* acc, int count, int c0, int corr, RequantTable t, byte* dst) where TPolicy : struct, IRequantPolicy
    {
        fixed (int* m = t.Multiplier, l = t.LeftShift, lm = t.LeftMul, r = t.RightShift, nr = t.NegRightShift, k = t.Mask, h = t.HalfMask, ts = t.TotalShift, nts = t.NegTotalShift)
        {
            var p = RequantPointers.Of(t, m, l, lm, r, nr, k, h, ts, nts);
            switch (isa)
            {
                case KernelIsa.Avx2: RowAvx2<TPolicy>(acc, count, c0, corr, t, p, dst); break;
                case KernelIsa.AdvSimd or KernelIsa.AdvSimdDot: RowAdvSimd<TPolicy>(acc, count, c0, corr, t, p, dst); break;
                default: RowPortable<TPolicy>(acc, count, c0, corr, t, p, dst); break;
            }
        }
    }

    /// <summary>The definition: <see cref="Requantize.Apply"/> per element.</summary>
    public static void RowScalar(int* acc, int count, int c0, int corr, RequantTable t, byte* dst)
    {
        RequantizeRounding rounding = t.Rounding;
        for (int i = 0; i < count; i++)
        {
            int c = c0 + i;
            int v = Requantize.Apply(acc[i] + t.Bias[c] + corr, t.Multiplier[c], t.LeftShift[c] - t.RightShift[c], rounding);
            v = Math.Clamp(v + t.OutputZeroPoint, t.Min, t.Max);
            dst[i] = (byte)v;
        }
    }

    // ---------------------------------------------------------------- Portable (Vector128, any ISA)

    private static void RowPortable<TPolicy>(int* acc, int count, int c0, int corr, RequantTable t, in RequantPointers p, byte* dst) where TPolicy : struct, IRequantPolicy
    {
        fixed (int* b = t.Bias)
        {
            var zp = Vector128.Create(t.OutputZeroPoint);
            var min = Vector128.Create(t.Min);
            var max = Vector128.Create(t.Max);
            var vc = Vector128.Create(corr);
            for (int i = 0; i < count; i += 16)
            {
                Vector128<int> r0 = default, r1 = default, r2 = default, r3 = default;
                for (int j = 0; j < 4; j++)
                {
                    int o = c0 + i + 4 * j;
                    var x = TPolicy.Portable(Vector128.Load(acc + i + 4 * j) + Vector128.Load(b + o) + vc, p, o);
                    x = Vector128.Min(Vector128.Max(x + zp, min), max);
                    if (j == 0) r0 = x; else if (j == 1) r1 = x; else if (j == 2) r2 = x; else r3 = x;
                }
                StoreBytes(Vector128.Narrow(Vector128.Narrow(r0, r1), Vector128.Narrow(r2, r3)).AsByte(), dst + i, count - i);
            }
        }
    }

    /// <summary>MultiplyByQuantizedMultiplier on 4 lanes with per-lane shifts, using only Vector128 operators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MbqmPortable(Vector128<int> x, Vector128<int> mult, Vector128<int> leftMul, Vector128<int> right, Vector128<int> mask, Vector128<int> halfMask, bool upward = false)
    {
        x *= leftMul; // x << left, wrapping like the scalar x * (1 << left)
        // SaturatingRoundingDoublingHighMul: floor((x*m + 2^30) / 2^31) equals gemmlowp's nudge-and-truncate (m != int.MinValue).
        var nudge = Vector128.Create(1L << 30);
        var lo = (Vector128.WidenLower(x) * Vector128.WidenLower(mult) + nudge) >> 31;
        var hi = (Vector128.WidenUpper(x) * Vector128.WidenUpper(mult) + nudge) >> 31;
        x = Vector128.Narrow(lo, hi);
        // RoundingDivideByPOT, ties away from zero (upward: ties toward +infinity, SRSHL).
        var remainder = x & mask;
        var threshold = upward ? halfMask : halfMask - Vector128.LessThan(x, Vector128<int>.Zero); // + 1 when x < 0
        return ShiftRightArithmeticPerLane(x, right) - Vector128.GreaterThan(remainder, threshold);
    }

    /// <summary>ruy's single rounding on 4 lanes: (x*m + 2^(total-1)) &gt;&gt; total on the exact 64-bit product, truncated to 32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> SinglePortable(Vector128<int> x, Vector128<int> mult, Vector128<int> total)
    {
        var tl = Vector128.WidenLower(total);
        var th = Vector128.WidenUpper(total);
        var lo = Vector128.WidenLower(x) * Vector128.WidenLower(mult);
        var hi = Vector128.WidenUpper(x) * Vector128.WidenUpper(mult);
        // |x*m| < 2^62 and the rounding term is at most 2^61: no overflow.
        lo = ShiftRightArithmeticPerLane64(lo + RoundTerm(tl), tl);
        hi = ShiftRightArithmeticPerLane64(hi + RoundTerm(th), th);
        return Vector128.Narrow(lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<long> RoundTerm(Vector128<long> total)
    {
        // 2^(total-1) for total in 1..62, from the binary digits of total-1.
        var e = total - Vector128<long>.One;
        var r = Vector128<long>.One;
        for (int bit = 0; bit < 6; bit++)
        {
            var b = Vector128.Create(1L << bit);
            r = Vector128.ConditionalSelect(Vector128.Equals(e & b, b), r << (1 << bit), r);
        }
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<long> ShiftRightArithmeticPerLane64(Vector128<long> x, Vector128<long> count)
    {
        for (int bit = 0; bit < 6; bit++)
        {
            var b = Vector128.Create(1L << bit);
            x = Vector128.ConditionalSelect(Vector128.Equals(count & b, b), x >> (1 << bit), x);
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ShiftRightArithmeticPerLane(Vector128<int> x, Vector128<int> count)
    {
        // Vector128 has no per-lane variable shift: apply the five binary digits of the count.
        var b = Vector128.Create(1);
        x = Vector128.ConditionalSelect(Vector128.Equals(count & b, b), x >> 1, x);
        b = Vector128.Create(2);
        x = Vector128.ConditionalSelect(Vector128.Equals(count & b, b), x >> 2, x);
        b = Vector128.Create(4);
        x = Vector128.ConditionalSelect(Vector128.Equals(count & b, b), x >> 4, x);
        b = Vector128.Create(8);
        x = Vector128.ConditionalSelect(Vector128.Equals(count & b, b), x >> 8, x);
        b = Vector128.Create(16);
        return Vector128.ConditionalSelect(Vector128.Equals(count & b, b), x >> 16, x);
    }

    // ---------------------------------------------------------------- AVX2

    private static void RowAvx2<TPolicy>(int* acc, int count, int c0, int corr, RequantTable t, in RequantPointers p, byte* dst) where TPolicy : struct, IRequantPolicy
    {
        fixed (int* b = t.Bias)
        {
            var zp = Vector256.Create(t.OutputZeroPoint);
            var min = Vector256.Create(t.Min);
            var max = Vector256.Create(t.Max);
            var vc = Vector256.Create(corr);
            for (int i = 0; i < count; i += 16)
            {
                int o = c0 + i;
                var x0 = TPolicy.Avx2(Avx2.Add(Avx2.Add(Vector256.Load(acc + i), Vector256.Load(b + o)), vc), p, o);
                var x1 = TPolicy.Avx2(Avx2.Add(Avx2.Add(Vector256.Load(acc + i + 8), Vector256.Load(b + o + 8)), vc), p, o + 8);
                x0 = Avx2.Min(Avx2.Max(Avx2.Add(x0, zp), min), max);
                x1 = Avx2.Min(Avx2.Max(Avx2.Add(x1, zp), min), max);
                var s = Vector256.Narrow(x0, x1);
                StoreBytes(Vector128.Narrow(s.GetLower(), s.GetUpper()).AsByte(), dst + i, count - i);
            }
        }
    }

    /// <summary>MultiplyByQuantizedMultiplier on 8 lanes: vpsllvd, two vpmuldq for the Q31 high product, vpsravd plus the away-from-zero fix-up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MbqmAvx2(Vector256<int> x, Vector256<int> mult, Vector256<int> left, Vector256<int> right, Vector256<int> mask, Vector256<int> halfMask, bool upward = false)
    {
        x = Avx2.ShiftLeftLogicalVariable(x, left.AsUInt32());
        var nudge = Vector256.Create(1L << 30);
        var even = Avx2.Add(Avx2.Multiply(x, mult), nudge);
        var odd = Avx2.Add(Avx2.Multiply(Avx2.Shuffle(x, 0xF5), Avx2.Shuffle(mult, 0xF5)), nudge);
        // even lanes: bits 31..62 of the 64-bit sum moved to the low half; odd lanes: to the high half.
        x = Avx2.Blend(Avx2.ShiftRightLogical(even, 31).AsInt32(), Avx2.ShiftLeftLogical(odd, 1).AsInt32(), 0b1010_1010);
        var remainder = Avx2.And(x, mask);
        var threshold = upward ? halfMask : Avx2.Subtract(halfMask, Avx2.CompareGreaterThan(Vector256<int>.Zero, x));
        return Avx2.Subtract(Avx2.ShiftRightArithmeticVariable(x, right.AsUInt32()), Avx2.CompareGreaterThan(remainder, threshold));
    }

    /// <summary>
    /// ruy's single rounding on 8 lanes: vpmuldq on even and odd lanes gives the exact 64-bit products; AVX2 has no
    /// 64-bit arithmetic shift, so the sum is biased by 2^63, shifted logically (vpsrlvq) and unbiased by 2^(63-total).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SingleAvx2(Vector256<int> x, Vector256<int> mult, Vector256<int> total)
    {
        var even = Avx2.Multiply(x, mult);
        var odd = Avx2.Multiply(Avx2.Shuffle(x, 0xF5), Avx2.Shuffle(mult, 0xF5));
        var te = Avx2.And(total.AsUInt64(), Vector256.Create(0xFFFF_FFFFUL));
        var to = Avx2.ShiftRightLogical(total.AsUInt64(), 32);
        even = ShiftRightRounding64(even, te);
        odd = ShiftRightRounding64(odd, to);
        return Avx2.Blend(even.AsInt32(), Avx2.ShiftLeftLogical(odd, 32).AsInt32(), 0b1010_1010);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> ShiftRightRounding64(Vector256<long> p, Vector256<ulong> total)
    {
        var sign = Vector256.Create(long.MinValue);
        var round = Avx2.ShiftRightLogical(Avx2.ShiftLeftLogicalVariable(Vector256<long>.One, total), 1);
        var biased = Avx2.Add(Avx2.Add(p, round), sign);
        return Avx2.Subtract(Avx2.ShiftRightLogicalVariable(biased, total), Avx2.ShiftRightLogicalVariable(sign, total));
    }

    // ---------------------------------------------------------------- ARM64 AdvSimd

    private static void RowAdvSimd<TPolicy>(int* acc, int count, int c0, int corr, RequantTable t, in RequantPointers p, byte* dst) where TPolicy : struct, IRequantPolicy
    {
        fixed (int* b = t.Bias)
        {
            var zp = Vector128.Create(t.OutputZeroPoint);
            var min = Vector128.Create(t.Min);
            var max = Vector128.Create(t.Max);
            var vc = Vector128.Create(corr);
            for (int i = 0; i < count; i += 16)
            {
                int o = c0 + i;
                var x0 = TPolicy.AdvSimd(AdvSimd.Add(AdvSimd.Add(AdvSimd.LoadVector128(acc + i), AdvSimd.LoadVector128(b + o)), vc), TPolicy.LoadAdvSimd(p, o));
                var x1 = TPolicy.AdvSimd(AdvSimd.Add(AdvSimd.Add(AdvSimd.LoadVector128(acc + i + 4), AdvSimd.LoadVector128(b + o + 4)), vc), TPolicy.LoadAdvSimd(p, o + 4));
                var x2 = TPolicy.AdvSimd(AdvSimd.Add(AdvSimd.Add(AdvSimd.LoadVector128(acc + i + 8), AdvSimd.LoadVector128(b + o + 8)), vc), TPolicy.LoadAdvSimd(p, o + 8));
                var x3 = TPolicy.AdvSimd(AdvSimd.Add(AdvSimd.Add(AdvSimd.LoadVector128(acc + i + 12), AdvSimd.LoadVector128(b + o + 12)), vc), TPolicy.LoadAdvSimd(p, o + 12));
                x0 = AdvSimd.Min(AdvSimd.Max(AdvSimd.Add(x0, zp), min), max);
                x1 = AdvSimd.Min(AdvSimd.Max(AdvSimd.Add(x1, zp), min), max);
                x2 = AdvSimd.Min(AdvSimd.Max(AdvSimd.Add(x2, zp), min), max);
                x3 = AdvSimd.Min(AdvSimd.Max(AdvSimd.Add(x3, zp), min), max);
                var s01 = AdvSimd.ExtractNarrowingUpper(AdvSimd.ExtractNarrowingLower(x0), x1);
                var s23 = AdvSimd.ExtractNarrowingUpper(AdvSimd.ExtractNarrowingLower(x2), x3);
                StoreBytes(AdvSimd.ExtractNarrowingUpper(AdvSimd.ExtractNarrowingLower(s01), s23).AsByte(), dst + i, count - i);
            }
        }
    }

    /// <summary>gemmlowp's NEON sequence: SSHL, SQRDMULH (== SaturatingRoundingDoublingHighMul), sign fix-up, SRSHL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MbqmAdvSimd(Vector128<int> x, Vector128<int> mult, Vector128<int> left, Vector128<int> negRight, bool upward = false)
    {
        x = AdvSimd.ShiftArithmetic(x, left);
        x = AdvSimd.MultiplyRoundedDoublingSaturateHigh(x, mult);
        if (upward) return AdvSimd.ShiftArithmeticRounded(x, negRight);
        // SRSHL rounds ties up; subtracting 1 from negative x first (only when shifting) makes ties go away from zero.
        var fixup = AdvSimd.ShiftRightArithmetic(AdvSimd.And(x, negRight), 31);
        x = AdvSimd.AddSaturate(x, fixup);
        return AdvSimd.ShiftArithmeticRounded(x, negRight);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(Vector128<byte> v, byte* dst, int remaining)
    {
        if (remaining >= 16)
        {
            v.Store(dst);
            return;
        }
        byte* tmp = stackalloc byte[16];
        v.Store(tmp);
        for (int i = 0; i < remaining; i++) dst[i] = tmp[i];
    }
}
