using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>Everything the fused AdvSimd kernel reads (the generic pack's int16 weights and requantization table), pinned for one Run.</summary>
internal unsafe struct ArmDwContext
{
    public short* W;
    public nint TapStride; // int16 weights per tap (channels padded to 16)
    public int* Bias;
    /// <summary>The tables the <see cref="IRequantPolicy"/> reads.</summary>
    public RequantPointers Q;
    public int Channels;
    public int OutputZeroPoint;
    public byte InputZeroPoint, Min, Max;
}

/// <summary>
/// Fused ARM64 AdvSimd 3x3 depthwise, rows walked by <see cref="DepthwiseRowDriver"/>: per output pixel and block of
/// 16 channels (the last block ending at C, overlapping), USUBL/SSUBL (x - in_zp) and SMLAL/SMLAL2 into accumulators
/// that start at the bias, then requantization in registers (gemmlowp's SQRDMULH/SRSHL sequence), SQXTN/SQXTUN and
/// the clamp on bytes: no int32 round trip through memory and, per tensor, no table loads.
/// </summary>
internal static unsafe class AdvSimdDepthwiseRows
{
    public static void Run(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount)
    {
        RequantTable t = w.Requant;
        fixed (short* pw = w.W16)
        fixed (int* bias = t.Bias, m = t.Multiplier, left = t.LeftShift, negRight = t.NegRightShift, negTotal = t.NegTotalShift)
        {
            var k = new ArmDwContext
            {
                W = pw, TapStride = w.PaddedChannels, Bias = bias, Q = RequantPointers.Of(t, m, left, null, null, negRight, null, null, null, negTotal),
                Channels = g.Channels,
                OutputZeroPoint = t.OutputZeroPoint, InputZeroPoint = (byte)w.Quant.InputZeroPoint, Min = (byte)t.Min, Max = (byte)t.Max,
            };
            if (w.Quant.Type == QuantType.Int8) ByRequant<ArmS8>(w.Kind, g, pin, pout, rowStart, rowCount, &k);
            else ByRequant<ArmU8>(w.Kind, g, pin, pout, rowStart, rowCount, &k);
        }
    }

    private static void ByRequant<TIn>(DwRequantKind kind, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount, ArmDwContext* k)
        where TIn : struct, IArmInput
    {
        switch (kind)
        {
            case DwRequantKind.AwayTensor: DepthwiseRowDriver.Run<ArmPixels<TIn, AwayFromZeroTensor>>(g, pin, pout, rowStart, rowCount, k->InputZeroPoint, k, null); break;
            case DwRequantKind.AwayRightOnly: DepthwiseRowDriver.Run<ArmPixels<TIn, AwayFromZeroRight>>(g, pin, pout, rowStart, rowCount, k->InputZeroPoint, k, null); break;
            case DwRequantKind.Away: DepthwiseRowDriver.Run<ArmPixels<TIn, AwayFromZero>>(g, pin, pout, rowStart, rowCount, k->InputZeroPoint, k, null); break;
            case DwRequantKind.Upward: DepthwiseRowDriver.Run<ArmPixels<TIn, Upward>>(g, pin, pout, rowStart, rowCount, k->InputZeroPoint, k, null); break;
            default: DepthwiseRowDriver.Run<ArmPixels<TIn, SingleRounding>>(g, pin, pout, rowStart, rowCount, k->InputZeroPoint, k, null); break;
        }
    }

    /// <summary>All channels of one pixel, taps r{ky} + {0, o1, 2 * o1}. Needs C &gt;= 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Pixel<TIn, TRq>(byte* r0, byte* r1, byte* r2, nint o1, byte* dst, ArmDwContext* k)
        where TIn : struct, IArmInput where TRq : struct, IRequantPolicy
    {
        int C = k->Channels, c = 0;
        for (; c + 16 <= C; c += 16) Block16<TIn, TRq>(r0, r1, r2, o1, c, dst, k);
        // The last channels: one more block ending at C, overlapping channels already written (same values).
        if (c < C) Block16<TIn, TRq>(r0, r1, r2, o1, C - 16, dst, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block16<TIn, TRq>(byte* r0, byte* r1, byte* r2, nint o1, int c, byte* dst, ArmDwContext* k)
        where TIn : struct, IArmInput where TRq : struct, IRequantPolicy
    {
        var zp = Vector128.Create(k->InputZeroPoint);
        short* w = k->W + c;
        nint ts = k->TapStride, o2 = 2 * o1;
        r0 += c; r1 += c; r2 += c;
        var s0 = AdvSimd.LoadVector128(k->Bias + c);
        var s1 = AdvSimd.LoadVector128(k->Bias + c + 4);
        var s2 = AdvSimd.LoadVector128(k->Bias + c + 8);
        var s3 = AdvSimd.LoadVector128(k->Bias + c + 12);
        Tap<TIn>(r0, zp, w, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r0 + o1, zp, w + ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r0 + o2, zp, w + 2 * ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r1, zp, w + 3 * ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r1 + o1, zp, w + 4 * ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r1 + o2, zp, w + 5 * ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r2, zp, w + 6 * ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r2 + o1, zp, w + 7 * ts, ref s0, ref s1, ref s2, ref s3);
        Tap<TIn>(r2 + o2, zp, w + 8 * ts, ref s0, ref s1, ref s2, ref s3);
        s0 = TRq.AdvSimd(s0, TRq.LoadAdvSimd(k->Q, c));
        s1 = TRq.AdvSimd(s1, TRq.LoadAdvSimd(k->Q, c + 4));
        s2 = TRq.AdvSimd(s2, TRq.LoadAdvSimd(k->Q, c + 8));
        s3 = TRq.AdvSimd(s3, TRq.LoadAdvSimd(k->Q, c + 12));
        Vector128<short> n01, n23;
        if (TRq.RightShiftsOnly)
        {
            // |x| <= 2^30: adding the zero point after saturating to int16 (with saturation) clamps to the same bytes.
            var zp16 = Vector128.Create((short)k->OutputZeroPoint);
            n01 = AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(s0), s1), zp16);
            n23 = AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(s2), s3), zp16);
        }
        else
        {
            // The reference adds the zero point in int32 (wrapping) before its clamp.
            var ozp = Vector128.Create(k->OutputZeroPoint);
            n01 = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(AdvSimd.Add(s0, ozp)), AdvSimd.Add(s1, ozp));
            n23 = AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(AdvSimd.Add(s2, ozp)), AdvSimd.Add(s3, ozp));
        }
        AdvSimd.Store(dst + c, TIn.Narrow(n01, n23, Vector128.Create(k->Min), Vector128.Create(k->Max)));
    }

    /// <summary>One tap of 16 channels: (x - in_zp) as int16 (|.| &lt;= 255) times the int16 weights, widened into the accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tap<TIn>(byte* p, Vector128<byte> zp, short* w, ref Vector128<int> s0, ref Vector128<int> s1, ref Vector128<int> s2, ref Vector128<int> s3)
        where TIn : struct, IArmInput
    {
        var x = AdvSimd.LoadVector128(p);
        TIn.Widen(x, zp, out var xl, out var xh);
        var wl = AdvSimd.LoadVector128(w);
        var wh = AdvSimd.LoadVector128(w + 8);
        s0 = AdvSimd.MultiplyWideningLowerAndAdd(s0, xl.GetLower(), wl.GetLower());
        s1 = AdvSimd.MultiplyWideningUpperAndAdd(s1, xl, wl);
        s2 = AdvSimd.MultiplyWideningLowerAndAdd(s2, xh.GetLower(), wh.GetLower());
        s3 = AdvSimd.MultiplyWideningUpperAndAdd(s3, xh, wh);
    }
}

/// <summary>
/// The AdvSimd kernel as the row driver's pixel kernel: border pixels one at a time (<see cref="AdvSimdDepthwiseRows.Pixel"/>),
/// interior runs by <see cref="AdvSimdDepthwiseSegment"/> (weights held in registers per channel block, pixel pairs).
/// </summary>
internal unsafe struct ArmPixels<TIn, TRq> : IDwPixels where TIn : struct, IArmInput where TRq : struct, IRequantPolicy
{
    public static bool Pairs => false;

    public static bool RowSegments => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel(byte* r0, byte* r1, byte* r2, nint o1, byte* dst, void* k)
        => AdvSimdDepthwiseRows.Pixel<TIn, TRq>(r0, r1, r2, o1, dst, (ArmDwContext*)k);

    public static void PixelPair(byte* r0, byte* r1, byte* r2, nint o1, bool wide, byte* dstA, byte* dstB, void* k)
        => throw new NotSupportedException("the AdvSimd depthwise kernel pairs pixels in its row segments");

    public static void RowSegment(byte* r0, byte* r1, byte* r2, nint step0, nint step1, nint step2, nint o1, int n, byte* dst, nint outBytes, void* k)
        => AdvSimdDepthwiseSegment.Run<TIn, TRq>(r0, r1, r2, step0, step1, step2, o1, n, dst, outBytes, (ArmDwContext*)k);
}

/// <summary>(x - zp) widened to int16 for 16 bytes, and the int16 -> 8-bit saturating narrow plus clamp of the results.</summary>
internal interface IArmInput
{
    static abstract void Widen(Vector128<byte> x, Vector128<byte> zp, out Vector128<short> lo, out Vector128<short> hi);
    /// <summary>(x - zp) of 8 bytes as int16 (one USUBL/SSUBL).</summary>
    static abstract Vector128<short> Widen8(Vector64<byte> x, Vector64<byte> zp);
    static abstract Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi, Vector128<byte> min, Vector128<byte> max);
}

internal struct ArmU8 : IArmInput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<short> Widen8(Vector64<byte> x, Vector64<byte> zp) => AdvSimd.SubtractWideningLower(x, zp).AsInt16();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector128<byte> x, Vector128<byte> zp, out Vector128<short> lo, out Vector128<short> hi)
    {
        // uint16 wrap-around of x - zp is the right int16 value (|x - zp| <= 255).
        lo = AdvSimd.SubtractWideningLower(x.GetLower(), zp.GetLower()).AsInt16();
        hi = AdvSimd.SubtractWideningUpper(x, zp).AsInt16();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi, Vector128<byte> min, Vector128<byte> max)
        => AdvSimd.Min(AdvSimd.Max(AdvSimd.ExtractNarrowingSaturateUnsignedUpper(AdvSimd.ExtractNarrowingSaturateUnsignedLower(lo), hi), min), max);
}

internal struct ArmS8 : IArmInput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<short> Widen8(Vector64<byte> x, Vector64<byte> zp) => AdvSimd.SubtractWideningLower(x.AsSByte(), zp.AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector128<byte> x, Vector128<byte> zp, out Vector128<short> lo, out Vector128<short> hi)
    {
        lo = AdvSimd.SubtractWideningLower(x.AsSByte().GetLower(), zp.AsSByte().GetLower());
        hi = AdvSimd.SubtractWideningUpper(x.AsSByte(), zp.AsSByte());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi, Vector128<byte> min, Vector128<byte> max)
        => AdvSimd.Min(AdvSimd.Max(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(lo), hi), min.AsSByte()), max.AsSByte()).AsByte();
}
