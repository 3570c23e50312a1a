using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

// The operator structs of the fused AVX2 depthwise kernel (Avx2DepthwiseRows): input type, multiply-add, requantization.

/// <summary>How input bytes are read (int8 as x ^ 0x80 = x + 128, so both types zero-extend) and outputs narrowed.</summary>
internal unsafe interface IDwInput
{
    static abstract Vector256<byte> Load(byte* p);
    static abstract Vector128<byte> Load128(byte* p);
    /// <summary>8 bytes zero-extended to dwords.</summary>
    static abstract Vector256<int> Load8(byte* p);
    static abstract Vector256<byte> Narrow(Vector256<short> a, Vector256<short> b, Vector256<byte> min, Vector256<byte> max);
    static abstract Vector128<byte> Narrow(Vector128<short> a, Vector128<short> b, Vector128<byte> min, Vector128<byte> max);
}

internal unsafe struct DwU8 : IDwInput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(byte* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load128(byte* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load8(byte* p) => Avx2.ConvertToVector256Int32(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Narrow(Vector256<short> a, Vector256<short> b, Vector256<byte> min, Vector256<byte> max)
        => Avx2.Min(Avx2.Max(Avx2.PackUnsignedSaturate(a, b), min), max);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> a, Vector128<short> b, Vector128<byte> min, Vector128<byte> max)
        => Sse2.Min(Sse2.Max(Sse2.PackUnsignedSaturate(a, b), min), max);
}

internal unsafe struct DwS8 : IDwInput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(byte* p) => Avx2.Xor(Vector256.Load(p), Vector256.Create((byte)0x80));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load128(byte* p) => Sse2.Xor(Vector128.Load(p), Vector128.Create((byte)0x80));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load8(byte* p) => Avx2.Xor(Avx2.ConvertToVector256Int32(p), Vector256.Create(0x80));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Narrow(Vector256<short> a, Vector256<short> b, Vector256<byte> min, Vector256<byte> max)
        => Avx2.Min(Avx2.Max(Avx2.PackSignedSaturate(a, b), min.AsSByte()), max.AsSByte()).AsByte();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> a, Vector128<short> b, Vector128<byte> min, Vector128<byte> max)
        => Sse41.Min(Sse41.Max(Sse2.PackSignedSaturate(a, b), min.AsSByte()), max.AsSByte()).AsByte();
}

/// <summary>acc + the int16 pair dot products of x and w, per int32 lane (exact: |products| &lt;= 2 * 255 * 255).</summary>
internal interface IDwMac
{
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<short> x, Vector256<short> w);
}

internal struct DwMadd : IDwMac
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<short> x, Vector256<short> w) => Avx2.Add(acc, Avx2.MultiplyAddAdjacent(x, w));
}

internal struct DwVnni : IDwMac
{
    /// <summary>vpdpwssd (non-saturating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<short> x, Vector256<short> w) => AvxVnni.MultiplyWideningAndAdd(acc, x, w);
}

/// <summary>Requantization of 8 accumulators (bias included) whose constants sit at offset o of the tables; no zero point or clamp.</summary>
internal unsafe interface IDwRequant
{
    /// <summary>True when every result is within +-2^30 (right shift of at least 1), see PackWithZeroPoint.</summary>
    static abstract bool SmallResult { get; }

    static abstract Vector256<int> Apply(Vector256<int> x, DwContext* k, DwTables* t, int o);
}

/// <summary>Shared part of the double rounding: SaturatingRoundingDoublingHighMul as floor((x*m + 2^30) / 2^31) via vpmuldq.</summary>
internal static class DwFixedPoint
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> HighMul(Vector256<int> x, Vector256<int> m, Vector256<int> mOdd)
    {
        var nudge = Vector256.Create(1L << 30);
        var even = Avx2.Add(Avx2.Multiply(x, m), nudge);
        var odd = Avx2.Add(Avx2.Multiply(Avx2.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), mOdd), nudge);
        // Bits 31..62 of each 64-bit sum: even lanes moved down to the low dword, odd lanes up to the high dword.
        return Avx2.Blend(Avx2.ShiftRightLogical(even, 31).AsInt32(), Avx2.ShiftLeftLogical(odd, 1).AsInt32(), 0b1010_1010);
    }

    /// <summary>
    /// RoundingDivideByPOT (ties away from zero) as sign(h) * ((|h| + add) &gt;&gt; right), add = 2^(right-1) (0 if right = 0):
    /// |h| &lt;= 2^31 and add &lt;= 2^30 fit in uint32; vpsignd gives 0 for h = 0 and keeps int.MinValue when right = 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Away(Vector256<int> h, Vector256<uint> add, Vector256<uint> right)
        => Avx2.Sign(Avx2.ShiftRightLogicalVariable(Avx2.Add(Avx2.Abs(h), add), right).AsInt32(), h);
}

/// <summary>One multiplier, right shift r &gt;= 1: broadcast constants, no tables.</summary>
internal unsafe struct DwAwayTensor : IDwRequant
{
    public static bool SmallResult => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Apply(Vector256<int> x, DwContext* k, DwTables* t, int o)
    {
        var m = Vector256.Create(k->TensorMultiplier);
        var h = DwFixedPoint.HighMul(x, m, m);
        return Avx2.Sign(Avx2.ShiftRightLogical(Avx2.Add(Avx2.Abs(h), Vector256.Create((uint)k->TensorAdd)), Vector128.CreateScalar((uint)k->TensorRight)).AsInt32(), h);
    }
}

/// <summary>Per-channel multipliers, right shifts &gt;= 1.</summary>
internal unsafe struct DwAwayRightOnly : IDwRequant
{
    public static bool SmallResult => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Apply(Vector256<int> x, DwContext* k, DwTables* t, int o)
    {
        var h = DwFixedPoint.HighMul(x, Vector256.Load(t->M + o), Vector256.Load(t->MOdd + o));
        return DwFixedPoint.Away(h, Vector256.Load((uint*)t->Add + o), Vector256.Load((uint*)t->Right + o));
    }
}

/// <summary>Any shifts (left shifts wrap like the reference's x * (1 &lt;&lt; left)).</summary>
internal unsafe struct DwAway : IDwRequant
{
    public static bool SmallResult => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Apply(Vector256<int> x, DwContext* k, DwTables* t, int o)
    {
        x = Avx2.ShiftLeftLogicalVariable(x, Vector256.Load((uint*)t->Left + o));
        var h = DwFixedPoint.HighMul(x, Vector256.Load(t->M + o), Vector256.Load(t->MOdd + o));
        return DwFixedPoint.Away(h, Vector256.Load((uint*)t->Add + o), Vector256.Load((uint*)t->Right + o));
    }
}

internal unsafe struct DwUpward : IDwRequant
{
    public static bool SmallResult => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Apply(Vector256<int> x, DwContext* k, DwTables* t, int o)
        => Requantizer.MbqmAvx2(x, Vector256.Load(t->M + o), Vector256.Load(t->Left + o), Vector256.Load(t->Right + o),
            Vector256.Load(t->Mask + o), Vector256.Load(t->HalfMask + o), upward: true);
}

internal unsafe struct DwSingle : IDwRequant
{
    public static bool SmallResult => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Apply(Vector256<int> x, DwContext* k, DwTables* t, int o)
        => Requantizer.SingleAvx2(x, Vector256.Load(t->M + o), Vector256.Load(t->Total + o));
}
