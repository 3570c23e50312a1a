using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>Pointers to one layout's per-channel tables (see <see cref="Avx2DepthwisePack"/>); null when not stored.</summary>
internal unsafe struct DwTables
{
    public int* Bias;
    /// <summary>The tables the <see cref="IRequantPolicy"/> reads (per tensor: the broadcast constants).</summary>
    public RequantPointers Q;
}

/// <summary>Everything the fused AVX2 kernel reads, pinned for one Run.</summary>
internal unsafe struct DwContext
{
    public DwTables Perm, Lin;
    public short* W32, W16;
    public int Channels, Blocks32;
    public int OutputZeroPoint;
    public byte Min, Max;
}

/// <summary>
/// Fused AVX2 3x3 depthwise, rows walked by <see cref="DepthwiseRowDriver"/>: per output pixel (or pair of pixels
/// sharing input columns) and block of 32 (then 16) channels, the taps are interleaved in pairs as bytes
/// (vpunpck{l,h}bw), widened to int16 and multiplied with vpmaddwd (or vpdpwssd on AVX-VNNI) into accumulators that
/// start at the bias with the input zero point folded in (padding taps read zero-point bytes, contributing 0); they
/// are requantized in registers, packed and clamped as bytes.
/// </summary>
internal static unsafe class Avx2DepthwiseRows
{
    public static void Run(Avx2DepthwisePack p, bool vnni, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount)
    {
        Avx2DepthwisePack? two = g.StrideW == 1 ? p.TwoPixels : null;
        fixed (short* w32 = p.W32, w16 = p.W16, w32Two = two?.W32)
        fixed (int* ints = p.Ints, intsTwo = two?.Ints)
        {
            DwContext k = Context(p, w32, w16, ints), kTwo = two is null ? default : Context(two, w32Two, null, intsTwo);
            var a = new Args(g, pin, pout, rowStart, rowCount, p.InputZeroPoint, &k, two is null ? null : &kTwo);
            if (vnni) ByInput<DwVnni>(p, a);
            else ByInput<DwMadd>(p, a);
        }
    }

    private static DwContext Context(Avx2DepthwisePack p, short* w32, short* w16, int* ints) => new()
    {
        Perm = Tables(p, ints, perm: true),
        Lin = Tables(p, ints, perm: false),
        W32 = w32,
        W16 = w16,
        Channels = p.Channels,
        Blocks32 = p.Blocks32,
        OutputZeroPoint = p.OutputZeroPoint,
        Min = (byte)p.Min,
        Max = (byte)p.Max,
    };

    private static DwTables Tables(Avx2DepthwisePack p, int* ints, bool perm)
    {
        int* T(Avx2DepthwisePack.Table t)
        {
            int o = p.Offset(t, perm);
            return o < 0 ? null : ints + o;
        }
        return new DwTables
        {
            Bias = T(Avx2DepthwisePack.Table.Bias),
            Q = new RequantPointers
            {
                Mult = T(Avx2DepthwisePack.Table.M), MultOdd = T(Avx2DepthwisePack.Table.MOdd), Left = T(Avx2DepthwisePack.Table.Left),
                Right = T(Avx2DepthwisePack.Table.Right), Add = T(Avx2DepthwisePack.Table.Add), Mask = T(Avx2DepthwisePack.Table.Mask),
                Half = T(Avx2DepthwisePack.Table.HalfMask), Total = T(Avx2DepthwisePack.Table.Total),
                TensorMultiplier = p.TensorMultiplier, TensorRight = p.TensorRight, TensorAdd = p.TensorAdd,
            },
        };
    }

    private readonly struct Args(in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount, byte izp, DwContext* k, DwContext* kTwo)
    {
        public readonly DepthwiseGeometry G = g;
        public readonly byte* In = pin, Out = pout;
        public readonly int RowStart = rowStart, RowCount = rowCount;
        public readonly byte InputZeroPoint = izp;
        public readonly DwContext* K = k, KTwo = kTwo;

        public void Run<TP>() where TP : struct, IDwPixels => DepthwiseRowDriver.Run<TP>(G, In, Out, RowStart, RowCount, InputZeroPoint, K, KTwo);
    }

    private static void ByInput<TMac>(Avx2DepthwisePack p, in Args a) where TMac : struct, IDwMac
    {
        if (p.IsInt8) ByRequant<DwS8, TMac>(p, a);
        else ByRequant<DwU8, TMac>(p, a);
    }

    private static void ByRequant<TIn, TMac>(Avx2DepthwisePack p, in Args a) where TIn : struct, IDwInput where TMac : struct, IDwMac
    {
        switch (p.Kind)
        {
            case DwRequantKind.AwayTensor: a.Run<Avx2Pixels<TIn, TMac, AwayFromZeroTensor>>(); break;
            case DwRequantKind.AwayRightOnly: a.Run<Avx2Pixels<TIn, TMac, AwayFromZeroRight>>(); break;
            case DwRequantKind.Away: a.Run<Avx2Pixels<TIn, TMac, AwayFromZero>>(); break;
            case DwRequantKind.Upward: a.Run<Avx2Pixels<TIn, TMac, Upward>>(); break;
            default: a.Run<Avx2Pixels<TIn, TMac, SingleRounding>>(); break;
        }
    }

    /// <summary>All channels of one output pixel; the taps are r{ky} + {0, o1, 2 * o1}. Needs C >= 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Pixel<TIn, TMac, TRq>(byte* r0, byte* r1, byte* r2, nint o1, byte* dst, DwContext* k)
        where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
    {
        int nb = k->Blocks32;
        for (int b = 0; b < nb; b++)
            Block32<TIn, TMac, TRq>(r0 + b * 32, r1 + b * 32, r2 + b * 32, o1, b, dst + b * 32, k);
        Tail<TIn, TMac, TRq>(r0, r1, r2, o1, dst, k);
    }

    /// <summary>
    /// Two output pixels of a row whose taps start o1 (not wide) or 2 * o1 (wide) bytes apart, so their 32-channel blocks
    /// share column interleaves; the first pixel's taps are r{ky} + {0, o1, 2 * o1}.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PixelPair<TIn, TMac, TRq>(byte* r0, byte* r1, byte* r2, nint o1, bool wide, byte* dstA, byte* dstB, DwContext* k)
        where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
    {
        int nb = k->Blocks32;
        if (wide)
            for (int b = 0; b < nb; b++)
                Block32Pair<TIn, TMac, TRq>(r0 + b * 32, r1 + b * 32, r2 + b * 32, o1, true, b, dstA + b * 32, dstB + b * 32, k);
        else
            for (int b = 0; b < nb; b++)
                Block32Pair<TIn, TMac, TRq>(r0 + b * 32, r1 + b * 32, r2 + b * 32, o1, false, b, dstA + b * 32, dstB + b * 32, k);
        Tail<TIn, TMac, TRq>(r0, r1, r2, o1, dstA, k);
        nint shift = wide ? 2 * o1 : o1;
        Tail<TIn, TMac, TRq>(r0 + shift, r1 + shift, r2 + shift, o1, dstB, k);
    }

    /// <summary>Channels after the 32-channel blocks: 16-channel blocks, the last one ending at C (overlapping channels already written, same values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tail<TIn, TMac, TRq>(byte* r0, byte* r1, byte* r2, nint o1, byte* dst, DwContext* k)
        where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
    {
        int c = k->Blocks32 * 32, C = k->Channels;
        if (c == C) return;
        if (c + 16 <= C)
        {
            Block16<TIn, TMac, TRq>(r0, r1, r2, o1, c, dst, k);
            c += 16;
        }
        if (c < C) Block16<TIn, TMac, TRq>(r0, r1, r2, o1, C - 16, dst, k);
    }

    /// <summary>32 channels (block b, pointers already at its first channel), perm layout, pairs <see cref="Avx2DepthwisePack.PermPairs"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block32<TIn, TMac, TRq>(byte* r0, byte* r1, byte* r2, nint o1, int b, byte* dst, DwContext* k)
        where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
    {
        short* w = k->W32 + b * Avx2DepthwisePack.PermBlockShorts;
        int o = b * 32;
        int* bias = k->Perm.Bias + o;
        var a0 = Vector256.Load(bias);
        var a1 = Vector256.Load(bias + 8);
        var a2 = Vector256.Load(bias + 16);
        var a3 = Vector256.Load(bias + 24);
        nint o2 = 2 * o1;
        Interleave(TIn.Load(r0), TIn.Load(r1), out var x0, out var x1, out var x2, out var x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w);
        Interleave(TIn.Load(r0 + o1), TIn.Load(r1 + o1), out x0, out x1, out x2, out x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 64);
        Interleave(TIn.Load(r0 + o2), TIn.Load(r1 + o2), out x0, out x1, out x2, out x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 128);
        Interleave(TIn.Load(r2), TIn.Load(r2 + o1), out x0, out x1, out x2, out x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 192);
        Interleave(TIn.Load(r2 + o2), Vector256<byte>.Zero, out x0, out x1, out x2, out x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 256);
        Store32<TIn, TRq>(a0, a1, a2, a3, o, dst, k);
    }

    /// <summary>
    /// Block32 for two pixels A and B (see <see cref="PixelPair"/>): columns c_j = r + j * o1; A reads c0..c2, B reads
    /// c1..c3 (c2..c4 when wide). Each column's rows 0+1 interleave and each row-2 pair is built once for both pixels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block32Pair<TIn, TMac, TRq>(byte* r0, byte* r1, byte* r2, nint o1, bool wide, int b, byte* dstA, byte* dstB, DwContext* k)
        where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
    {
        short* w = k->W32 + b * Avx2DepthwisePack.PermBlockShorts;
        int o = b * 32;
        int* bias = k->Perm.Bias + o;
        var a0 = Vector256.Load(bias);
        var a1 = Vector256.Load(bias + 8);
        var a2 = Vector256.Load(bias + 16);
        var a3 = Vector256.Load(bias + 24);
        var b0 = a0; var b1 = a1; var b2 = a2; var b3 = a3;
        nint o2 = 2 * o1, o3 = 3 * o1;
        // Rows 0 and 1, column by column: pairs P0..P2 (column 0..2 of a pixel).
        Interleave(TIn.Load(r0), TIn.Load(r1), out var x0, out var x1, out var x2, out var x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w);
        Interleave(TIn.Load(r0 + o1), TIn.Load(r1 + o1), out x0, out x1, out x2, out x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 64);
        if (!wide) Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, w);
        Interleave(TIn.Load(r0 + o2), TIn.Load(r1 + o2), out x0, out x1, out x2, out x3);
        Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 128);
        Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, wide ? w : w + 64);
        Interleave(TIn.Load(r0 + o3), TIn.Load(r1 + o3), out x0, out x1, out x2, out x3);
        Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, wide ? w + 64 : w + 128);
        if (wide)
        {
            nint o4 = 4 * o1;
            Interleave(TIn.Load(r0 + o4), TIn.Load(r1 + o4), out x0, out x1, out x2, out x3);
            Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, w + 128);
            // Row 2: A = (c0, c1) P3 + (c2, -) P4; B = (c2, c3) P3 + (c4, -) P4.
            Interleave(TIn.Load(r2), TIn.Load(r2 + o1), out x0, out x1, out x2, out x3);
            Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 192);
            Interleave(TIn.Load(r2 + o2), TIn.Load(r2 + o3), out x0, out x1, out x2, out x3);
            Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 256);
            Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, w + 192);
            Interleave(TIn.Load(r2 + o4), Vector256<byte>.Zero, out x0, out x1, out x2, out x3);
            Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, w + 256);
        }
        else
        {
            // Row 2: A = (c0, c1) P3 + (c2, c3) P4; B = (c1, c2) P3 + (c2, c3) P5.
            Interleave(TIn.Load(r2), TIn.Load(r2 + o1), out x0, out x1, out x2, out x3);
            Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 192);
            Interleave(TIn.Load(r2 + o1), TIn.Load(r2 + o2), out x0, out x1, out x2, out x3);
            Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, w + 192);
            Interleave(TIn.Load(r2 + o2), TIn.Load(r2 + o3), out x0, out x1, out x2, out x3);
            Dot<TMac>(ref a0, ref a1, ref a2, ref a3, x0, x1, x2, x3, w + 256);
            Dot<TMac>(ref b0, ref b1, ref b2, ref b3, x0, x1, x2, x3, w + 320);
        }
        Store32<TIn, TRq>(a0, a1, a2, a3, o, dstA, k);
        Store32<TIn, TRq>(b0, b1, b2, b3, o, dstB, k);
    }

    /// <summary>Bytes of taps a and b of 32 channels interleaved per channel and zero-extended to int16 pairs, in the perm order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector256<byte> a, Vector256<byte> b, out Vector256<short> x0, out Vector256<short> x1, out Vector256<short> x2, out Vector256<short> x3)
    {
        var z = Vector256<byte>.Zero;
        var l = Avx2.UnpackLow(a, b);
        var h = Avx2.UnpackHigh(a, b);
        x0 = Avx2.UnpackLow(l, z).AsInt16();
        x1 = Avx2.UnpackHigh(l, z).AsInt16();
        x2 = Avx2.UnpackLow(h, z).AsInt16();
        x3 = Avx2.UnpackHigh(h, z).AsInt16();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot<TMac>(ref Vector256<int> a0, ref Vector256<int> a1, ref Vector256<int> a2, ref Vector256<int> a3,
        Vector256<short> x0, Vector256<short> x1, Vector256<short> x2, Vector256<short> x3, short* w) where TMac : struct, IDwMac
    {
        a0 = TMac.Dot(a0, x0, Vector256.Load(w));
        a1 = TMac.Dot(a1, x1, Vector256.Load(w + 16));
        a2 = TMac.Dot(a2, x2, Vector256.Load(w + 32));
        a3 = TMac.Dot(a3, x3, Vector256.Load(w + 48));
    }

    /// <summary>Requantizes 32 perm-ordered accumulators and stores them as 32 bytes in channel order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store32<TIn, TRq>(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3, int o, byte* dst, DwContext* k)
        where TIn : struct, IDwInput where TRq : struct, IRequantPolicy
    {
        var q0 = TRq.Avx2(a0, k->Perm.Q, o);
        var q1 = TRq.Avx2(a1, k->Perm.Q, o + 8);
        var q2 = TRq.Avx2(a2, k->Perm.Q, o + 16);
        var q3 = TRq.Avx2(a3, k->Perm.Q, o + 24);
        // [0..3 4..7 | 16..19 20..23] and [8..15 | 24..31] as int16, then bytes [0..15 | 16..31]: channel order again.
        var bytes = TIn.Narrow(PackWithZeroPoint<TRq>(q0, q1, k), PackWithZeroPoint<TRq>(q2, q3, k), Vector256.Create(k->Min), Vector256.Create(k->Max));
        bytes.Store(dst);
    }

    /// <summary>
    /// Adds the output zero point and saturates to int16. The reference adds in int32 (wrapping) and clamps; when
    /// |x| &lt;= 2^30 nothing wraps, and saturating first then adding with saturation clamps to the same bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> PackWithZeroPoint<TRq>(Vector256<int> a, Vector256<int> b, DwContext* k) where TRq : struct, IRequantPolicy
    {
        if (TRq.RightShiftsOnly) return Avx2.AddSaturate(Avx2.PackSignedSaturate(a, b), Vector256.Create((short)k->OutputZeroPoint));
        var zp = Vector256.Create(k->OutputZeroPoint);
        return Avx2.PackSignedSaturate(Avx2.Add(a, zp), Avx2.Add(b, zp));
    }

    /// <summary>16 channels starting at channel c (any offset), lin layout.</summary>
    private static void Block16<TIn, TMac, TRq>(byte* r0, byte* r1, byte* r2, nint o1, int c, byte* dst, DwContext* k)
        where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
    {
        nint o2 = 2 * o1;
        nint ps = 2 * (nint)k->Channels; // shorts per tap pair
        short* w = k->W16 + 2 * c;
        r0 += c; r1 += c; r2 += c;
        var a0 = Vector256.Load(k->Lin.Bias + c);
        var a1 = Vector256.Load(k->Lin.Bias + c + 8);
        Pair16<TIn, TMac>(r0, r0 + o1, w, ref a0, ref a1);
        Pair16<TIn, TMac>(r0 + o2, r1, w + ps, ref a0, ref a1);
        Pair16<TIn, TMac>(r1 + o1, r1 + o2, w + 2 * ps, ref a0, ref a1);
        Pair16<TIn, TMac>(r2, r2 + o1, w + 3 * ps, ref a0, ref a1);
        // Tap 8 alone: bytes zero-extended to dwords, so the pair's second int16 is 0.
        a0 = TMac.Dot(a0, TIn.Load8(r2 + o2).AsInt16(), Vector256.Load(w + 4 * ps));
        a1 = TMac.Dot(a1, TIn.Load8(r2 + o2 + 8).AsInt16(), Vector256.Load(w + 4 * ps + 16));
        var q0 = TRq.Avx2(a0, k->Lin.Q, c);
        var q1 = TRq.Avx2(a1, k->Lin.Q, c + 8);
        // [0..3 8..11 | 4..7 12..15] -> [0..7 | 8..15] -> 16 bytes.
        var s = Avx2.Permute4x64(PackWithZeroPoint<TRq>(q0, q1, k).AsInt64(), 0b11_01_10_00).AsInt16();
        TIn.Narrow(s.GetLower(), s.GetUpper(), Vector128.Create(k->Min), Vector128.Create(k->Max)).Store(dst + c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair16<TIn, TMac>(byte* pa, byte* pb, short* w, ref Vector256<int> a0, ref Vector256<int> a1)
        where TIn : struct, IDwInput where TMac : struct, IDwMac
    {
        var a = TIn.Load128(pa);
        var b = TIn.Load128(pb);
        a0 = TMac.Dot(a0, Avx2.ConvertToVector256Int16(Sse2.UnpackLow(a, b)).AsInt16(), Vector256.Load(w));
        a1 = TMac.Dot(a1, Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(a, b)).AsInt16(), Vector256.Load(w + 16));
    }
}

/// <summary>The AVX2 kernel as the row driver's pixel kernel.</summary>
internal unsafe struct Avx2Pixels<TIn, TMac, TRq> : IDwPixels where TIn : struct, IDwInput where TMac : struct, IDwMac where TRq : struct, IRequantPolicy
{
    public static bool Pairs => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel(byte* r0, byte* r1, byte* r2, nint o1, byte* dst, void* k)
        => Avx2DepthwiseRows.Pixel<TIn, TMac, TRq>(r0, r1, r2, o1, dst, (DwContext*)k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PixelPair(byte* r0, byte* r1, byte* r2, nint o1, bool wide, byte* dstA, byte* dstB, void* k)
        => Avx2DepthwiseRows.PixelPair<TIn, TMac, TRq>(r0, r1, r2, o1, wide, dstA, dstB, (DwContext*)k);
}
