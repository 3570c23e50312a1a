using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>
/// Same-shape quantized ADD on ARM64 AdvSimd (MobileNetV2's residual ADDs), 16 codes per step with every constant in a
/// register: (q - zp) by one USUBL/SSUBL per 8 codes, the left shift by 20 as SHL #4 on int16 and a ZIP with zero
/// (x &lt;&lt; 16 in the int32 lanes), gemmlowp's SQRDMULH + sign fix-up + SRSHL for the three rescales, then SQXTN to int16,
/// the output zero point with SQADD, SQXTUN/SQXTN to bytes and the clamp on bytes. Bit-exact with
/// <see cref="AddReference.AddOne"/> under <see cref="Applies"/>: |q - zp| &lt;= 255, so |(q - zp) &lt;&lt; 20| &lt; 2^28; a
/// multiplier below 2^31 and a right shift never grow a value, so the sum of the rescaled inputs and the rescaled sum stay
/// below 2^29 and adding the output zero point cannot wrap; an int16 saturation before adding it (|zp| &lt;= 255) lands
/// on the same side of the clamp as the exact value. Why no 64 KiB table as on x86: it does not fit a Cortex-A72 L1,
/// and its scalar loads and stores (5 instructions per code) cost more than this kernel's ~6 per code.
/// </summary>
internal static unsafe class QuantizedAddAdvSimd
{
    private static long s_runs;

    /// <summary>Calls so far in this process (the conformance suite checks that this path really ran).</summary>
    internal static long Runs => Volatile.Read(ref s_runs);

    /// <summary>True when the kernel is exact for <paramref name="p"/> (TFLite's 8-bit ADD parameters always qualify).</summary>
    public static bool Applies(in AddQuantParams p, bool signed)
    {
        int lo = signed ? -128 : 0, hi = signed ? 127 : 255;
        static bool Offset(int off, int lo, int hi) => Math.Abs(lo + off) <= 255 && Math.Abs(hi + off) <= 255;
        static bool Rescale(int m, int shift) => m >= 0 && shift <= 0 && shift >= -31;
        return p.LeftShift == AddQuantParams.LeftShift8Bit
            && Offset(p.Input1Offset, lo, hi) && Offset(p.Input2Offset, lo, hi)
            && Rescale(p.Input1Multiplier, p.Input1Shift) && Rescale(p.Input2Multiplier, p.Input2Shift) && Rescale(p.OutputMultiplier, p.OutputShift)
            && Math.Abs(p.OutputOffset) <= 255 && lo <= p.ActivationMin && p.ActivationMin <= p.ActivationMax && p.ActivationMax <= hi;
    }

    /// <summary>output[i] = ADD(a[i], b[i]) for i &lt; output.Length; the output may be either input.</summary>
    public static void Run(in AddQuantParams p, bool signed, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        int n = output.Length;
        if (a.Length < n || b.Length < n) throw new ArgumentException("ADD operands are shorter than the output");
        s_runs++; // a racy count is enough: it only has to move
        fixed (byte* pa = a, pb = b, po = output)
        {
            int i = signed ? Loop<ArmAddS8>(p, pa, pb, po, n) : Loop<ArmAddU8>(p, pa, pb, po, n);
            // The last codes (fewer than 16): an overlapping vector would re-read outputs written in place.
            for (; i < n; i++)
                po[i] = signed ? (byte)(sbyte)AddReference.AddOne((sbyte)pa[i], (sbyte)pb[i], p) : (byte)AddReference.AddOne(pa[i], pb[i], p);
        }
    }

    private static int Loop<T>(in AddQuantParams p, byte* pa, byte* pb, byte* po, int n) where T : struct, IArmAddCodes
    {
        var zpa = Vector128.Create(T.ZeroPointByte(-p.Input1Offset));
        var zpb = Vector128.Create(T.ZeroPointByte(-p.Input2Offset));
        // Separate 64-bit copies for USUBL (GetLower of a live register costs a MOV), and a zero the JIT cannot
        // rematerialise as MOVI inside the loop (LeftShift is 20 here: see Applies).
        var zpa64 = Vector64.Create(T.ZeroPointByte(-p.Input1Offset));
        var zpb64 = Vector64.Create(T.ZeroPointByte(-p.Input2Offset));
        var zero = Vector128.Create(p.LeftShift - AddQuantParams.LeftShift8Bit).AsInt16();
        var m1 = Vector128.Create(p.Input1Multiplier);
        var m2 = Vector128.Create(p.Input2Multiplier);
        var mo = Vector128.Create(p.OutputMultiplier);
        var n1 = Vector128.Create(p.Input1Shift); // -exponent: SRSHL by a negative count is a rounding right shift
        var n2 = Vector128.Create(p.Input2Shift);
        var no = Vector128.Create(p.OutputShift);
        var ozp = Vector128.Create((short)p.OutputOffset);
        var min = Vector128.Create(T.ZeroPointByte(p.ActivationMin));
        var max = Vector128.Create(T.ZeroPointByte(p.ActivationMax));
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var va = AdvSimd.LoadVector128(pa + i);
            var vb = AdvSimd.LoadVector128(pb + i);
            T.Centered(va, zpa, zpa64, out var al, out var ah);
            T.Centered(vb, zpb, zpb64, out var bl, out var bh);
            var s0 = Sum(al, bl, zero, m1, n1, m2, n2, mo, no, lower: true);
            var s1 = Sum(al, bl, zero, m1, n1, m2, n2, mo, no, lower: false);
            var s2 = Sum(ah, bh, zero, m1, n1, m2, n2, mo, no, lower: true);
            var s3 = Sum(ah, bh, zero, m1, n1, m2, n2, mo, no, lower: false);
            var lo = AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(s0), s1), ozp);
            var hi = AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(s2), s3), ozp);
            AdvSimd.Store(po + i, T.Narrow(lo, hi, min, max));
        }
        return i;
    }

    /// <summary>Four codes of each input (lanes 0..3 or 4..7 of the int16 (q - zp) * 16 vectors) to the rescaled sum, before the output zero point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Sum(Vector128<short> a16, Vector128<short> b16, Vector128<short> zero, Vector128<int> m1, Vector128<int> n1, Vector128<int> m2, Vector128<int> n2,
        Vector128<int> mo, Vector128<int> no, bool lower)
    {
        // ZIP with zero puts each int16 in the high half of an int32 lane: (q - zp) * 16 << 16 = (q - zp) << 20.
        var a = (lower ? AdvSimd.Arm64.ZipLow(zero, a16) : AdvSimd.Arm64.ZipHigh(zero, a16)).AsInt32();
        var b = (lower ? AdvSimd.Arm64.ZipLow(zero, b16) : AdvSimd.Arm64.ZipHigh(zero, b16)).AsInt32();
        var s = AdvSimd.Add(Rescale(a, m1, n1), Rescale(b, m2, n2));
        return Rescale(s, mo, no);
    }

    /// <summary>MultiplyByQuantizedMultiplierSmallerThanOneExp: SQRDMULH, then RoundingDivideByPOT as gemmlowp's NEON code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Rescale(Vector128<int> x, Vector128<int> m, Vector128<int> negExponent)
    {
        x = AdvSimd.MultiplyRoundedDoublingSaturateHigh(x, m);
        var fixup = AdvSimd.ShiftRightArithmetic(AdvSimd.And(x, negExponent), 31);
        return AdvSimd.ShiftArithmeticRounded(AdvSimd.AddSaturate(x, fixup), negExponent);
    }
}

/// <summary>uint8 or int8 codes: (q - zp) * 16 as int16, and the int16 -> byte saturation plus clamp.</summary>
internal interface IArmAddCodes
{
    static abstract byte ZeroPointByte(int value);
    static abstract void Centered(Vector128<byte> q, Vector128<byte> zp, Vector64<byte> zp64, out Vector128<short> lo, out Vector128<short> hi);
    static abstract Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi, Vector128<byte> min, Vector128<byte> max);
}

internal struct ArmAddU8 : IArmAddCodes
{
    public static byte ZeroPointByte(int value) => (byte)value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Centered(Vector128<byte> q, Vector128<byte> zp, Vector64<byte> zp64, out Vector128<short> lo, out Vector128<short> hi)
    {
        // uint16 wrap-around of q - zp is the right int16 (|q - zp| <= 255); * 16 stays within int16. Upper half first:
        // q's lower half is then its last use (no MOV).
        hi = AdvSimd.ShiftLeftLogical(AdvSimd.SubtractWideningUpper(q, zp).AsInt16(), 4);
        lo = AdvSimd.ShiftLeftLogical(AdvSimd.SubtractWideningLower(q.GetLower(), zp64).AsInt16(), 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi, Vector128<byte> min, Vector128<byte> max)
        => AdvSimd.Min(AdvSimd.Max(AdvSimd.ExtractNarrowingSaturateUnsignedUpper(AdvSimd.ExtractNarrowingSaturateUnsignedLower(lo), hi), min), max);
}

internal struct ArmAddS8 : IArmAddCodes
{
    public static byte ZeroPointByte(int value) => (byte)(sbyte)value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Centered(Vector128<byte> q, Vector128<byte> zp, Vector64<byte> zp64, out Vector128<short> lo, out Vector128<short> hi)
    {
        hi = AdvSimd.ShiftLeftLogical(AdvSimd.SubtractWideningUpper(q.AsSByte(), zp.AsSByte()), 4);
        lo = AdvSimd.ShiftLeftLogical(AdvSimd.SubtractWideningLower(q.AsSByte().GetLower(), zp64.AsSByte()), 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi, Vector128<byte> min, Vector128<byte> max)
        => AdvSimd.Min(AdvSimd.Max(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(lo), hi), min.AsSByte()), max.AsSByte()).AsByte();
}
