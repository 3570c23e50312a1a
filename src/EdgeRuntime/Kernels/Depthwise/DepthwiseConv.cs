using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>Geometry of a KH x KW depthwise convolution (depth multiplier 1) over one NHWC image.</summary>
internal readonly record struct DepthwiseGeometry(
    int InputHeight, int InputWidth, int Channels, int OutputHeight, int OutputWidth,
    int StrideH = 1, int StrideW = 1, int DilationH = 1, int DilationW = 1, int PadTop = 1, int PadLeft = 1,
    int KernelHeight = 3, int KernelWidth = 3)
{
    /// <summary>True for the 3x3 kernels the fused row kernels run.</summary>
    public bool Is3x3 => KernelHeight == 3 && KernelWidth == 3;

    /// <summary>TFLite SAME/VALID geometry for a KH x KW kernel (3x3 unless given).</summary>
    public static DepthwiseGeometry Create(int inH, int inW, int channels, int stride, int dilation, bool samePadding, int kernelHeight = 3, int kernelWidth = 3)
    {
        int effH = (kernelHeight - 1) * dilation + 1, effW = (kernelWidth - 1) * dilation + 1;
        int outH = samePadding ? (inH + stride - 1) / stride : (inH - effH + stride) / stride;
        int outW = samePadding ? (inW + stride - 1) / stride : (inW - effW + stride) / stride;
        int padH = samePadding ? Math.Max(0, ((outH - 1) * stride + effH - inH) / 2) : 0;
        int padW = samePadding ? Math.Max(0, ((outW - 1) * stride + effW - inW) / 2) : 0;
        return new DepthwiseGeometry(inH, inW, channels, outH, outW, stride, stride, dilation, dilation, padH, padW, kernelHeight, kernelWidth);
    }
}

/// <summary>
/// Per-channel KH x KW weights prepared for one variant: (w - w_zp) as int32 (and int16 for AdvSimd), [taps][channels padded to 16];
/// AVX2 adds tap pairs for vpmaddwd with the input zero point folded into a per-channel correction, and for 3x3 the fused kernel's layouts.
/// </summary>
internal sealed class PackedDepthwiseWeights
{
    internal PackedDepthwiseWeights(KernelIsa isa, QuantParams q, int kernelHeight, int kernelWidth, int channels, byte[] raw, short[] w16, int[] w32,
        short[] pairs, int[] correction, Avx2DepthwisePack? avx2, RequantTable rq)
    {
        Isa = isa; Quant = q; Channels = channels; Raw = raw; W16 = w16; W32 = w32; Pairs = pairs; Correction = correction; Avx2 = avx2; Requant = rq;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        PaddedChannels = w32.Length / Taps;
        Kind = DwRequant.KindOf(q);
        Pad = new byte[channels];
        Array.Fill(Pad, (byte)q.InputZeroPoint);
    }

    public KernelIsa Isa { get; }
    public QuantParams Quant { get; }
    public int Channels { get; }
    public int KernelHeight { get; }
    public int KernelWidth { get; }
    public int Taps => KernelHeight * KernelWidth;
    public long Bytes => Raw.Length + Pad.Length + W16.Length * 2L + W32.Length * 4L + Pairs.Length * 2L + Correction.Length * 4L + (Avx2?.Bytes ?? 0) + Requant.Bytes;
    internal int PaddedChannels { get; }
    internal byte[] Raw { get; }
    internal short[] W16 { get; }
    internal int[] W32 { get; }
    /// <summary>AVX2 (16 channels or more): [pair][channel padded][2] int16 weights of taps (2p, 2p + 1), the odd tap count's last partner 0; else empty.</summary>
    internal short[] Pairs { get; }
    /// <summary>With <see cref="Pairs"/>: -izp' * sum_t w[t][c] per channel (izp' = the zero point of the zero-extended input), else empty.</summary>
    internal int[] Correction { get; }
    /// <summary>C bytes of the input zero point: taps outside the image read it, so they add (zp - zp) * w = 0 as the reference's skipping does.</summary>
    internal byte[] Pad { get; }
    /// <summary>The fused AVX2 3x3 kernel's layouts (AVX2 packs of 3x3 with at least 16 channels), else null.</summary>
    internal Avx2DepthwisePack? Avx2 { get; }
    internal RequantTable Requant { get; }
    internal DwRequantKind Kind { get; }
}

/// <summary>Pinned weight pointers and constants of one generic-loop Run.</summary>
internal unsafe struct DwWeights
{
    public short* W16, Pairs;
    public int* W32, Correction;
    /// <summary>Channels padded to 16 (the row stride of every table).</summary>
    public int Padded;
    public int Taps;
    public int InputZeroPoint;
    public bool S8;
}

/// <summary>
/// Quantized KH x KW depthwise convolution, depth multiplier 1, any stride/dilation/padding, per-channel or per-tensor:
/// out[y,x,c] = clamp(out_zp + Requantize.Apply(bias[c] + sum_{ky,kx in image} (in[iy,ix,c] - in_zp) * (w[ky,kx,c] - w_zp), mult[c], shift[c], rounding)).
/// Taps outside the image contribute nothing (TFLite's zero-point padding). Vectorized over channels. One generic
/// per-pixel tap loop serves every kernel size; 3x3 additionally has fused row kernels per ISA.
/// </summary>
internal abstract unsafe class DepthwiseConv
{
    private protected const int CB = 256; // channels per accumulator block (bounds stack use)

    /// <summary>Most taps (KH x KW) the generic loop takes (its tap tables live on the stack); larger kernels run on the reference operator.</summary>
    public const int MaxTaps = 256;

    public abstract KernelIsa Isa { get; }

    /// <summary>The profile name of this variant's kernel for a KH x KW filter: dw3x3-* (fused rows) or dwkxk-* (the generic tap loop).</summary>
    public string KernelName(int kernelHeight, int kernelWidth) => (kernelHeight == 3 && kernelWidth == 3 ? "dw3x3-" : "dwkxk-") + KernelDispatcher.Name(Isa);

    /// <summary>True when the generic loop can run a KH x KW filter.</summary>
    public static bool SupportsKernel(int kernelHeight, int kernelWidth) => kernelHeight >= 1 && kernelWidth >= 1 && kernelHeight * kernelWidth <= MaxTaps;

    /// <summary>Packs weights [KH,KW,C] (the TFLite filter [1,KH,KW,C]) and bias [C] (empty: none).</summary>
    public PackedDepthwiseWeights Pack(QuantParams q, int channels, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias, int kernelHeight = 3, int kernelWidth = 3)
    {
        if (channels <= 0) throw new ArgumentException("channels must be positive");
        if (!SupportsKernel(kernelHeight, kernelWidth)) throw new ArgumentException($"{kernelHeight}x{kernelWidth} depthwise kernel: 1..{MaxTaps} taps supported");
        int taps = kernelHeight * kernelWidth;
        if (weights.Length != taps * channels) throw new ArgumentException($"{weights.Length} weight bytes for {kernelHeight}x{kernelWidth}x{channels}");
        int[] b = bias.Length == 0 ? new int[channels] : bias.Length == channels ? bias.ToArray() : throw new ArgumentException($"{bias.Length} biases for {channels} channels");
        var rq = new RequantTable(q, channels, b);
        int cp = (channels + 15) / 16 * 16;
        // int16 weights only for the AdvSimd kernel (SMLAL); the other variants read the int32 copy.
        short[] w16 = Isa == KernelIsa.AdvSimd ? new short[taps * cp] : [];
        var w32 = new int[taps * cp];
        for (int t = 0; t < taps; t++)
            for (int c = 0; c < channels; c++)
            {
                int v = (q.Type == QuantType.Int8 ? (sbyte)weights[t * channels + c] : weights[t * channels + c]) - q.FilterZeroPoint;
                if (w16.Length > 0) w16[t * cp + c] = (short)v;
                w32[t * cp + c] = v;
            }
        short[] pairs = [];
        int[] correction = [];
        if (Isa == KernelIsa.Avx2 && channels >= 16)
        {
            // sum_t (x_t - izp) * w_t = sum_t x_t * w_t - izp * sum_t w_t (int32 wrap-around is the same modulo 2^32);
            // int8 inputs are read as x ^ 0x80 = x + 128, so their zero point moves by 128 too.
            int izp = q.InputZeroPoint + (q.Type == QuantType.Int8 ? 128 : 0);
            int np = (taps + 1) / 2;
            pairs = new short[np * cp * 2];
            correction = new int[cp];
            for (int c = 0; c < channels; c++)
            {
                int sum = 0;
                for (int t = 0; t < taps; t++)
                {
                    sum += w32[t * cp + c];
                    pairs[((t / 2) * cp + c) * 2 + t % 2] = (short)w32[t * cp + c];
                }
                correction[c] = unchecked(-izp * sum);
            }
        }
        var avx2 = Isa == KernelIsa.Avx2 && taps == 9 && kernelHeight == 3 && channels >= 16 ? new Avx2DepthwisePack(q, channels, weights, b) : null;
        return new PackedDepthwiseWeights(Isa, q, kernelHeight, kernelWidth, channels, weights.ToArray(), w16, w32, pairs, correction, avx2, rq);
    }

    /// <summary>Computes output rows [rowStart, rowStart + rowCount) of one image. Does not allocate.</summary>
    public void Run(PackedDepthwiseWeights w, in DepthwiseGeometry g, ReadOnlySpan<byte> input, Span<byte> output, int rowStart, int rowCount)
    {
        if (w.Isa != Isa) throw new ArgumentException($"weights were packed for {KernelDispatcher.Name(w.Isa)}, not {KernelDispatcher.Name(Isa)}");
        if (g.Channels != w.Channels) throw new ArgumentException($"geometry has {g.Channels} channels, weights {w.Channels}");
        if (g.KernelHeight != w.KernelHeight || g.KernelWidth != w.KernelWidth)
            throw new ArgumentException($"geometry has a {g.KernelHeight}x{g.KernelWidth} kernel, weights {w.KernelHeight}x{w.KernelWidth}");
        if (input.Length < (long)g.InputHeight * g.InputWidth * g.Channels) throw new ArgumentException("input is smaller than the geometry");
        if (output.Length < (long)g.OutputHeight * g.OutputWidth * g.Channels) throw new ArgumentException("output is smaller than the geometry");
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > g.OutputHeight) throw new ArgumentOutOfRangeException(nameof(rowStart));
        if (g.Is3x3)
        {
            fixed (byte* pin = input, pout = output)
            {
                if (RunFused(w, g, pin, pout, rowStart, rowCount)) return;
            }
        }
        fixed (byte* pin = input, pout = output, pad = w.Pad)
        fixed (short* w16 = w.W16, pairs = w.Pairs)
        fixed (int* w32 = w.W32, corr = w.Correction)
        {
            int C = g.Channels, KH = g.KernelHeight, KW = g.KernelWidth, nt = KH * KW;
            var k = new DwWeights
            {
                W16 = w16, W32 = w32, Pairs = w.Pairs.Length > 0 ? pairs : null, Correction = corr,
                Padded = w.PaddedChannels, Taps = nt, InputZeroPoint = w.Quant.InputZeroPoint, S8 = w.Quant.Type == QuantType.Int8,
            };
            // One slot past the last tap: the odd tap count's pair partner (weight 0) reads the zero-point row.
            byte** taps = stackalloc byte*[MaxTaps + 1];
            long* tapOff = stackalloc long[MaxTaps];
            int* acc = stackalloc int[CB];
            taps[nt] = pad;
            // Interior pixels (every tap inside the image): tap pointers are base + a fixed offset per tap, so the
            // per-pixel bounds loop is skipped and the pointers advance by stride * C along x.
            for (int t = 0; t < nt; t++)
                tapOff[t] = ((long)(t / KW) * g.DilationH * g.InputWidth + (t % KW) * g.DilationW) * C;
            int xa = (g.PadLeft + g.StrideW - 1) / g.StrideW;
            int xNum = g.InputWidth - 1 - (KW - 1) * g.DilationW + g.PadLeft;
            int xb = xNum < 0 ? 0 : Math.Min(g.OutputWidth, xNum / g.StrideW + 1);
            long xStep = (long)g.StrideW * C;
            for (int oy = rowStart; oy < rowStart + rowCount; oy++)
            {
                int iy0 = oy * g.StrideH - g.PadTop;
                bool rowFull = iy0 >= 0 && iy0 + (KH - 1) * g.DilationH < g.InputHeight;
                int rxa = rowFull ? xa : g.OutputWidth, rxb = rowFull ? xb : g.OutputWidth;
                if (rxb <= rxa) { rxa = g.OutputWidth; rxb = g.OutputWidth; }
                if (rxa < rxb)
                {
                    byte* basePtr = pin + ((long)iy0 * g.InputWidth + (long)rxa * g.StrideW - g.PadLeft) * C;
                    byte* dst = pout + ((long)oy * g.OutputWidth + rxa) * C;
                    for (int ox = rxa; ox < rxb; ox++, basePtr += xStep, dst += C)
                    {
                        for (int t = 0; t < nt; t++) taps[t] = basePtr + tapOff[t];
                        Pixel(taps, &k, C, acc, w.Requant, dst);
                    }
                }
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    if (ox == rxa) { ox = rxb - 1; continue; }
                    for (int ky = 0, t = 0; ky < KH; ky++)
                    {
                        int iy = iy0 + ky * g.DilationH;
                        bool rowIn = (uint)iy < (uint)g.InputHeight;
                        for (int kx = 0; kx < KW; kx++, t++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            taps[t] = rowIn && (uint)ix < (uint)g.InputWidth ? pin + ((long)iy * g.InputWidth + ix) * C : pad;
                        }
                    }
                    Pixel(taps, &k, C, acc, w.Requant, pout + ((long)oy * g.OutputWidth + ox) * C);
                }
            }
        }
    }

    private void Pixel(byte** taps, DwWeights* k, int C, int* acc, RequantTable rq, byte* dst)
    {
        for (int c0 = 0; c0 < C; c0 += CB)
        {
            int count = Math.Min(CB, C - c0);
            int done = Accumulate(taps, c0, count, k, acc);
            if (done < count) ScalarAccumulate(taps, c0, done, count, k, acc);
            Requantizer.Row(Isa, acc, count, c0, 0, rq, dst + c0);
        }
    }

    /// <summary>Optional whole-range 3x3 kernel of a variant (it computes every output pixel of the rows itself); false: use the generic loop.</summary>
    private protected virtual bool RunFused(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount) => false;

    /// <summary>
    /// Vector part: writes acc[0..returned) for channels c0.. and returns how many it did (a multiple of its width).
    /// taps[0..k->Taps) point at each tap's pixel (outside the image: the zero-point row), taps[k->Taps] at the zero-point row.
    /// </summary>
    private protected abstract int Accumulate(byte** taps, int c0, int count, DwWeights* k, int* acc);

    private static void ScalarAccumulate(byte** taps, int c0, int from, int count, DwWeights* k, int* acc)
    {
        int nt = k->Taps, cp = k->Padded, izp = k->InputZeroPoint;
        bool s8 = k->S8;
        int* w32 = k->W32;
        for (int c = from; c < count; c++)
        {
            int s = 0;
            for (int t = 0; t < nt; t++)
            {
                byte raw = taps[t][c0 + c];
                s += ((s8 ? (sbyte)raw : raw) - izp) * w32[t * cp + c0 + c];
            }
            acc[c] = s;
        }
    }

    private static readonly DepthwiseConv s_reference = new ReferenceDepthwiseConv();
    private static readonly DepthwiseConv s_portable = new PortableDepthwiseConv();
    // Made on first use: the VNNI decision may throw (EDGERT_VNNI=1 without AVX-VNNI), which must not poison the type initializer.
    private static DepthwiseConv? s_avx2;
    private static readonly DepthwiseConv s_advSimd = new AdvSimdDepthwiseConv();

    /// <summary>The implementation for <paramref name="isa"/> (AdvSimdDot uses the AdvSimd kernel: SDOT does not help depthwise).</summary>
    public static DepthwiseConv For(KernelIsa isa) => KernelDispatcher.Require(isa) switch
    {
        KernelIsa.Reference => s_reference,
        KernelIsa.Portable => s_portable,
        KernelIsa.Avx2 => s_avx2 ??= new Avx2DepthwiseConv(KernelDispatcher.Vnni),
        KernelIsa.AdvSimd or KernelIsa.AdvSimdDot => s_advSimd,
        _ => throw new ArgumentOutOfRangeException(nameof(isa)),
    };
}

/// <summary>The scalar definition (Requantizer.RowScalar = Requantize.Apply per element).</summary>
internal sealed unsafe class ReferenceDepthwiseConv : DepthwiseConv
{
    public override KernelIsa Isa => KernelIsa.Reference;
    private protected override int Accumulate(byte** taps, int c0, int count, DwWeights* k, int* acc) => 0;
}

/// <summary>Vector128: 4 channels per step, widened to int32.</summary>
internal sealed unsafe class PortableDepthwiseConv : DepthwiseConv
{
    public override KernelIsa Isa => KernelIsa.Portable;

    private protected override int Accumulate(byte** taps, int c0, int count, DwWeights* k, int* acc)
    {
        var vz = Vector128.Create(k->InputZeroPoint);
        int nt = k->Taps, cp = k->Padded;
        bool s8 = k->S8;
        int* w32 = k->W32 + c0;
        int c = 0;
        for (; c + 4 <= count; c += 4)
        {
            var s = Vector128<int>.Zero;
            for (int t = 0; t < nt; t++)
            {
                var b = Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(taps[t] + c0 + c)).AsByte();
                var x = s8 ? Vector128.WidenLower(Vector128.WidenLower(b.AsSByte())) : Vector128.WidenLower(Vector128.WidenLower(b)).AsInt32();
                s += (x - vz) * Vector128.Load(w32 + t * cp + c);
            }
            s.Store(acc + c);
        }
        return c;
    }
}

/// <summary>
/// AVX2: 3x3 with 16 channels or more runs the fused kernel of <see cref="Avx2DepthwiseRows"/> (vpmaddwd, or vpdpwssd on
/// AVX-VNNI). Every other filter takes the generic tap loop: per block of 32 (then 16) channels, taps 2p and 2p + 1 are
/// interleaved as bytes (vpunpck{l,h}bw), zero-extended to int16 pairs (vpmovzxbw) and multiplied with vpmaddwd (vpdpwssd)
/// into register accumulators that start at the folded zero-point correction, stored once per pixel; fewer than 16
/// channels (and the last &lt; 16 of a block) take 8 channels per step (vpmovzx/sxbd + vpmulld).
/// </summary>
internal sealed unsafe class Avx2DepthwiseConv : DepthwiseConv
{
    private readonly bool _vnni;
    private static long s_pairRuns;

    /// <summary>
    /// <paramref name="useVnni"/> is the dispatcher's decision (<see cref="KernelDispatcher.Vnni"/>, or a test's):
    /// false forces vpmaddwd + vpaddd; true requires AVX-VNNI.
    /// </summary>
    public Avx2DepthwiseConv(bool useVnni)
    {
        if (useVnni) KernelDispatcher.RequireVnni();
        _vnni = useVnni;
    }

    public override KernelIsa Isa => KernelIsa.Avx2;

    /// <summary>True when the multiply-adds run on vpdpwssd.</summary>
    public bool UsesVnni => _vnni;

    /// <summary>Pixel blocks the tap-pair path has run so far in this process (the conformance suite checks that it really ran).</summary>
    internal static long PairRuns => Volatile.Read(ref s_pairRuns);

    private protected override bool RunFused(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount)
    {
        if (w.Avx2 is null || DepthwiseRowDriver.StackBytes(g) > DepthwiseRowDriver.MaxStackBytes) return false;
        Avx2DepthwiseRows.Run(w.Avx2, _vnni, g, pin, pout, rowStart, rowCount);
        return true;
    }

    private protected override int Accumulate(byte** taps, int c0, int count, DwWeights* k, int* acc)
    {
        int c = 0;
        if (k->Pairs != null && count >= 16)
        {
            c = (_vnni, k->S8) switch
            {
                (false, false) => Pairs<DwU8, DwMadd>(taps, c0, count, k, acc),
                (false, true) => Pairs<DwS8, DwMadd>(taps, c0, count, k, acc),
                (true, false) => Pairs<DwU8, DwVnni>(taps, c0, count, k, acc),
                (true, true) => Pairs<DwS8, DwVnni>(taps, c0, count, k, acc),
            };
            // One count per pixel (not per tap or channel block): a few hundred cycles of work each, so the shared write is noise.
            if (c0 == 0) Interlocked.Increment(ref s_pairRuns);
        }
        if (c + 8 > count) return c;
        return k->S8 ? Widened<Avx2S8Load>(taps, c0, count, k, acc, c) : Widened<Avx2U8Load>(taps, c0, count, k, acc, c);
    }

    private static int Pairs<TIn, TMac>(byte** taps, int c0, int count, DwWeights* k, int* acc) where TIn : struct, IDwInput where TMac : struct, IDwMac
    {
        int np = (k->Taps + 1) / 2;
        nint pairStride = (nint)k->Padded * 2;
        int c = 0;
        for (; c + 32 <= count; c += 32)
        {
            int ch = c0 + c;
            int* corr = k->Correction + ch;
            Vector256<int> a0 = Avx.LoadVector256(corr), a1 = Avx.LoadVector256(corr + 8), a2 = Avx.LoadVector256(corr + 16), a3 = Avx.LoadVector256(corr + 24);
            short* wp = k->Pairs + (nint)ch * 2;
            byte** tp = taps;
            for (int p = 0; p < np; p++, wp += pairStride, tp += 2)
            {
                byte* x0 = tp[0] + ch, x1 = tp[1] + ch;
                Vector128<byte> u0 = TIn.Load128(x0), u1 = TIn.Load128(x1);
                a0 = TMac.Dot(a0, Avx2.ConvertToVector256Int16(Sse2.UnpackLow(u0, u1)), Avx.LoadVector256(wp));
                a1 = TMac.Dot(a1, Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(u0, u1)), Avx.LoadVector256(wp + 16));
                u0 = TIn.Load128(x0 + 16);
                u1 = TIn.Load128(x1 + 16);
                a2 = TMac.Dot(a2, Avx2.ConvertToVector256Int16(Sse2.UnpackLow(u0, u1)), Avx.LoadVector256(wp + 32));
                a3 = TMac.Dot(a3, Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(u0, u1)), Avx.LoadVector256(wp + 48));
            }
            a0.Store(acc + c);
            a1.Store(acc + c + 8);
            a2.Store(acc + c + 16);
            a3.Store(acc + c + 24);
        }
        for (; c + 16 <= count; c += 16)
        {
            int ch = c0 + c;
            int* corr = k->Correction + ch;
            Vector256<int> a0 = Avx.LoadVector256(corr), a1 = Avx.LoadVector256(corr + 8);
            short* wp = k->Pairs + (nint)ch * 2;
            byte** tp = taps;
            for (int p = 0; p < np; p++, wp += pairStride, tp += 2)
            {
                Vector128<byte> u0 = TIn.Load128(tp[0] + ch), u1 = TIn.Load128(tp[1] + ch);
                a0 = TMac.Dot(a0, Avx2.ConvertToVector256Int16(Sse2.UnpackLow(u0, u1)), Avx.LoadVector256(wp));
                a1 = TMac.Dot(a1, Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(u0, u1)), Avx.LoadVector256(wp + 16));
            }
            a0.Store(acc + c);
            a1.Store(acc + c + 8);
        }
        return c;
    }

    private static int Widened<TLoad>(byte** taps, int c0, int count, DwWeights* k, int* acc, int c) where TLoad : struct, IAvx2Load8
    {
        var vz = Vector256.Create(k->InputZeroPoint);
        int nt = k->Taps, cp = k->Padded;
        int* w32 = k->W32 + c0;
        for (; c + 16 <= count; c += 16)
        {
            Vector256<int> s0 = default, s1 = default;
            for (int t = 0; t < nt; t++)
            {
                byte* p = taps[t] + c0 + c;
                int* wp = w32 + t * cp + c;
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
                s0 = Avx2.Add(s0, Avx2.MultiplyLow(Avx2.Subtract(TLoad.Load(taps[t] + c0 + c), vz), Avx.LoadVector256(w32 + t * cp + c)));
            s0.Store(acc + c);
        }
        return c;
    }
}

internal unsafe interface IAvx2Load8 { static abstract Vector256<int> Load(byte* p); }
internal unsafe struct Avx2U8Load : IAvx2Load8 { public static Vector256<int> Load(byte* p) => Avx2.ConvertToVector256Int32(p); }
internal unsafe struct Avx2S8Load : IAvx2Load8 { public static Vector256<int> Load(byte* p) => Avx2.ConvertToVector256Int32((sbyte*)p); }

/// <summary>
/// ARM64 AdvSimd: 16 channels per step, USUBL/SSUBL to int16 then SMLAL/SMLAL2 with int16 weights, four register
/// accumulators across all taps of any KH x KW filter; 3x3 with 16 channels or more runs fused (<see cref="AdvSimdDepthwiseRows"/>), requantized in registers.
/// </summary>
internal sealed unsafe class AdvSimdDepthwiseConv : DepthwiseConv
{
    public override KernelIsa Isa => KernelIsa.AdvSimd;

    private protected override bool RunFused(PackedDepthwiseWeights w, in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount)
    {
        if (g.Channels < 16 || DepthwiseRowDriver.StackBytes(g) > DepthwiseRowDriver.MaxStackBytes) return false;
        AdvSimdDepthwiseRows.Run(w, g, pin, pout, rowStart, rowCount);
        return true;
    }

    private protected override int Accumulate(byte** taps, int c0, int count, DwWeights* k, int* acc)
        => k->S8 ? Run<ArmS8>(taps, c0, count, k, acc) : Run<ArmU8>(taps, c0, count, k, acc);

    // Generic over the input type so the tap loop has no type branch: per tap and 16 channels one load, two weight
    // loads, USUBL/USUBL2 (SSUBL) and four SMLAL/SMLAL2.
    private static int Run<TIn>(byte** taps, int c0, int count, DwWeights* k, int* acc) where TIn : struct, IArmInput
    {
        var zb = Vector128.Create((byte)k->InputZeroPoint);
        int nt = k->Taps;
        nint cp = k->Padded;
        int c = 0;
        for (; c + 16 <= count; c += 16)
        {
            Vector128<int> s0 = default, s1 = default, s2 = default, s3 = default;
            nint off = c0 + c;
            short* wp = k->W16 + off;
            for (int t = 0; t < nt; t++, wp += cp)
            {
                TIn.Widen(AdvSimd.LoadVector128(taps[t] + off), zb, out Vector128<short> xl, out Vector128<short> xh);
                var wl = AdvSimd.LoadVector128(wp);
                var wh = AdvSimd.LoadVector128(wp + 8);
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
