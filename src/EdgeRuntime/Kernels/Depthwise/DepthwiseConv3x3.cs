using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>Geometry of a 3x3 depthwise convolution (depth multiplier 1) over one NHWC image.</summary>
internal readonly record struct DepthwiseGeometry(
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

/// <summary>Per-channel 3x3 weights prepared for one variant: (w - w_zp) as int32 (and int16 for AdvSimd), [9][channels padded to 16]; AVX2 adds the fused kernel's layouts.</summary>
internal sealed class PackedDepthwiseWeights
{
    internal PackedDepthwiseWeights(KernelIsa isa, QuantParams q, int channels, byte[] raw, short[] w16, int[] w32, Avx2DepthwisePack? avx2, RequantTable rq)
    {
        Isa = isa; Quant = q; Channels = channels; Raw = raw; W16 = w16; W32 = w32; Avx2 = avx2; Requant = rq;
        PaddedChannels = w32.Length / 9;
        Kind = DwRequant.KindOf(q);
    }

    public KernelIsa Isa { get; }
    public QuantParams Quant { get; }
    public int Channels { get; }
    public long Bytes => Raw.Length + W16.Length * 2L + W32.Length * 4L + (Avx2?.Bytes ?? 0) + Requant.Bytes;
    internal int PaddedChannels { get; }
    internal byte[] Raw { get; }
    internal short[] W16 { get; }
    internal int[] W32 { get; }
    /// <summary>The fused AVX2 kernel's layouts (AVX2 packs with at least 16 channels), else null.</summary>
    internal Avx2DepthwisePack? Avx2 { get; }
    internal RequantTable Requant { get; }
    internal DwRequantKind Kind { get; }
}

/// <summary>
/// Quantized 3x3 depthwise convolution, depth multiplier 1, any stride/dilation/padding, per-channel or per-tensor:
/// out[y,x,c] = clamp(out_zp + Requantize.Apply(bias[c] + sum_{ky,kx in image} (in[iy,ix,c] - in_zp) * (w[ky,kx,c] - w_zp), mult[c], shift[c], rounding)).
/// Taps outside the image contribute nothing (TFLite's zero-point padding). Vectorized over channels.
/// </summary>
internal abstract unsafe class DepthwiseConv3x3
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
        // int16 weights only for the AdvSimd kernel (SMLAL); the other variants read the int32 copy.
        short[] w16 = Isa == KernelIsa.AdvSimd ? new short[9 * cp] : [];
        var w32 = new int[9 * cp];
        for (int t = 0; t < 9; t++)
            for (int c = 0; c < channels; c++)
            {
                int v = (q.Type == QuantType.Int8 ? (sbyte)weights[t * channels + c] : weights[t * channels + c]) - q.FilterZeroPoint;
                if (w16.Length > 0) w16[t * cp + c] = (short)v;
                w32[t * cp + c] = v;
            }
        var avx2 = Isa == KernelIsa.Avx2 && channels >= 16 ? new Avx2DepthwisePack(q, channels, weights, b) : null;
        return new PackedDepthwiseWeights(Isa, q, channels, weights.ToArray(), w16, w32, avx2, rq);
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
        {
            if (RunFused(w, g, pin, pout, rowStart, rowCount)) return;
        }
        fixed (byte* pin = input, pout = output)
        fixed (short* w16 = w.W16)
        fixed (int* w32 = w.W32)
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
                    for (int ox = rxa; ox < rxb; ox++, basePtr += xStep, dst += C)
                    {
                        for (int t = 0; t < 9; t++) taps[t] = basePtr + tapOff[t];
                        for (int c0 = 0; c0 < C; c0 += CB)
                        {
                            int count = Math.Min(CB, C - c0);
                            int done = Accumulate(taps, fullIdx, 9, c0, count, izp, s8, w16, w32, acc);
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
                        int done = Accumulate(taps, tapIdx, nt, c0, count, izp, s8, w16, w32, acc);
                        ScalarAccumulate(taps, tapIdx, nt, c0, done, count, izp, s8, w32, acc);
                        Requantizer.Row(Isa, acc, count, c0, 0, w.Requant, dst + c0);
                    }
                }
            }
        }
    }

    /// <summary>Optional whole-range kernel of a variant (it computes every output pixel of the rows itself); false: use the generic loop.</summary>
    private protected virtual bool RunFused(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount) => false;

    /// <summary>Vector part: writes acc[0..returned) for channels c0.. and returns how many it did (a multiple of its width).</summary>
    private protected abstract int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, int* acc);

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
    // Made on first use: the VNNI decision may throw (EDGERT_VNNI=1 without AVX-VNNI), which must not poison the type initializer.
    private static DepthwiseConv3x3? s_avx2;
    private static readonly DepthwiseConv3x3 s_advSimd = new AdvSimdDepthwiseConv3x3();

    /// <summary>The implementation for <paramref name="isa"/> (AdvSimdDot uses the AdvSimd kernel: SDOT does not help depthwise).</summary>
    public static DepthwiseConv3x3 For(KernelIsa isa) => KernelDispatcher.Require(isa) switch
    {
        KernelIsa.Reference => s_reference,
        KernelIsa.Portable => s_portable,
        KernelIsa.Avx2 => s_avx2 ??= new Avx2DepthwiseConv3x3(KernelDispatcher.Vnni),
        KernelIsa.AdvSimd or KernelIsa.AdvSimdDot => s_advSimd,
        _ => throw new ArgumentOutOfRangeException(nameof(isa)),
    };
}

/// <summary>The scalar definition (Requantizer.RowScalar = Requantize.Apply per element).</summary>
internal sealed unsafe class ReferenceDepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.Reference;
    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, int* acc) => 0;
}

/// <summary>Vector128: 4 channels per step, widened to int32.</summary>
internal sealed unsafe class PortableDepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.Portable;

    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, int* acc)
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

/// <summary>
/// AVX2: the fused kernel of <see cref="Avx2DepthwiseRows"/> (vpmaddwd, or vpdpwssd on AVX-VNNI) for 16 channels or more;
/// fewer channels take the generic loop with 8 channels per step (vpmovzx/sxbd + vpmulld).
/// </summary>
internal sealed unsafe class Avx2DepthwiseConv3x3 : DepthwiseConv3x3
{
    private readonly bool _vnni;

    /// <summary>
    /// <paramref name="useVnni"/> is the dispatcher's decision (<see cref="KernelDispatcher.Vnni"/>, or a test's):
    /// false forces vpmaddwd + vpaddd; true requires AVX-VNNI.
    /// </summary>
    public Avx2DepthwiseConv3x3(bool useVnni)
    {
        if (useVnni) KernelDispatcher.RequireVnni();
        _vnni = useVnni;
    }

    public override KernelIsa Isa => KernelIsa.Avx2;

    /// <summary>True when the multiply-adds run on vpdpwssd.</summary>
    public bool UsesVnni => _vnni;

    private protected override bool RunFused(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount)
    {
        if (w.Avx2 is null || DepthwiseRowDriver.StackBytes(g) > DepthwiseRowDriver.MaxStackBytes) return false;
        Avx2DepthwiseRows.Run(w.Avx2, _vnni, g, pin, pout, rowStart, rowCount);
        return true;
    }

    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, int* acc)
        => s8 ? Run<Avx2S8Load>(taps, tapIdx, nt, c0, count, izp, w32, acc, 0) : Run<Avx2U8Load>(taps, tapIdx, nt, c0, count, izp, w32, acc, 0);

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

/// <summary>
/// ARM64 AdvSimd: 16 channels per step, USUBL/SSUBL to int16 then SMLAL/SMLAL2 with int16 weights; 16 channels or more
/// run fused (<see cref="AdvSimdDepthwiseRows"/>), requantized in registers.
/// </summary>
internal sealed unsafe class AdvSimdDepthwiseConv3x3 : DepthwiseConv3x3
{
    public override KernelIsa Isa => KernelIsa.AdvSimd;

    private protected override bool RunFused(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount)
    {
        if (g.Channels < 16 || DepthwiseRowDriver.StackBytes(g) > DepthwiseRowDriver.MaxStackBytes) return false;
        AdvSimdDepthwiseRows.Run(w, g, pin, pout, rowStart, rowCount);
        return true;
    }

    private protected override int Accumulate(byte** taps, int* tapIdx, int nt, int c0, int count, int izp, bool s8, short* w16, int* w32, int* acc)
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
