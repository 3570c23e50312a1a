using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels.Requantization;

/// <summary>
/// A cheaper form of the double-rounding requantization (<see cref="RequantizeRounding.DoubleAwayFromZero"/> and
/// <see cref="RequantizeRounding.DoubleUpward"/>) that gives the same bytes, for layers where it applies.
/// <para>
/// The output is clamped to [min, max] and, for a positive multiplier, requantization is monotone in the
/// accumulator x; so every x below <see cref="XLo"/> (the last x giving min) gives min, and every x above
/// <see cref="XHi"/> (the first giving max) gives max: clamping x to [XLo, XHi] first changes no output. Where that
/// window lies inside (-2^15, 2^15) the Q31 high product needs no 64-bit multiply. With M = Mh * 2^16 + Ml
/// (0 &lt;= Ml &lt; 2^16): x*M + 2^30 = (x*Mh + floor(x*Ml / 2^16) + 2^14) * 2^16 + (x*Ml mod 2^16), and the last
/// term is below 2^16, so floor((x*M + 2^30) / 2^31) = (x*Mh + (x*Ml &gt;&gt; 16) + 2^14) &gt;&gt; 15, all in int32
/// (|x*Mh| &lt; 2^30, |x*Ml| &lt; 2^31). The rounding right shift by r &gt;= 1 is then (z + 2^(r-1) - [z &lt; 0]) &gt;&gt; r
/// (ties away from zero) or (z + 2^(r-1)) &gt;&gt; r (upward); adding zp * 2^r before the shift adds the output zero
/// point for free. Inside the window the result needs no clamp: with r &gt;= 1 the scale is below 1/2, so consecutive
/// x change the output by at most 1, and the window's ends give exactly min and max.
/// </para>
/// Typical of MobileNet's expansion layers (right shifts 3..6); the projection layers' windows are wider and keep the
/// general form.
/// </summary>
internal sealed class WindowedRequant
{
    /// <summary>The accumulator window must stay inside (-Limit, Limit).</summary>
    private const int Limit = 1 << 15;

    private WindowedRequant(int padded, bool upward)
    {
        Upward = upward;
        XLo = new int[padded];
        XHi = new int[padded];
        MulHi = new int[padded];
        MulLo = new int[padded];
        HalfZp = new int[padded];
        Right = new int[padded];
    }

    public bool Upward { get; }
    public int[] XLo { get; }
    public int[] XHi { get; }
    public int[] MulHi { get; }
    public int[] MulLo { get; }
    /// <summary>2^(r-1) + zp * 2^r: the rounding term and the output zero point, added before the shift by r.</summary>
    public int[] HalfZp { get; }
    public int[] Right { get; }
    public long Bytes => 6L * XLo.Length * 4;

    /// <summary>The windowed form of <paramref name="q"/>, or null when some channel does not qualify.</summary>
    public static WindowedRequant? TryCreate(QuantParams q, int channels, int padded)
    {
        if (q.Rounding is not (RequantizeRounding.DoubleAwayFromZero or RequantizeRounding.DoubleUpward)) return null;
        var w = new WindowedRequant(padded, q.Rounding == RequantizeRounding.DoubleUpward);
        for (int c = 0; c < channels; c++)
        {
            int m = q.MultiplierAt(c), shift = q.ShiftAt(c);
            if (c > 0 && q.Multiplier.Length == 1)
            {
                w.CopyChannel(0, c);
                continue;
            }
            if (m <= 0 || shift > -1 || shift < -16) return null;
            if (!TryWindow(q, m, shift, out int lo, out int hi)) return null;
            w.XLo[c] = lo;
            w.XHi[c] = hi;
            w.MulHi[c] = m >> 16;
            w.MulLo[c] = m & 0xFFFF;
            w.Right[c] = -shift;
            w.HalfZp[c] = (1 << (-shift - 1)) + (q.OutputZeroPoint << -shift);
        }
        // Padding channels: any values the vector code can run; their bytes are never stored.
        for (int c = channels; c < padded; c++) w.Right[c] = 1;
        return w;
    }

    private void CopyChannel(int from, int to)
    {
        XLo[to] = XLo[from]; XHi[to] = XHi[from]; MulHi[to] = MulHi[from]; MulLo[to] = MulLo[from]; HalfZp[to] = HalfZp[from]; Right[to] = Right[from];
    }

    /// <summary>The clamped output byte the reference computes for accumulator x.</summary>
    private static int ReferenceOutput(QuantParams q, int m, int shift, int x)
        => Math.Clamp(unchecked(Requantize.Apply(x, m, shift, q.Rounding) + q.OutputZeroPoint), q.OutputMin, q.OutputMax);

    /// <summary>[lo, hi]: lo the last x giving OutputMin, hi the first giving OutputMax (binary searches over int32).</summary>
    private static bool TryWindow(QuantParams q, int m, int shift, out int lo, out int hi)
    {
        lo = hi = 0;
        int min = q.OutputMin, max = q.OutputMax;
        if (ReferenceOutput(q, m, shift, int.MinValue) != min || ReferenceOutput(q, m, shift, int.MaxValue) != max || min == max) return false;
        long a = int.MinValue, b = int.MaxValue; // Output(a) == min, Output(b) > min
        while (b - a > 1)
        {
            long mid = (a + b) >> 1;
            if (ReferenceOutput(q, m, shift, (int)mid) == min) a = mid; else b = mid;
        }
        lo = (int)a;
        a = int.MinValue; b = int.MaxValue; // Output(a) < max, Output(b) == max
        while (b - a > 1)
        {
            long mid = (a + b) >> 1;
            if (ReferenceOutput(q, m, shift, (int)mid) == max) b = mid; else a = mid;
        }
        hi = (int)b;
        return lo > -Limit && hi < Limit;
    }

    /// <summary>
    /// The output (zero point added, within [min, max]) for accumulator x: the scalar form of the windowed arithmetic,
    /// which the vector kernels do per lane.
    /// </summary>
    public int Output(int x, int channel)
    {
        x = Math.Clamp(x, XLo[channel], XHi[channel]);
        int z = (x * MulHi[channel] + ((x * MulLo[channel]) >> 16) + (1 << 14)) >> 15;
        return (z + HalfZp[channel] + (Upward ? 0 : z >> 31)) >> Right[channel];
    }

    /// <summary>8 lanes of <see cref="Output"/> on AVX2 (tables pinned, columns col..col+7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> OutputAvx2(Vector256<int> x, in WindowedColumns t, int col, bool upward)
    {
        x = Avx2.Min(Avx2.Max(x, Vector256.Load(t.XLo + col)), Vector256.Load(t.XHi + col));
        var high = Avx2.MultiplyLow(x, Vector256.Load(t.MulHi + col));
        var low = Avx2.ShiftRightArithmetic(Avx2.MultiplyLow(x, Vector256.Load(t.MulLo + col)), 16);
        var z = Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.Add(high, low), Vector256.Create(1 << 14)), 15);
        var h = Avx2.Add(z, Vector256.Load(t.HalfZp + col));
        if (!upward) h = Avx2.Add(h, Avx2.ShiftRightArithmetic(z, 31));
        return Avx2.ShiftRightArithmeticVariable(h, Vector256.Load(t.Right + col).AsUInt32());
    }
}

/// <summary>The tables of a <see cref="WindowedRequant"/>, pinned for one run.</summary>
internal readonly unsafe struct WindowedColumns(int* xlo, int* xhi, int* mulHi, int* mulLo, int* halfZp, int* right)
{
    public readonly int* XLo = xlo, XHi = xhi, MulHi = mulHi, MulLo = mulLo, HalfZp = halfZp, Right = right;
}
