using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels.Resize;

/// <summary>
/// One output row of <see cref="ResizeBilinearArgMaxKernels"/>: groups of 8 (Avx2) or 4 (Vector128) output columns, the
/// last group overlapping the previous one, each looping over the channels of the gathered planes [C, outW].
/// The argmax keeps, per lane, the maximum of key = code * 2^16 + (65535 - channel): the largest code wins and, among
/// equal codes, the smallest channel, which is ARG_MAX's first-maximum rule (channels are at most 65536). Codes need no
/// clamping: the weights form a convex combination (a negative fraction only where both taps read the same source value),
/// the invariant ResizeBilinearKernels' saturating packs rely on too, so a code is what the resize kernel stores.
/// </summary>
internal static class ResizeArgMaxRows
{
    /// <summary>uint8, separable: left[x] = (left[x] * (1 - dx) + right[x] * dx) + 0.5, exact (see ResizeBilinearArgMaxPlan.Separable).</summary>
    public static void HorizontalFloat(ResizeBilinearArgMaxPlan plan, ref float left, ref float right)
    {
        int n = plan.Resize.Output.W, x = 0;
        ref float dxs = ref MemoryMarshal.GetArrayDataReference(plan.Dx);
        for (; x <= n - 4; x += 4)
        {
            Vector128<float> dx = Vector128.LoadUnsafe(ref dxs, (nuint)x);
            Vector128<float> h = Vector128.LoadUnsafe(ref left, (nuint)x) * (Vector128<float>.One - dx) + Vector128.LoadUnsafe(ref right, (nuint)x) * dx;
            (h + Vector128.Create(0.5f)).StoreUnsafe(ref left, (nuint)x);
        }
        for (; x < n; x++)
        {
            float dx = Unsafe.Add(ref dxs, x);
            Unsafe.Add(ref left, x) = Unsafe.Add(ref left, x) * (1 - dx) + Unsafe.Add(ref right, x) * dx + 0.5f;
        }
    }

    /// <summary>int8: left[x] = left[x] * (1024 - fx) + right[x] * fx, exact in int32 (|left| &lt;= 128 * 2048).</summary>
    public static void HorizontalInt(ResizeBilinearArgMaxPlan plan, ref int left, ref int right)
    {
        int n = plan.Resize.Output.W, x = 0;
        ref int fxs = ref MemoryMarshal.GetArrayDataReference(plan.Resize.XFrac10);
        for (; x <= n - 4; x += 4)
        {
            Vector128<int> fx = Vector128.LoadUnsafe(ref fxs, (nuint)x);
            (Vector128.LoadUnsafe(ref left, (nuint)x) * (Vector128.Create(1024) - fx) + Vector128.LoadUnsafe(ref right, (nuint)x) * fx).StoreUnsafe(ref left, (nuint)x);
        }
        for (; x < n; x++)
        {
            int fx = Unsafe.Add(ref fxs, x);
            Unsafe.Add(ref left, x) = Unsafe.Add(ref left, x) * (1024 - fx) + Unsafe.Add(ref right, x) * fx;
        }
    }

    /// <summary>uint8, separable: code = (int)((1 - dy) * top + dy * bottom), top and bottom already holding + 0.5.</summary>
    public static void TwoTapFloatAvx2<TIndex>(ResizeBilinearArgMaxPlan plan, ref float top, ref float bottom, float dy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        Vector256<float> wt = Vector256.Create(1 - dy), wb = Vector256.Create(dy);
        for (int x = 0; ; x += 8)
        {
            if (x > outW - 8) x = outW - 8;
            Vector256<int> best = Vector256.Create(int.MinValue), tag = Vector256.Create(65535);
            nuint o = (nuint)x;
            for (int c = 0; c < depth; c++, o += (nuint)outW)
            {
                Vector256<float> v = Avx.Add(Avx.Multiply(Vector256.LoadUnsafe(ref top, o), wt), Avx.Multiply(Vector256.LoadUnsafe(ref bottom, o), wb));
                Vector256<int> code = Avx.ConvertToVector256Int32WithTruncation(v);
                best = Avx2.Max(best, Avx2.Or(Avx2.ShiftLeftLogical(code, 16), tag));
                tag = Avx2.Subtract(tag, Vector256<int>.One);
            }
            StoreAvx2(best, ref dst, x);
            if (x == outW - 8) break;
        }
    }

    public static void TwoTapFloat128<TIndex>(ResizeBilinearArgMaxPlan plan, ref float top, ref float bottom, float dy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        Vector128<float> wt = Vector128.Create(1 - dy), wb = Vector128.Create(dy);
        for (int x = 0; ; x += 4)
        {
            if (x > outW - 4) x = outW - 4;
            Vector128<int> best = Vector128.Create(int.MinValue), tag = Vector128.Create(65535);
            nuint o = (nuint)x;
            for (int c = 0; c < depth; c++, o += (nuint)outW)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref top, o) * wt + Vector128.LoadUnsafe(ref bottom, o) * wb;
                best = Vector128.Max(best, Vector128.ShiftLeft(Vector128.ConvertToInt32Native(v), 16) | tag);
                tag -= Vector128<int>.One;
            }
            Store128(best, ref dst, x);
            if (x == outW - 4) break;
        }
    }

    private static long s_advSimdRows, s_u16Rows;

    /// <summary>Rows run by <see cref="TwoTapFloatAdvSimd"/> and by <see cref="TwoTapU16AdvSimd"/> so far (the conformance suite checks that they really ran).</summary>
    internal static long AdvSimdRows => Volatile.Read(ref s_advSimdRows);
    internal static long U16Rows => Volatile.Read(ref s_u16Rows);

    /// <summary>True when <see cref="TwoTapFloatAdvSimd"/> handles the plan: 16 output columns or more, at most 256 channels.</summary>
    public static bool TwoTapFloatAdvSimdApplies(ResizeBilinearArgMaxPlan plan) => plan.Resize.Output.W >= 16 && plan.Resize.Input.C <= 256;

    /// <summary>
    /// ARM64 form of <see cref="TwoTapFloat128"/>: 16 output columns per channel step and 16-bit keys. With both weights
    /// scaled by 256 (a power of two commutes with float rounding, so v' = 256 v exactly), FCVTZS gives floor(256 v) &lt; 2^16
    /// whose high byte is the code (int)v; its low byte is replaced by the tag 255 - channel (BIT), so an unsigned 16-bit
    /// max keeps the largest code and, among equal codes, the smallest channel, as the 32-bit keys do.
    /// </summary>
    public static void TwoTapFloatAdvSimd<TIndex>(ResizeBilinearArgMaxPlan plan, ref float top, ref float bottom, float dy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        s_advSimdRows++; // a racy count is enough: it only has to move
        Vector128<float> wt = Vector128.Create((1 - dy) * 256f), wb = Vector128.Create(dy * 256f);
        Vector128<ushort> lowByte = Vector128.Create((ushort)0xFF);
        for (int x = 0; ; x += 16)
        {
            if (x > outW - 16) x = outW - 16; // the last group overlaps the previous one
            Vector128<ushort> best0 = Vector128<ushort>.Zero, best1 = Vector128<ushort>.Zero, tag = lowByte;
            ref float t = ref Unsafe.Add(ref top, x), b = ref Unsafe.Add(ref bottom, x);
            for (int c = 0; c < depth; c++)
            {
                var k0 = AdvSimd.ConvertToInt32RoundToZero(AdvSimd.Add(AdvSimd.Multiply(Vector128.LoadUnsafe(ref t), wt), AdvSimd.Multiply(Vector128.LoadUnsafe(ref b), wb)));
                var k1 = AdvSimd.ConvertToInt32RoundToZero(AdvSimd.Add(AdvSimd.Multiply(Vector128.LoadUnsafe(ref t, 4), wt), AdvSimd.Multiply(Vector128.LoadUnsafe(ref b, 4), wb)));
                var k2 = AdvSimd.ConvertToInt32RoundToZero(AdvSimd.Add(AdvSimd.Multiply(Vector128.LoadUnsafe(ref t, 8), wt), AdvSimd.Multiply(Vector128.LoadUnsafe(ref b, 8), wb)));
                var k3 = AdvSimd.ConvertToInt32RoundToZero(AdvSimd.Add(AdvSimd.Multiply(Vector128.LoadUnsafe(ref t, 12), wt), AdvSimd.Multiply(Vector128.LoadUnsafe(ref b, 12), wb)));
                var h0 = AdvSimd.ExtractNarrowingUpper(AdvSimd.ExtractNarrowingLower(k0.AsUInt32()), k1.AsUInt32());
                var h1 = AdvSimd.ExtractNarrowingUpper(AdvSimd.ExtractNarrowingLower(k2.AsUInt32()), k3.AsUInt32());
                best0 = AdvSimd.Max(best0, AdvSimd.BitwiseSelect(lowByte, tag, h0));
                best1 = AdvSimd.Max(best1, AdvSimd.BitwiseSelect(lowByte, tag, h1));
                tag = AdvSimd.Subtract(tag, Vector128<ushort>.One);
                t = ref Unsafe.Add(ref t, outW);
                b = ref Unsafe.Add(ref b, outW);
            }
            // id = 255 - tag
            var id0 = AdvSimd.Subtract(lowByte, AdvSimd.And(best0, lowByte));
            var id1 = AdvSimd.Subtract(lowByte, AdvSimd.And(best1, lowByte));
            StoreIds(id0, ref dst, x);
            StoreIds(id1, ref dst, x + 8);
            if (x == outW - 16) break;
        }
    }

    /// <summary>uint8, 16-bit integers (see <see cref="ResizeBilinearArgMaxPlan.KxLeft16"/>): left[x] = left[x] * (2^P - kx) + right[x] * kx + 2^(P-1).</summary>
    public static void HorizontalU16(ResizeBilinearArgMaxPlan plan, ref ushort left, ref ushort right)
    {
        int n = plan.Resize.Output.W, x = 0;
        ref ushort kl = ref MemoryMarshal.GetArrayDataReference(plan.KxLeft16!), kr = ref MemoryMarshal.GetArrayDataReference(plan.KxRight16!);
        Vector128<ushort> half = Vector128.Create(plan.Half16);
        for (; x <= n - 8; x += 8)
        {
            Vector128<ushort> h = AdvSimd.MultiplyAdd(AdvSimd.MultiplyAdd(half, Vector128.LoadUnsafe(ref left, (nuint)x), Vector128.LoadUnsafe(ref kl, (nuint)x)),
                Vector128.LoadUnsafe(ref right, (nuint)x), Vector128.LoadUnsafe(ref kr, (nuint)x));
            h.StoreUnsafe(ref left, (nuint)x);
        }
        for (; x < n; x++) // once per gathered source row and channel, not per output pixel
            Unsafe.Add(ref left, x) = (ushort)(Unsafe.Add(ref left, x) * Unsafe.Add(ref kl, x) + Unsafe.Add(ref right, x) * Unsafe.Add(ref kr, x) + plan.Half16);
    }

    /// <summary>
    /// uint8 on 16-bit integers: per channel and 16 output columns, two MUL + two MLA give (1 - dy) * Ht + dy * Hb times 256
    /// (below 2^16), whose high byte is the code; BIT puts the tag 255 - channel in the low byte and UMAX keeps the largest
    /// code, then the smallest channel.
    /// </summary>
    public static void TwoTapU16AdvSimd<TIndex>(ResizeBilinearArgMaxPlan plan, ref ushort top, ref ushort bottom, ushort kyTop, ushort kyBottom, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        s_u16Rows++; // a racy count is enough: it only has to move
        Vector128<ushort> wt = Vector128.Create(kyTop), wb = Vector128.Create(kyBottom), lowByte = Vector128.Create((ushort)0xFF);
        for (int x = 0; ; x += 16)
        {
            if (x > outW - 16) x = outW - 16; // the last group overlaps the previous one
            Vector128<ushort> best0 = Vector128<ushort>.Zero, best1 = Vector128<ushort>.Zero, tag = lowByte;
            ref ushort t = ref Unsafe.Add(ref top, x), b = ref Unsafe.Add(ref bottom, x);
            for (int c = 0; c < depth; c++)
            {
                var s0 = AdvSimd.MultiplyAdd(AdvSimd.Multiply(Vector128.LoadUnsafe(ref t), wt), Vector128.LoadUnsafe(ref b), wb);
                var s1 = AdvSimd.MultiplyAdd(AdvSimd.Multiply(Vector128.LoadUnsafe(ref t, 8), wt), Vector128.LoadUnsafe(ref b, 8), wb);
                best0 = AdvSimd.Max(best0, AdvSimd.BitwiseSelect(lowByte, tag, s0));
                best1 = AdvSimd.Max(best1, AdvSimd.BitwiseSelect(lowByte, tag, s1));
                tag = AdvSimd.Subtract(tag, Vector128<ushort>.One);
                t = ref Unsafe.Add(ref t, outW);
                b = ref Unsafe.Add(ref b, outW);
            }
            StoreIds(AdvSimd.Subtract(lowByte, AdvSimd.And(best0, lowByte)), ref dst, x);
            StoreIds(AdvSimd.Subtract(lowByte, AdvSimd.And(best1, lowByte)), ref dst, x + 8);
            if (x == outW - 16) break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreIds<TIndex>(Vector128<ushort> ids, ref TIndex dst, int x) where TIndex : unmanaged
    {
        Vector128<uint> lo = AdvSimd.ZeroExtendWideningLower(ids.GetLower()), hi = AdvSimd.ZeroExtendWideningUpper(ids);
        if (typeof(TIndex) == typeof(long))
        {
            ref long d = ref Unsafe.As<TIndex, long>(ref Unsafe.Add(ref dst, x));
            AdvSimd.ZeroExtendWideningLower(lo.GetLower()).AsInt64().StoreUnsafe(ref d);
            AdvSimd.ZeroExtendWideningUpper(lo).AsInt64().StoreUnsafe(ref d, 2);
            AdvSimd.ZeroExtendWideningLower(hi.GetLower()).AsInt64().StoreUnsafe(ref d, 4);
            AdvSimd.ZeroExtendWideningUpper(hi).AsInt64().StoreUnsafe(ref d, 6);
        }
        else
        {
            ref int d = ref Unsafe.As<TIndex, int>(ref Unsafe.Add(ref dst, x));
            lo.AsInt32().StoreUnsafe(ref d);
            hi.AsInt32().StoreUnsafe(ref d, 4);
        }
    }

    /// <summary>int8: sum = (1024 - fy) * top + fy * bottom (the reference's four products, exact), rounded half away from zero by 2^20.</summary>
    public static void TwoTapIntAvx2<TIndex>(ResizeBilinearArgMaxPlan plan, ref int top, ref int bottom, int fy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        Vector256<int> wt = Vector256.Create(1024 - fy), wb = Vector256.Create(fy), round = Vector256.Create(1 << 19);
        for (int x = 0; ; x += 8)
        {
            if (x > outW - 8) x = outW - 8;
            Vector256<int> best = Vector256.Create(int.MinValue), tag = Vector256.Create(65535);
            nuint o = (nuint)x;
            for (int c = 0; c < depth; c++, o += (nuint)outW)
            {
                Vector256<int> sum = Avx2.Add(Avx2.MultiplyLow(Vector256.LoadUnsafe(ref top, o), wt), Avx2.MultiplyLow(Vector256.LoadUnsafe(ref bottom, o), wb));
                // (sum ± 2^19) / 2^20 truncating toward zero = sign(sum) * ((|sum| + 2^19) >> 20).
                Vector256<int> code = Avx2.Sign(Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.Abs(sum).AsInt32(), round), 20), sum);
                best = Avx2.Max(best, Avx2.Or(Avx2.ShiftLeftLogical(code, 16), tag));
                tag = Avx2.Subtract(tag, Vector256<int>.One);
            }
            StoreAvx2(best, ref dst, x);
            if (x == outW - 8) break;
        }
    }

    public static void TwoTapInt128<TIndex>(ResizeBilinearArgMaxPlan plan, ref int top, ref int bottom, int fy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        Vector128<int> wt = Vector128.Create(1024 - fy), wb = Vector128.Create(fy), round = Vector128.Create(1 << 19);
        for (int x = 0; ; x += 4)
        {
            if (x > outW - 4) x = outW - 4;
            Vector128<int> best = Vector128.Create(int.MinValue), tag = Vector128.Create(65535);
            nuint o = (nuint)x;
            for (int c = 0; c < depth; c++, o += (nuint)outW)
            {
                Vector128<int> sum = Vector128.LoadUnsafe(ref top, o) * wt + Vector128.LoadUnsafe(ref bottom, o) * wb;
                Vector128<int> q = Vector128.ShiftRightArithmetic(Vector128.Abs(sum) + round, 20);
                Vector128<int> code = Vector128.ConditionalSelect(Vector128.LessThan(sum, Vector128<int>.Zero), -q, q);
                best = Vector128.Max(best, Vector128.ShiftLeft(code, 16) | tag);
                tag -= Vector128<int>.One;
            }
            Store128(best, ref dst, x);
            if (x == outW - 4) break;
        }
    }

    /// <summary>uint8, general: ((((a*s00 + b*s01) + c*s10) + d*s11) + 0.5) truncated, weights and order as ResizeBilinearKernels.UInt8.</summary>
    public static void FourTapFloatAvx2<TIndex>(ResizeBilinearArgMaxPlan plan, ref float a0, ref float a1, ref float b0, ref float b1, float dy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        ref float dxs = ref MemoryMarshal.GetArrayDataReference(plan.Dx);
        Vector256<float> vdy = Vector256.Create(dy), vomdy = Vector256.Create(1 - dy), one = Vector256.Create(1f), half = Vector256.Create(0.5f);
        for (int x = 0; ; x += 8)
        {
            if (x > outW - 8) x = outW - 8; // the last group overlaps the previous one
            Vector256<float> dx = Vector256.LoadUnsafe(ref dxs, (nuint)x), omdx = Avx.Subtract(one, dx);
            // s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx, as the resize kernel.
            Vector256<float> w00 = Avx.Multiply(vomdy, omdx), w01 = Avx.Multiply(vomdy, dx), w10 = Avx.Multiply(vdy, omdx), w11 = Avx.Multiply(vdy, dx);
            Vector256<int> best = Vector256.Create(int.MinValue), tag = Vector256.Create(65535);
            nuint o = (nuint)x;
            for (int c = 0; c < depth; c++, o += (nuint)outW)
            {
                Vector256<float> v = Avx.Add(Avx.Multiply(Vector256.LoadUnsafe(ref a0, o), w00), Avx.Multiply(Vector256.LoadUnsafe(ref a1, o), w01));
                v = Avx.Add(v, Avx.Multiply(Vector256.LoadUnsafe(ref b0, o), w10));
                v = Avx.Add(Avx.Add(v, Avx.Multiply(Vector256.LoadUnsafe(ref b1, o), w11)), half);
                Vector256<int> code = Avx.ConvertToVector256Int32WithTruncation(v);
                best = Avx2.Max(best, Avx2.Or(Avx2.ShiftLeftLogical(code, 16), tag));
                tag = Avx2.Subtract(tag, Vector256<int>.One);
            }
            StoreAvx2(best, ref dst, x);
            if (x == outW - 8) break;
        }
    }

    public static void FourTapFloat128<TIndex>(ResizeBilinearArgMaxPlan plan, ref float a0, ref float a1, ref float b0, ref float b1, float dy, ref TIndex dst)
        where TIndex : unmanaged
    {
        int outW = plan.Resize.Output.W, depth = plan.Resize.Input.C;
        ref float dxs = ref MemoryMarshal.GetArrayDataReference(plan.Dx);
        Vector128<float> vdy = Vector128.Create(dy), vomdy = Vector128.Create(1 - dy), half = Vector128.Create(0.5f);
        for (int x = 0; ; x += 4)
        {
            if (x > outW - 4) x = outW - 4;
            Vector128<float> dx = Vector128.LoadUnsafe(ref dxs, (nuint)x), omdx = Vector128<float>.One - dx;
            Vector128<float> w00 = vomdy * omdx, w01 = vomdy * dx, w10 = vdy * omdx, w11 = vdy * dx;
            Vector128<int> best = Vector128.Create(int.MinValue), tag = Vector128.Create(65535);
            nuint o = (nuint)x;
            for (int c = 0; c < depth; c++, o += (nuint)outW)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref a0, o) * w00 + Vector128.LoadUnsafe(ref a1, o) * w01
                    + Vector128.LoadUnsafe(ref b0, o) * w10 + Vector128.LoadUnsafe(ref b1, o) * w11 + half;
                Vector128<int> code = Vector128.ConvertToInt32Native(v); // v is in [0.5, 255.5]: truncation
                best = Vector128.Max(best, Vector128.ShiftLeft(code, 16) | tag);
                tag -= Vector128<int>.One;
            }
            Store128(best, ref dst, x);
            if (x == outW - 4) break;
        }
    }

    /// <summary>The channel of each lane's best key, as int32 or int64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreAvx2<TIndex>(Vector256<int> best, ref TIndex dst, int x) where TIndex : unmanaged
    {
        Vector256<int> ids = Avx2.Subtract(Vector256.Create(65535), Avx2.And(best, Vector256.Create(0xFFFF)));
        if (typeof(TIndex) == typeof(long))
        {
            ref long d = ref Unsafe.As<TIndex, long>(ref Unsafe.Add(ref dst, x));
            Avx2.ConvertToVector256Int64(ids.GetLower()).StoreUnsafe(ref d);
            Avx2.ConvertToVector256Int64(ids.GetUpper()).StoreUnsafe(ref d, 4);
        }
        else
        {
            ids.StoreUnsafe(ref Unsafe.As<TIndex, int>(ref Unsafe.Add(ref dst, x)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store128<TIndex>(Vector128<int> best, ref TIndex dst, int x) where TIndex : unmanaged
    {
        Vector128<int> ids = Vector128.Create(65535) - (best & Vector128.Create(0xFFFF));
        if (typeof(TIndex) == typeof(long))
        {
            ref long d = ref Unsafe.As<TIndex, long>(ref Unsafe.Add(ref dst, x));
            Vector128.WidenLower(ids).StoreUnsafe(ref d);
            Vector128.WidenUpper(ids).StoreUnsafe(ref d, 2);
        }
        else
        {
            ids.StoreUnsafe(ref Unsafe.As<TIndex, int>(ref Unsafe.Add(ref dst, x)));
        }
    }
}
