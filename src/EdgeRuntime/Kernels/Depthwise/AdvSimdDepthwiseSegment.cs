using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>How pixel B of a pair reads its three columns of a row relative to pixel A's (taps at p + {0, o1, 2 * o1}).</summary>
internal interface IArmShare
{
    /// <summary>0: B reads its own columns at a given offset; 1: B = A + o1 (two columns shared); 2: B = A + 2 * o1 (one shared).</summary>
    static abstract int Kind { get; }
}

internal struct ArmShareNone : IArmShare { public static int Kind => 0; }
internal struct ArmShareNarrow : IArmShare { public static int Kind => 1; }
internal struct ArmShareWide : IArmShare { public static int Kind => 2; }

/// <summary>
/// Interior runs of the fused AdvSimd 3x3 depthwise (<see cref="IDwPixels.RowSegment"/>), channel blocks outside, pixels
/// inside: for each block of 8 channels (the last one ending at C, rewriting a few channels with the same values) the nine
/// int16 weight vectors, the bias and the requantization constants are loaded once and stay in registers while the block
/// walks the run two output pixels at a time. Pixels x and x + p whose columns are o1 (stride 1 at dilation d: p = d) or
/// 2 * o1 (stride 2 at dilation 1) apart share their common input columns: 4 (or 5) loads and USUBL/SSUBL per input row
/// instead of 6. Per pixel and tap: SMLAL + SMLAL2 into int32 accumulators that start at the bias; then the
/// requantization in registers (SQRDMULH/SRSHL), SQXTN, SQXTUN of both pixels into one vector, the clamp on 16 bytes and
/// an 8-byte store per pixel. No calls and no scalar lane work per pixel.
/// </summary>
internal static unsafe class AdvSimdDepthwiseSegment
{
    private static long s_runs;

    /// <summary>Row segments run so far in this process (the conformance suite checks that the fused path really ran).</summary>
    internal static long Runs => Volatile.Read(ref s_runs);

    public static void Run<TIn, TRq>(byte* r0, byte* r1, byte* r2, nint s0, nint s1, nint s2, nint o1, int n, byte* dst, nint ob, ArmDwContext* k)
        where TIn : struct, IArmInput where TRq : struct, IRequantPolicy
    {
        if (n <= 0) return;
        s_runs++; // a racy count is enough: it only has to move
        nint step = Math.Max(s0, Math.Max(s1, s2));
        // Pixels x and x + p: their columns are p * step apart; o1 (or 2 * o1) apart they share 2 (or 1) of 3 columns.
        int p = 0, kind = 0;
        if (step > 0 && n >= 2)
        {
            if (o1 % step == 0) { p = (int)(o1 / step); kind = 1; }
            else if (2 * o1 % step == 0) { p = (int)(2 * o1 / step); kind = 2; }
            if (2 * p > n) { p = 0; kind = 0; }
        }
        int C = k->Channels;
        for (int c = 0; ; c += 8)
        {
            if (c > C - 8) c = C - 8;
            if (kind == 1) Block<TIn, TRq, ArmShareNarrow>(r0, r1, r2, s0, s1, s2, o1, p, n, dst, ob, k, c);
            else if (kind == 2) Block<TIn, TRq, ArmShareWide>(r0, r1, r2, s0, s1, s2, o1, p, n, dst, ob, k, c);
            else Block<TIn, TRq, ArmShareNone>(r0, r1, r2, s0, s1, s2, o1, 0, n, dst, ob, k, c);
            if (c == C - 8) break;
        }
    }

    /// <summary>
    /// One block of 8 channels over the run: groups of 2p pixels as the pairs (x + j, x + p + j), j &lt; p, sharing columns
    /// (TS), then the rest as neighbouring pairs and a last pixel paired with itself.
    /// </summary>
    private static void Block<TIn, TRq, TS>(byte* r0, byte* r1, byte* r2, nint s0, nint s1, nint s2, nint o1, int p, int n, byte* dst, nint ob, ArmDwContext* k, int c)
        where TIn : struct, IArmInput where TRq : struct, IRequantPolicy where TS : struct, IArmShare
    {
        short* w = k->W + c;
        nint ts = k->TapStride;
        var w0 = AdvSimd.LoadVector128(w);
        var w1 = AdvSimd.LoadVector128(w + ts);
        var w2 = AdvSimd.LoadVector128(w + 2 * ts);
        var w3 = AdvSimd.LoadVector128(w + 3 * ts);
        var w4 = AdvSimd.LoadVector128(w + 4 * ts);
        var w5 = AdvSimd.LoadVector128(w + 5 * ts);
        var w6 = AdvSimd.LoadVector128(w + 6 * ts);
        var w7 = AdvSimd.LoadVector128(w + 7 * ts);
        var w8 = AdvSimd.LoadVector128(w + 8 * ts);
        int* bias = k->Bias + c;
        // The requantization constants of the block, in registers for the whole run.
        RequantLanes qLo = TRq.LoadAdvSimd(k->Q, c), qHi = TRq.LoadAdvSimd(k->Q, c + 4);
        var zp = Vector64.Create(k->InputZeroPoint);
        // Small results: the zero point is added to int16 lanes; otherwise to int32 lanes.
        var ozp = TRq.RightShiftsOnly ? Vector128.Create((short)k->OutputZeroPoint).AsInt32() : Vector128.Create(k->OutputZeroPoint);
        var min = Vector128.Create(k->Min);
        var max = Vector128.Create(k->Max);
        r0 += c; r1 += c; r2 += c; dst += c;
        if (TS.Kind != 0)
        {
            // Groups of 2p pixels: pairs (j, j + p) share columns.
            nint p0 = p * s0, p1 = p * s1, p2 = p * s2, pd = p * ob;
            for (; n >= 2 * p; n -= 2 * p)
            {
                for (int j = 0; j < p; j++)
                {
                    Pair<TIn, TRq, TS>(r0, r1, r2, p0, p1, p2, o1, dst, dst + pd, w, ts,
                        w0, w1, w2, w3, w4, w5, w6, w7, w8, bias, qLo, qHi, zp, ozp, min, max);
                    r0 += s0; r1 += s1; r2 += s2; dst += ob;
                }
                r0 += p0; r1 += p1; r2 += p2; dst += pd;
            }
        }
        for (; n > 0; n -= 2)
        {
            // Neighbouring pixels; a last odd pixel is paired with itself (same values written twice).
            bool two = n >= 2;
            nint b0 = two ? s0 : 0, b1 = two ? s1 : 0, b2 = two ? s2 : 0, bd = two ? ob : 0;
            Pair<TIn, TRq, ArmShareNone>(r0, r1, r2, b0, b1, b2, o1, dst, dst + bd, w, ts,
                w0, w1, w2, w3, w4, w5, w6, w7, w8, bias, qLo, qHi, zp, ozp, min, max);
            r0 += 2 * s0; r1 += 2 * s1; r2 += 2 * s2; dst += 2 * ob;
        }
    }

    /// <summary>Pixels A (taps r{ky} + {0, o1, 2 * o1}) and B (TS; for ArmShareNone at r{ky} + b{ky}), 8 channels each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair<TIn, TRq, TS>(byte* r0, byte* r1, byte* r2, nint b0, nint b1, nint b2, nint o1, byte* dstA, byte* dstB, short* wl, nint ts,
        Vector128<short> w0, Vector128<short> w1, Vector128<short> w2, Vector128<short> w3, Vector128<short> w4,
        Vector128<short> w5, Vector128<short> w6, Vector128<short> w7, Vector128<short> w8,
        int* bias, RequantLanes qLo, RequantLanes qHi, Vector64<byte> zp, Vector128<int> ozp, Vector128<byte> min, Vector128<byte> max)
        where TIn : struct, IArmInput where TRq : struct, IRequantPolicy where TS : struct, IArmShare
    {
        // The accumulators start at the bias, loaded (LDR q) rather than copied from registers (MOV on a vector pipe).
        Vector128<int> a0 = AdvSimd.LoadVector128(bias), a1 = AdvSimd.LoadVector128(bias + 4);
        Vector128<int> c0 = AdvSimd.LoadVector128(bias), c1 = AdvSimd.LoadVector128(bias + 4);
        Row<TIn, TS>(r0, b0, o1, wl, ts, zp, w0, w1, w2, ref a0, ref a1, ref c0, ref c1);
        Row<TIn, TS>(r1, b1, o1, wl + 3 * ts, ts, zp, w3, w4, w5, ref a0, ref a1, ref c0, ref c1);
        Row<TIn, TS>(r2, b2, o1, wl + 6 * ts, ts, zp, w6, w7, w8, ref a0, ref a1, ref c0, ref c1);
        a0 = TRq.AdvSimd(a0, qLo);
        a1 = TRq.AdvSimd(a1, qHi);
        c0 = TRq.AdvSimd(c0, qLo);
        c1 = TRq.AdvSimd(c1, qHi);
        Vector128<short> na, nb;
        if (TRq.RightShiftsOnly)
        {
            // |x| <= 2^30: adding the zero point after saturating to int16 (with saturation) clamps to the same bytes.
            na = AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(a0), a1), ozp.AsInt16());
            nb = AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(c0), c1), ozp.AsInt16());
        }
        else
        {
            // The reference adds the zero point in int32 (wrapping) before its clamp.
            na = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(AdvSimd.Add(a0, ozp)), AdvSimd.Add(a1, ozp));
            nb = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(AdvSimd.Add(c0, ozp)), AdvSimd.Add(c1, ozp));
        }
        var bytes = TIn.Narrow(na, nb, min, max).AsUInt64();
        AdvSimd.StoreSelectedScalar((ulong*)dstA, bytes, 0);
        AdvSimd.StoreSelectedScalar((ulong*)dstB, bytes, 1);
    }

    /// <summary>
    /// One input row (3 taps) of both pixels. The lower-half weights are loaded (LDR d) rather than taken from the
    /// registers (GetLower of a live register costs a MOV), and each column's SMLAL2 products come before its SMLAL ones
    /// so that the column's lower half is its last use (no MOV either).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TIn, TS>(byte* r, nint b, nint o1, short* wl, nint ts, Vector64<byte> zp, Vector128<short> wa, Vector128<short> wb, Vector128<short> wc,
        ref Vector128<int> a0, ref Vector128<int> a1, ref Vector128<int> c0, ref Vector128<int> c1)
        where TIn : struct, IArmInput where TS : struct, IArmShare
    {
        var la = AdvSimd.LoadVector64(wl);
        var lb = AdvSimd.LoadVector64(wl + ts);
        var lc = AdvSimd.LoadVector64(wl + 2 * ts);
        var x0 = TIn.Widen8(AdvSimd.LoadVector64(r), zp);
        var x1 = TIn.Widen8(AdvSimd.LoadVector64(r + o1), zp);
        var x2 = TIn.Widen8(AdvSimd.LoadVector64(r + 2 * o1), zp);
        a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x0, wa);
        a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x0.GetLower(), la);
        if (TS.Kind == 1)
        {
            // B = A + o1: columns 1, 2, 3.
            var x3 = TIn.Widen8(AdvSimd.LoadVector64(r + 3 * o1), zp);
            a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x1, wb);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, x1, wa);
            a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x2, wc);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, x2, wb);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, x3, wc);
            var l1 = x1.GetLower();
            a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, l1, lb);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, l1, la);
            var l2 = x2.GetLower();
            a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, l2, lc);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, l2, lb);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, x3.GetLower(), lc);
        }
        else if (TS.Kind == 2)
        {
            // B = A + 2 * o1: columns 2, 3, 4.
            var x3 = TIn.Widen8(AdvSimd.LoadVector64(r + 3 * o1), zp);
            var x4 = TIn.Widen8(AdvSimd.LoadVector64(r + 4 * o1), zp);
            a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x1, wb);
            a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x1.GetLower(), lb);
            a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x2, wc);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, x2, wa);
            var l2 = x2.GetLower();
            a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, l2, lc);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, l2, la);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, x3, wb);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, x3.GetLower(), lb);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, x4, wc);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, x4.GetLower(), lc);
        }
        else
        {
            a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x1, wb);
            a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x1.GetLower(), lb);
            a1 = AdvSimd.MultiplyWideningUpperAndAdd(a1, x2, wc);
            a0 = AdvSimd.MultiplyWideningLowerAndAdd(a0, x2.GetLower(), lc);
            r += b;
            var y0 = TIn.Widen8(AdvSimd.LoadVector64(r), zp);
            var y1 = TIn.Widen8(AdvSimd.LoadVector64(r + o1), zp);
            var y2 = TIn.Widen8(AdvSimd.LoadVector64(r + 2 * o1), zp);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, y0, wa);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, y0.GetLower(), la);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, y1, wb);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, y1.GetLower(), lb);
            c1 = AdvSimd.MultiplyWideningUpperAndAdd(c1, y2, wc);
            c0 = AdvSimd.MultiplyWideningLowerAndAdd(c0, y2.GetLower(), lc);
        }
    }
}
