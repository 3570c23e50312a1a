using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Neon = System.Runtime.Intrinsics.Arm.AdvSimd;
using X86 = System.Runtime.Intrinsics.X86.Avx2;

namespace EdgeRuntime.Kernels.Requantization;

// The requantization policies, defined once for every kernel (GEMM on every ISA, fused depthwise on AVX2 and AdvSimd,
// the requantize-a-row pass of Requantizer). Each is a struct type argument with static abstract members per ISA
// (the .NET TensorPrimitives operator-struct pattern): a kernel's loop is generic over the policy, the JIT/ILC
// specialises and inlines it, so the loop has no rounding branch and no call. Each member is bit-exact with
// Requantize.Apply(x, multiplier, shift, Rounding) for the shifts its policy admits (RequantPoliciesTests checks that).

/// <summary>
/// The per-channel tables of one requantization, pinned for a run; each kernel points at the tables it keeps (null where
/// not stored) in its own channel order. A policy reads only the ones it needs.
/// </summary>
internal unsafe struct RequantPointers
{
    /// <summary>Q31 multipliers; <see cref="MultOdd"/>[c] = Mult[c + 1] (vpmuldq reads the even dwords).</summary>
    public int* Mult, MultOdd;
    /// <summary>Left shift, 2^left (Vector128 multiply), right shift and -right shift of each channel.</summary>
    public int* Left, LeftMul, Right, NegRight;
    /// <summary>2^(right-1) (0 when right = 0), 2^right - 1 and its half: RoundingDivideByPOT's constants.</summary>
    public int* Add, Mask, Half;
    /// <summary>Single rounding's right shift of the 64-bit product, 31 - shift, and its negation.</summary>
    public int* Total, NegTotal;
    /// <summary>Per tensor (one multiplier, right shift &gt;= 1): the constants broadcast instead of loaded.</summary>
    public int TensorMultiplier, TensorRight, TensorAdd;

    /// <summary>The tables of a <see cref="RequantTable"/> in channel order (MultOdd and Add are not kept there).</summary>
    public static RequantPointers Of(RequantTable t, int* mult, int* left, int* leftMul, int* right, int* negRight, int* mask, int* half, int* total, int* negTotal) => new()
    {
        Mult = mult, Left = left, LeftMul = leftMul, Right = right, NegRight = negRight, Mask = mask, Half = half, Total = total, NegTotal = negTotal,
        TensorMultiplier = t.Multiplier[0], TensorRight = t.RightShift[0], TensorAdd = t.RightShift[0] == 0 ? 0 : 1 << (t.RightShift[0] - 1),
    };
}

/// <summary>Constants of 4 channels in AdvSimd registers, loaded once per tile (what each holds depends on the policy).</summary>
internal struct RequantLanes
{
    public Vector128<int> Mult, Shift, Left;
}

/// <summary>One rounding policy on every ISA. Results exclude the output zero point and the clamp (the kernel adds them).</summary>
internal unsafe interface IRequantPolicy
{
    /// <summary>The rounding this policy computes.</summary>
    static abstract RequantizeRounding Rounding { get; }

    /// <summary>
    /// True when the policy needs every shift to be a right shift of at least 1: then every result lies in [-2^30, 2^30],
    /// v + zp cannot wrap in int32, and saturating v to int16 before adding zp cannot change the clamped byte (the clamp
    /// bounds are bytes, a saturated v is at least 32767 - 128 or at most -32768 + 255, outside every clamp).
    /// </summary>
    static abstract bool RightShiftsOnly { get; }

    /// <summary>The definition, one accumulator.</summary>
    static abstract int Scalar(int x, int multiplier, int shift);

    /// <summary>Vector128 generic API only (any CPU): 4 channels from c.</summary>
    static abstract Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c);

    /// <summary>ARM64: the constants of 4 channels from c, loaded once per tile.</summary>
    static abstract RequantLanes LoadAdvSimd(in RequantPointers p, int c);

    /// <summary>ARM64 AdvSimd: 4 accumulators with constants from <see cref="LoadAdvSimd"/>.</summary>
    static abstract Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q);

    /// <summary>x86 AVX2: 8 channels from c.</summary>
    static abstract Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c);
}

/// <summary>
/// gemmlowp / TFLite MultiplyByQuantizedMultiplier, any shift: SaturatingRoundingDoublingHighMul then RoundingDivideByPOT,
/// ties away from zero (<see cref="RequantizeRounding.DoubleAwayFromZero"/>).
/// </summary>
internal unsafe struct AwayFromZero : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.DoubleAwayFromZero;
    public static bool RightShiftsOnly => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => FixedPoint.MultiplyByQuantizedMultiplier(x, multiplier, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => Requantizer.MbqmPortable(x, Vector128.Load(p.Mult + c),
        Vector128.Load(p.LeftMul + c), Vector128.Load(p.Right + c), Vector128.Load(p.Mask + c), Vector128.Load(p.Half + c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c)
        => new() { Mult = Neon.LoadVector128(p.Mult + c), Shift = Neon.LoadVector128(p.NegRight + c), Left = Neon.LoadVector128(p.Left + c) };

    /// <summary>gemmlowp's NEON sequence: SSHL, SQRDMULH, sign fix-up (only where shifting right), SRSHL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q) => Requantizer.MbqmAdvSimd(x, q.Mult, q.Left, q.Shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c) => Requantizer.MbqmAvx2(x, Vector256.Load(p.Mult + c),
        Vector256.Load(p.Left + c), Vector256.Load(p.Right + c), Vector256.Load(p.Mask + c), Vector256.Load(p.Half + c));
}

/// <summary>Double rounding with ties toward +infinity (kUpward, <see cref="RequantizeRounding.DoubleUpward"/>), any shift.</summary>
internal unsafe struct Upward : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.DoubleUpward;
    public static bool RightShiftsOnly => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => Requantize.Apply(x, multiplier, shift, RequantizeRounding.DoubleUpward);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => Requantizer.MbqmPortable(x, Vector128.Load(p.Mult + c),
        Vector128.Load(p.LeftMul + c), Vector128.Load(p.Right + c), Vector128.Load(p.Mask + c), Vector128.Load(p.Half + c), upward: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c) => AwayFromZero.LoadAdvSimd(p, c);

    /// <summary>SSHL, SQRDMULH, SRSHL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q) => Requantizer.MbqmAdvSimd(x, q.Mult, q.Left, q.Shift, upward: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c) => Requantizer.MbqmAvx2(x, Vector256.Load(p.Mult + c),
        Vector256.Load(p.Left + c), Vector256.Load(p.Right + c), Vector256.Load(p.Mask + c), Vector256.Load(p.Half + c), upward: true);
}

/// <summary>ruy's single rounding of the exact 64-bit product, ties up (<see cref="RequantizeRounding.Single"/>), any shift.</summary>
internal unsafe struct SingleRounding : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.Single;
    public static bool RightShiftsOnly => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => Requantize.Apply(x, multiplier, shift, RequantizeRounding.Single);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c)
        => Requantizer.SinglePortable(x, Vector128.Load(p.Mult + c), Vector128.Load(p.Total + c));

    /// <summary>Shift and Left hold the 64-bit shift counts -(31 - shift) of lanes 0-1 and 2-3 (sign-extended once per tile).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c)
    {
        var total = Neon.LoadVector128(p.NegTotal + c);
        return new()
        {
            Mult = Neon.LoadVector128(p.Mult + c),
            Shift = Neon.SignExtendWideningLower(total.GetLower()).AsInt32(),
            Left = Neon.SignExtendWideningUpper(total).AsInt32(),
        };
    }

    /// <summary>SMULL/SMULL2 to the exact 64-bit products, SRSHL by -(31 - shift) (ties up), XTN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q)
    {
        var lo = Neon.ShiftArithmeticRounded(Neon.MultiplyWideningLower(x.GetLower(), q.Mult.GetLower()), q.Shift.AsInt64());
        var hi = Neon.ShiftArithmeticRounded(Neon.MultiplyWideningUpper(x, q.Mult), q.Left.AsInt64());
        return Neon.ExtractNarrowingUpper(Neon.ExtractNarrowingLower(lo), hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c)
        => Requantizer.SingleAvx2(x, Vector256.Load(p.Mult + c), Vector256.Load(p.Total + c));
}

/// <summary>
/// <see cref="AwayFromZero"/> when every channel shifts right (r &gt;= 1; converter output).
/// AdvSimd: SQRDMULH, SSRA #31 (x - 1 where x &lt; 0), SRSHL by -r. SQRDMULH never returns int.MinValue for a multiplier
/// other than int.MinValue (|x*m| &lt;= 2^31 (2^31 - 1)), so x - 1 cannot wrap; and SRSHL's ties-up rounding of x - 1 for
/// negative x is the ties-away rounding of x when r &gt;= 1 (the gemmlowp fix-up without the mask).
/// AVX2: the high product as floor((x*m + 2^30) / 2^31) via vpmuldq on even and odd lanes (MultOdd), then
/// RoundingDivideByPOT as sign(h) * ((|h| + Add) &gt;&gt; r): |h| &lt;= 2^31 and Add &lt;= 2^30 fit in uint32, vpsignd gives 0 for h = 0.
/// </summary>
internal unsafe struct AwayFromZeroRight : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.DoubleAwayFromZero;
    public static bool RightShiftsOnly => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => FixedPoint.MultiplyByQuantizedMultiplier(x, multiplier, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => AwayFromZero.Portable(x, p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c)
        => new() { Mult = Neon.LoadVector128(p.Mult + c), Shift = Neon.LoadVector128(p.NegRight + c) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q)
    {
        x = Neon.MultiplyRoundedDoublingSaturateHigh(x, q.Mult);
        x = Neon.ShiftRightArithmeticAdd(x, x, 31);
        return Neon.ShiftArithmeticRounded(x, q.Shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c)
        => DivideAway(HighMul(x, Vector256.Load(p.Mult + c), Vector256.Load(p.MultOdd + c)), Vector256.Load((uint*)p.Add + c), Vector256.Load((uint*)p.Right + c));

    /// <summary>SaturatingRoundingDoublingHighMul as floor((x*m + 2^30) / 2^31) (m != int.MinValue); mOdd holds the odd lanes' multipliers in the even dwords.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> HighMul(Vector256<int> x, Vector256<int> m, Vector256<int> mOdd)
    {
        var nudge = Vector256.Create(1L << 30);
        var even = X86.Add(X86.Multiply(x, m), nudge);
        var odd = X86.Add(X86.Multiply(X86.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), mOdd), nudge);
        // Bits 31..62 of each 64-bit sum: even lanes moved down to the low dword, odd lanes up to the high dword.
        return X86.Blend(X86.ShiftRightLogical(even, 31).AsInt32(),
            X86.ShiftLeftLogical(odd, 1).AsInt32(), 0b1010_1010);
    }

    /// <summary>RoundingDivideByPOT, ties away from zero, as sign(h) * ((|h| + add) &gt;&gt; right).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> DivideAway(Vector256<int> h, Vector256<uint> add, Vector256<uint> right)
        => X86.Sign(X86.ShiftRightLogicalVariable(X86.Add(X86.Abs(h), add), right).AsInt32(), h);
}

/// <summary>
/// <see cref="AwayFromZeroRight"/> with the AdvSimd fix-up as a compare and an add (x + (x &lt; 0 ? -1 : 0), the same value)
/// instead of SSRA, for the 8x8 dot tile: there the shifts and saturating narrows of 64 outputs queue for one pipe (V1 on
/// the A76, the A57 model's X), and moving 16 SSRA off it wins although the JIT emits MOVI + CMGT + ADD (llvm-mca
/// RThroughput of the tile's requantization 72 -> 58 cycles). On the A72 4x4 tile it loses (26 -> 29): that keeps SSRA.
/// </summary>
internal unsafe struct AwayFromZeroRightCompare : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.DoubleAwayFromZero;
    public static bool RightShiftsOnly => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => FixedPoint.MultiplyByQuantizedMultiplier(x, multiplier, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => AwayFromZero.Portable(x, p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c) => AwayFromZeroRight.LoadAdvSimd(p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q)
    {
        x = Neon.MultiplyRoundedDoublingSaturateHigh(x, q.Mult);
        x = Neon.Add(x, Neon.CompareLessThan(x, Vector128<int>.Zero));
        return Neon.ShiftArithmeticRounded(x, q.Shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c) => AwayFromZeroRight.Avx2(x, p, c);
}

/// <summary>
/// <see cref="AwayFromZeroRight"/> with one multiplier and right shift for the whole tensor: broadcast constants
/// (<see cref="RequantPointers.TensorMultiplier"/>...), no table loads.
/// </summary>
internal unsafe struct AwayFromZeroTensor : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.DoubleAwayFromZero;
    public static bool RightShiftsOnly => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => FixedPoint.MultiplyByQuantizedMultiplier(x, multiplier, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => AwayFromZero.Portable(x, p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c)
        => new() { Mult = Vector128.Create(p.TensorMultiplier), Shift = Vector128.Create(-p.TensorRight) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q) => AwayFromZeroRight.AdvSimd(x, q);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c)
    {
        var m = Vector256.Create(p.TensorMultiplier);
        var h = AwayFromZeroRight.HighMul(x, m, m);
        return X86.Sign(X86.ShiftRightLogical(
            X86.Add(X86.Abs(h), Vector256.Create((uint)p.TensorAdd)), Vector128.CreateScalar((uint)p.TensorRight)).AsInt32(), h);
    }
}

/// <summary><see cref="Upward"/> when every channel shifts right: AdvSimd SQRDMULH, SRSHL (other ISAs: the general form).</summary>
internal unsafe struct UpwardRight : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.DoubleUpward;
    public static bool RightShiftsOnly => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => Upward.Scalar(x, multiplier, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => Upward.Portable(x, p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c) => AwayFromZeroRight.LoadAdvSimd(p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q)
        => Neon.ShiftArithmeticRounded(Neon.MultiplyRoundedDoublingSaturateHigh(x, q.Mult), q.Shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c) => Upward.Avx2(x, p, c);
}

/// <summary>
/// <see cref="SingleRounding"/> when every channel shifts right (total = 31 + r, r &gt;= 1). AdvSimd: SQDMULH gives
/// z = floor(x*m / 2^31) exactly (no saturation: m != int.MinValue), and floor((x*m + 2^(30+r)) / 2^(31+r)) =
/// floor((z + 2^(r-1)) / 2^r) because 2^(30+r) is a multiple of 2^31 and nested floors compose; SRSHL by -r computes the
/// latter without overflow. Other ISAs: the general form.
/// </summary>
internal unsafe struct SingleRoundingRight : IRequantPolicy
{
    public static RequantizeRounding Rounding => RequantizeRounding.Single;
    public static bool RightShiftsOnly => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scalar(int x, int multiplier, int shift) => SingleRounding.Scalar(x, multiplier, shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Portable(Vector128<int> x, in RequantPointers p, int c) => SingleRounding.Portable(x, p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RequantLanes LoadAdvSimd(in RequantPointers p, int c) => AwayFromZeroRight.LoadAdvSimd(p, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> AdvSimd(Vector128<int> x, RequantLanes q)
        => Neon.ShiftArithmeticRounded(Neon.MultiplyDoublingSaturateHigh(x, q.Mult), q.Shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Avx2(Vector256<int> x, in RequantPointers p, int c) => SingleRounding.Avx2(x, p, c);
}
