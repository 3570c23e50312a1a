using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>Geometry of a 3x3 depthwise convolution (depth multiplier 1) over one NHWC image.</summary>
public readonly record struct DepthwiseGeometry(
    int InputHeight, int InputWidth, int Channels, int OutputHeight, int OutputWidth,
    int StrideH = 1, int StrideW = 1, int DilationH = 1, int DilationW = 1, int PadTop = 1, int PadLeft = 1)
{
    /// <summary>TFLite SAME/VALID geometry for a 3x3 kernel.</summary>
    public static DepthwiseGeometry Create(int inH, int inW, int channels, int stride, int dilation, bool samePadding)
    {
        int eff = 2 * dilation + 1;
        int outH = samePadding ? (inH + stride - 1) / stride : (inH - eff + stride) / stride;
        int outW = samePadding ? (inW + stride - 1) / stride : (inW - eff + stride) / stride;
        int padH = samePadding ? Math.Max(0, ((outH - 1) * stride + eff - inH) / 2) : 0;
        int padW = samePadding ? Math.Max(0, ((outW - 1) * stride + eff - inW) / 2) : 0;
        return new DepthwiseGeometry(inH, inW, channels, outH, outW, stride, stride, dilation, dilation, padH, padW);
    }
}

/// <summary>Per-channel 3x3 weights prepared for one variant: (w - w_zp) as int16 and int32, [9][channels padded to 16].</summary>
public sealed class PackedDepthwiseWeights
{
    internal PackedDepthwiseWeights(KernelIsa isa, QuantParams q, int channels, byte[] raw, short[] w16, int[] w32, short[] w16Pairs, RequantTable rq)
    {
        Isa = isa; Quant = q; Channels = channels; Raw = raw; W16 = w16; W32 = w32; W16Pairs = w16Pairs; Requant = rq;
        PaddedChannels = w32.Length / 9;
    }

    public KernelIsa Isa { get; }
    public QuantParams Quant { get; }
    public int Channels { get; }
    public long Bytes => Raw.Length + W16.Length * 2L + W32.Length * 4L + W16Pairs.Length * 2L + Requant.Bytes;
    internal int PaddedChannels { get; }
    internal byte[] Raw { get; }
    internal short[] W16 { get; }
    internal int[] W32 { get; }
    /// <summary>
    /// Taps paired (0,1) (2,3) (4,5) (6,7) (8,-) for vpmaddwd, per 16 channels 32 int16 in the vpunpcklwd/vpunpckhwd
    /// order of two 256-bit int16 vectors: [c0a c0b .. c3a c3b | c8a c8b .. c11b] [c4a .. c7b | c12a .. c15b]. Empty if not needed.
    /// </summary>
    internal short[] W16Pairs { get; }
    internal RequantTable Requant { get; }
}

/// <summary>
/// Quantized 3x3 depthwise convolution, depth multiplier 1, any stride/dilation/padding, per-channel or per-tensor:
/// out[y,x,c] = clamp(out_zp + Requantize.Apply(bias[c] + sum_{ky,kx in image} (in[iy,ix,c] - in_zp) * (w[ky,kx,c] - w_zp), mult[c], shift[c], rounding)).
/// Taps outside the image contribute nothing (TFLite's zero-point padding). Vectorized over channels.
/// </summary>
public abstract unsafe class DepthwiseConv3x3
{
    private protected const int CB = 256; // channels per accumulator block (bounds stack use)

    public abstract KernelIsa Isa { get; }

    /// <summary>Packs weights [3,3,C] (the TFLite filter [1,3,3,C]) and bias [C] (empty: none).</summary>
    public PackedDepthwiseWeights Pack(QuantParams q, int channels, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias)
    {
        if (channels <= 0) throw new ArgumentException("channels must be positive");
        if (weights.Length != 9 * channels) throw new ArgumentException($"{weights.Length} weight bytes for 3x3x{channels}");
        int[] b = bias.Length == 0 ? new int[channels] : bias.Length == channels ? bias.ToArray() : throw new ArgumentException($"{bias.Length} biases for {channels} channels");
        var rq = new RequantTable(q, channels, b);
        int cp = (channels + 15) / 16 * 16;
        var w16 = new short[9 * cp];
        var w32 = new int[9 * cp];
        for (int t = 0; t < 9; t++)
            for (int c = 0; c < channels; c++)
            {
                int v = (q.Type == QuantType.Int8 ? (sbyte)weights[t * channels + c] : weights[t * channels + c]) - q.FilterZeroPoint;
                w16[t * cp + c] = (short)v;
                w32[t * cp + c] = v;
            }
        var pairs = Isa == KernelIsa.Avx2 ? PairWeights(w16, cp) : [];
        return new PackedDepthwiseWeights(Isa, q, channels, weights.ToArray(), w16, w32, pairs, rq);
    }

    private static short[] PairWeights(short[] w16, int cp)
    {
        var pairs = new short[5 * cp * 2];
        for (int p = 0; p < 5; p++)
            for (int cb = 0; cb < cp; cb += 16)
            {
                int at = (p * cp + cb) * 2;
                for (int c = 0; c < 16; c++)
                {
                    int vec = (c / 4) % 2;               // 0..3, 8..11 -> unpacklo; 4..7, 12..15 -> unpackhi
                    int lane = c / 8;                    // 128-bit lane
                    int slot = at + vec * 16 + lane * 8 + (c % 4) * 2;
                    pairs[slot] = w16[(2 * p) * cp + cb + c];
                    pairs[slot + 1] = 2 * p + 1 < 9 ? w16[(2 * p + 1) * cp + cb + c] : (short)0;
                }
            }
        return pairs;
    }

    /// <summary>Computes output rows [rowStart, rowStart + rowCount) of one image. Does not allocate.</summary>
    public void Run(PackedDepthwiseWeights w, in DepthwiseGeometry g, ReadOnlySpan<byte> input, Span<byte> output, int rowStart, int rowCount)
    {
        if (w.Isa != Isa) throw new ArgumentException($"weights were packed for {KernelDispatcher.Name(w.Isa)}, not {KernelDispatcher.Name(Isa)}");
        if (g.Channels != w.Channels) throw new ArgumentException($"geometry has {g.Channels} channels, weights {w.Channels}");
        if (input.Length < (long)g.InputHeight * g.InputWidth * g.Channels) throw new ArgumentException("input is smaller than the geometry");
        if (output.Length < (long)g.OutputHeight * g.OutputWidth * g.Channels) throw new ArgumentException("output is smaller than the geometry");
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > g.OutputHeight) throw new ArgumentOutOfRangeException(nameof(rowStart));
        fixed (byte* pin = input, pout = output)
        fixed (short* w16 = w.W16)
        fixed (int* w32 = w.W32)
        fixed (short* wPairs = w.W16Pairs)
        {
            int C = g.Channels, cp = w.PaddedChannels;
            byte** taps = stackalloc byte*[9];
            int* tapIdx = stackalloc int[9];
            int* acc = stackalloc int[CB];
            int izp = w.Quant.InputZeroPoint;
            bool s8 = w.Quant.Type == QuantType.Int8;
            // Interior pixels (all 9 taps inside the image): tap pointers are base + a fixed offset per tap, so the
            // per-pixel bounds loop is skipped and the pointers advance by stride * C along x.
            long* tapOff = stackalloc long[9];
            int* fullIdx = stackalloc int[9];
            for (int t = 0; t < 9; t++)
            {
                tapOff[t] = ((long)(t / 3) * g.DilationH * g.InputWidth + (t % 3) * g.DilationW) * C;
                fullIdx[t] = t * cp;
            }
            int xa = (g.PadLeft + g.StrideW - 1) / g.StrideW;
            int xNum = g.InputWidth - 1 - 2 * g.DilationW + g.PadLeft;
            int xb = xNum < 0 ? 0 : Math.Min(g.OutputWidth, xNum / g.StrideW + 1);
            long xStep = (long)g.StrideW * C;
            for (int oy = rowStart; oy < rowStart + rowCount; oy++)
            {
                int iy0 = oy * g.StrideH - g.PadTop;
                bool rowFull = iy0 >= 0 && iy0 + 2 * g.DilationH < g.InputHeight;
                int rxa = rowFull ? xa : g.OutputWidth, rxb = rowFull ? xb : g.OutputWidth;
                if (rxb <= rxa) { rxa = g.OutputWidth; rxb = g.OutputWidth; }
                if (rxa < rxb)
                {
                    byte* basePtr = pin + ((long)iy0 * g.InputWidth + (long)rxa * g.StrideW - g.PadLeft) * C;
                    byte* dst = pout + ((long)oy * g.OutputWidth + rxa) * C;
                    if (InteriorRow(basePtr, tapOff, xStep, rxb - rxa, dst, C, cp, izp, s8, wPairs, taps, acc, w.Requant)) { }
                    else for (int ox = rxa; ox < rxb; ox++, basePtr += xStep, dst += C)
                    {
                        for (int t = 0; t < 9; t++) taps[t] = basePtr + tapOff[t];
                        for (int c0 = 0; c0 < C; c0 += CB)
                        {
                            int count = Math.Min(CB, C - c0);
                            int done = Accumulate(taps, fullIdx, 9, c0, count, izp, s8, w16, w32, wPairs, acc);
                            if (done < count) ScalarAccumulate(taps, fullIdx, 9, c0, done, count, izp, s8, w32, acc);
                            Requantizer.Row(Isa, acc, count, c0, 0, w.Requant, dst + c0);
                        }
                    }
                }
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    if (ox == rxa) { ox = rxb - 1; continue; }
                    int nt = 0;
                    for (int ky = 0; ky < 3; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if ((uint)iy >= (uint)g.InputHeight) continue;
                        for (int kx = 0; kx < 3; kx++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            if ((uint)ix >= (uint)g.InputWidth) continue;
                            taps[nt] = pin + ((long)iy * g.InputWidth + ix) * C;
                            tapIdx[nt] = (ky * 3 + kx) * cp;
                            nt++;
                        }
                    }
                    byte* dst = pout + ((long)oy * g.OutputWidth + ox) * C;
                    for (int c0 = 0; c0 < C; c0 += CB)
                    {
                        int count = Math.Min(CB, C - c0);
                        int done = Accumulate(taps, tapIdx, nt, c0, count, izp, s8, w16, w32, wPairs, acc);
                        ScalarAccumulate(taps, tapIdx, nt, c0, done, count, izp, s8, w32, acc);
                        Requantizer.Row(Isa, acc, count, c0, 0, w.Requant, dst + c0);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Optional fast path for <paramref name="n"/> interior pixels of one output row (all 9 taps inside the image); the
    /// taps of pixel i are basePtr + i * xStep + tapOff[t]. Returns false if this variant has none for these channels.
    /// </summary>
    private protected virtual bool InteriorRow(byte* basePtr, long* tapOff, long xStep, int n, byte* dst, int C, int cp, int izp, bool s8, short* wPairs, byte** taps, int* acc, RequantTable rq) => false;

    /// <summary>Vector part: writes acc[0..returned) for channels c0.. and returns how many it did (a multiple of its width).</summary>
    private protected abstract int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, short* wPairs, int* acc);

    private static void ScalarAccumulate(byte** taps, int* tapIdx, int nt, int c0, int from, int count, int izp, bool s8, int* w32, int* acc)
    {
        for (int c = from; c < count; c++)
        {
            int s = 0;
            for (int t = 0; t < nt; t++)
            {
                byte raw = taps[t][c0 + c];
                s += ((s8 ? (sbyte)raw : raw) - izp) * w32[tapIdx[t] + c0 + c];
            }
            acc[c] = s;
        }
    }

    private static readonly DepthwiseConv3x3 s_reference = new ReferenceDepthwiseConv3x3();
    private static readonly DepthwiseConv3x3 s_portable = new PortableDepthwiseConv3x3();
    private static readonly DepthwiseConv3x3 s_avx2 = new Avx2DepthwiseConv3x3();
    private static readonly DepthwiseConv3x3 s_advSimd = new AdvSimdDepthwiseConv3x3();

    /// <summary>The implementation for <paramref name="isa"/> (AdvSimdDot uses the AdvSimd kernel: SDOT does not help depthwise).</summary>
    public static DepthwiseConv3x3 For(KernelIsa isa) => KernelDispatcher.Require(isa) switch
    {
        KernelIsa.Reference => s_reference,
        KernelIsa.Portable => s_portable,
        KernelIsa.Avx2 => s_avx2,
        KernelIsa.AdvSimd or KernelIsa.AdvSimdDot => s_advSimd,
        _ => throw new ArgumentOutOfRangeException(nameof(isa)),
    };
}

/// <summary>The scalar definition (Requantizer.RowScalar = Requantize.Apply per element).</summary>
public sealed unsafe class ReferenceDepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.Reference;
    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, short* wPairs, int* acc) => 0;
}

/// <summary>Vector128: 4 channels per step, widened to int32.</summary>
public sealed unsafe class PortableDepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.Portable;

    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, short* wPairs, int* acc)
    {
        var vz = Vector128.Create(izp);
        int c = 0;
        for (; c + 4 <= count; c += 4)
        {
            var s = Vector128<int>.Zero;
            for (int t = 0; t < nt; t++)
            {
                var b = Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(taps[t] + c0 + c)).AsByte();
                var x = s8 ? Vector128.WidenLower(Vector128.WidenLower(b.AsSByte())) : Vector128.WidenLower(Vector128.WidenLower(b)).AsInt32();
                s += (x - vz) * Vector128.Load(w32 + tapIdx[t] + c0 + c);
            }
            s.Store(acc + c);
        }
        return c;
    }
}

/// <summary>AVX2: 8 channels per step, vpmovzx/sxbd + vpmulld.</summary>
public sealed unsafe class Avx2DepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.Avx2;

    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, short* wPairs, int* acc)
    {
        // Interior pixels (all 9 taps, in weight order): int16 pairs of taps through vpmaddwd on pre-interleaved weights.
        int done = 0;
        if (nt == 9)
        {
            int cp = tapIdx[1]; // tap (0,1) starts one padded channel row in
            done = s8 ? Pairs<Avx2S8Load16>(taps, c0, count, izp, wPairs, cp, acc) : Pairs<Avx2U8Load16>(taps, c0, count, izp, wPairs, cp, acc);
        }
        if (done == count) return done;
        return s8 ? Run<Avx2S8Load>(taps, tapIdx, nt, c0, count, izp, w32, acc, done) : Run<Avx2U8Load>(taps, tapIdx, nt, c0, count, izp, w32, acc, done);
    }

    private protected override bool InteriorRow(byte* basePtr, long* tapOff, long xStep, int n, byte* dst, int C, int cp, int izp, bool s8, short* wPairs, byte** taps, int* acc, RequantTable rq)
    {
        if (C % 16 != 0) return false;
        if (s8) InteriorRow<Avx2S8Load16>(basePtr, tapOff, xStep, n, dst, C, cp, izp, wPairs, taps, acc, rq);
        else InteriorRow<Avx2U8Load16>(basePtr, tapOff, xStep, n, dst, C, cp, izp, wPairs, taps, acc, rq);
        return true;
    }

    private static void InteriorRow<TLoad>(byte* basePtr, long* tapOff, long xStep, int n, byte* dst, int C, int cp, int izp, short* wPairs, byte** taps, int* acc, RequantTable rq) where TLoad : struct, IAvx2Load16
    {
        for (int i = 0; i < n; i++, basePtr += xStep, dst += C)
        {
            for (int t = 0; t < 9; t++) taps[t] = basePtr + tapOff[t];
            for (int c0 = 0; c0 < C; c0 += CB)
            {
                int count = Math.Min(CB, C - c0);
                Pairs<TLoad>(taps, c0, count, izp, wPairs, cp, acc);
                Requantizer.RowAvx2(acc, count, c0, 0, rq, dst + c0);
            }
        }
    }

    /// <summary>
    /// 16 channels per step: (x - in_zp) as int16 (|.| &lt;= 255) for taps 2p and 2p+1 interleaved, times the (w - w_zp) pairs
    /// with vpmaddwd (each int32 lane = two products of at most 255*255, exact). Lanes come out as channels
    /// [0..3, 8..11] and [4..7, 12..15] and are put back in order at the store.
    /// </summary>
    private static int Pairs<TLoad>(byte** taps, int c0, int count, int izp, short* wPairs, int cp, int* acc) where TLoad : struct, IAvx2Load16
    {
        var vz = Vector256.Create((short)izp);
        byte* t0 = taps[0] + c0, t1 = taps[1] + c0, t2 = taps[2] + c0, t3 = taps[3] + c0, t4 = taps[4] + c0,
              t5 = taps[5] + c0, t6 = taps[6] + c0, t7 = taps[7] + c0, t8 = taps[8] + c0;
        short* wp = wPairs + 2 * c0;
        long ps = 2L * cp; // shorts per tap pair
        int c = 0;
        for (; c + 16 <= count; c += 16)
        {
            short* w = wp + 2 * c;
            Vector256<int> lo, hi;
            var a = Avx2.Subtract(TLoad.Load(t0 + c), vz);
            var b = Avx2.Subtract(TLoad.Load(t1 + c), vz);
            lo = Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, b), Avx.LoadVector256(w));
            hi = Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, b), Avx.LoadVector256(w + 16));
            a = Avx2.Subtract(TLoad.Load(t2 + c), vz);
            b = Avx2.Subtract(TLoad.Load(t3 + c), vz);
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, b), Avx.LoadVector256(w + ps)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, b), Avx.LoadVector256(w + ps + 16)));
            a = Avx2.Subtract(TLoad.Load(t4 + c), vz);
            b = Avx2.Subtract(TLoad.Load(t5 + c), vz);
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, b), Avx.LoadVector256(w + 2 * ps)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, b), Avx.LoadVector256(w + 2 * ps + 16)));
            a = Avx2.Subtract(TLoad.Load(t6 + c), vz);
            b = Avx2.Subtract(TLoad.Load(t7 + c), vz);
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, b), Avx.LoadVector256(w + 3 * ps)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, b), Avx.LoadVector256(w + 3 * ps + 16)));
            a = Avx2.Subtract(TLoad.Load(t8 + c), vz);
            lo = Avx2.Add(lo, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, Vector256<short>.Zero), Avx.LoadVector256(w + 4 * ps)));
            hi = Avx2.Add(hi, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, Vector256<short>.Zero), Avx.LoadVector256(w + 4 * ps + 16)));
            Avx2.Permute2x128(lo, hi, 0x20).Store(acc + c);
            Avx2.Permute2x128(lo, hi, 0x31).Store(acc + c + 8);
        }
        return c;
    }

    private static int Run<TLoad>(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, int* w32, int* acc, int c) where TLoad : struct, IAvx2Load8
    {
        var vz = Vector256.Create(izp);
        for (; c + 16 <= count; c += 16)
        {
            Vector256<int> s0 = default, s1 = default;
            for (int t = 0; t < nt; t++)
            {
                byte* p = taps[t] + c0 + c;
                int* wp = w32 + tapIdx[t] + c0 + c;
                s0 = Avx2.Add(s0, Avx2.MultiplyLow(Avx2.Subtract(TLoad.Load(p), vz), Avx.LoadVector256(wp)));
                s1 = Avx2.Add(s1, Avx2.MultiplyLow(Avx2.Subtract(TLoad.Load(p + 8), vz), Avx.LoadVector256(wp + 8)));
            }
            s0.Store(acc + c);
            s1.Store(acc + c + 8);
        }
        for (; c + 8 <= count; c += 8)
        {
            Vector256<int> s0 = default;
            for (int t = 0; t < nt; t++)
                s0 = Avx2.Add(s0, Avx2.MultiplyLow(Avx2.Subtract(TLoad.Load(taps[t] + c0 + c), vz), Avx.LoadVector256(w32 + tapIdx[t] + c0 + c)));
            s0.Store(acc + c);
        }
        return c;
    }
}

internal unsafe interface IAvx2Load8 { static abstract Vector256<int> Load(byte* p); }
internal unsafe struct Avx2U8Load : IAvx2Load8 { public static Vector256<int> Load(byte* p) => Avx2.ConvertToVector256Int32(p); }
internal unsafe struct Avx2S8Load : IAvx2Load8 { public static Vector256<int> Load(byte* p) => Avx2.ConvertToVector256Int32((sbyte*)p); }
internal unsafe interface IAvx2Load16 { static abstract Vector256<short> Load(byte* p); }
internal unsafe struct Avx2U8Load16 : IAvx2Load16 { public static Vector256<short> Load(byte* p) => Avx2.ConvertToVector256Int16(p); }
internal unsafe struct Avx2S8Load16 : IAvx2Load16 { public static Vector256<short> Load(byte* p) => Avx2.ConvertToVector256Int16((sbyte*)p); }

/// <summary>ARM64 AdvSimd: 16 channels per step, USUBL/SSUBL to int16 then SMLAL/SMLAL2 with int16 weights.</summary>
public sealed unsafe class AdvSimdDepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.AdvSimd;

    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, short* wPairs, int* acc)
    {
        var zb = Vector128.Create((byte)izp);
        int c = 0;
        for (; c + 16 <= count; c += 16)
        {
            Vector128<int> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int t = 0; t < nt; t++)
            {
                var x = AdvSimd.LoadVector128(taps[t] + c0 + c);
                short* wp = w16 + tapIdx[t] + c0 + c;
                var wl = AdvSimd.LoadVector128(wp);
                var wh = AdvSimd.LoadVector128(wp + 8);
                Vector128<short> xl, xh;
                if (s8)
                {
                    xl = AdvSimd.SubtractWideningLower(x.AsSByte().GetLower(), zb.AsSByte().GetLower());
                    xh = AdvSimd.SubtractWideningUpper(x.AsSByte(), zb.AsSByte());
                }
                else
                {
                    // uint16 wrap-around of x - zp is the right int16 value (|x - zp| <= 255).
                    xl = AdvSimd.SubtractWideningLower(x.GetLower(), zb.GetLower()).AsInt16();
                    xh = AdvSimd.SubtractWideningUpper(x, zb).AsInt16();
                }
                s0 = AdvSimd.MultiplyWideningLowerAndAdd(s0, xl.GetLower(), wl.GetLower());
                s1 = AdvSimd.MultiplyWideningUpperAndAdd(s1, xl, wl);
                s2 = AdvSimd.MultiplyWideningLowerAndAdd(s2, xh.GetLower(), wh.GetLower());
                s3 = AdvSimd.MultiplyWideningUpperAndAdd(s3, xh, wh);
            }
            AdvSimd.Store(acc + c, s0);
            AdvSimd.Store(acc + c + 4, s1);
            AdvSimd.Store(acc + c + 8, s2);
            AdvSimd.Store(acc + c + 12, s3);
        }
        return c;
    }
}
