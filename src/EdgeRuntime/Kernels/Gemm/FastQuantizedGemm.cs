using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Gemm;

/// <summary>
/// A register-blocked micro-kernel: MR rows of A times one packed block of NR weight columns, all of K, writing the
/// raw int32 dot products sum_k A[m,k]*W[n,k] (no zero points) to acc[i * stride + j].
/// Weights come in chunks of 16 k: NR*16 bytes per chunk, interleaved [NR][16] (c16) or [4][NR][4] (c4, for SDOT).
/// Rows are read 16 bytes at a time for <c>mainChunks</c> chunks; the last partial chunk comes zero-padded from <c>tail</c> (MR x 16).
/// </summary>
internal unsafe interface IGemmTile
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    static abstract bool C4Layout { get; }
    static abstract void Tile(byte** rows, byte* tail, int mainChunks, int chunks, byte* w, int* acc, int stride);
}

/// <summary>Packing and the row/column loops shared by the fast variants (zero points folded into the bias at pack time).</summary>
internal abstract unsafe class FoldedQuantizedGemm : QuantizedGemm
{
    /// <summary>Output columns per block of the accumulator buffer (bounds the stack use).</summary>
    private const int NC = 512;

    private protected abstract int NR { get; }
    private protected abstract bool C4Layout { get; }

    /// <summary>
    /// Packs W[N,K] into NR-column blocks, K zero-padded to a multiple of 16, and folds the zero points:
    /// bias'[n] = bias[n] - in_zp * sum_k W[n,k] + K * in_zp * w_zp. The remaining term -w_zp * sum_k A[m,k]
    /// depends on the activations and is added per row at run time (only when w_zp != 0).
    /// </summary>
    public override PackedGemmWeights Pack(QuantParams q, int n, int k, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias)
        => PackCore(q, n, k, weights, bias, NR, C4Layout, vnni: false);

    /// <summary>
    /// The packing behind <see cref="Pack"/>. With <paramref name="vnni"/> the bytes are prepared for vpdpbusd (u8 x s8),
    /// in one of two ways. Centered, when every w - w_zp fits in int8 (what trained weights normally do): w - w_zp is
    /// stored and the filter zero point disappears, so no row sums are needed at run time. Otherwise uint8 weights are
    /// stored as w - 128 (the run adds (128 - w_zp) * sum_k A per row). Either way int8 activations are fed as a + 128
    /// (uint8), which the folded bias compensates. The int32 sums stay exactly equal to the reference's.
    /// </summary>
    private protected PackedGemmWeights PackCore(QuantParams q, int n, int k, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias, int nr, bool c4, bool vnni, bool pairs = false)
    {
        CheckShape(q, n, k, weights);
        int[] raw = BiasOrZeros(bias, n);
        bool s8 = q.Type == QuantType.Int8;
        int izp = q.InputZeroPoint, wzp = q.FilterZeroPoint;
        // pairs (the caller checked FitsPairs): centered weights, activations fed as int8 (uint8 ones as a - 128).
        bool centered = pairs || vnni && FitsCentered(weights, s8, wzp);
        // The activation offset the kernel's reading adds: VNNI reads int8 as a + 128, pairs read uint8 as a - 128.
        int actOffset = pairs ? (s8 ? 0 : -128) : (vnni && s8 ? 128 : 0);
        int rowSumScale = centered ? 0 : vnni && !s8 ? 128 - wzp : -wzp;
        int kp = (k + 15) / 16 * 16, chunks = kp / 16, blocks = (n + nr - 1) / nr;
        var folded = new int[n];
        for (int col = 0; col < n; col++)
        {
            int sum = 0;
            for (int i = 0; i < k; i++) sum += s8 ? (sbyte)weights[col * k + i] : weights[col * k + i];
            // sum_k (a - izp)(w - wzp) = sum_k (a + actOffset) w' - (izp + actOffset) sum_k w' with w' = w - wzp.
            folded[col] = centered
                ? unchecked(raw[col] - (izp + actOffset) * (sum - k * wzp))
                : unchecked(raw[col] - izp * sum + k * izp * wzp - (vnni && s8 ? 128 * sum : 0));
        }
        byte flip = vnni && !s8 ? (byte)0x80 : (byte)0;
        var data = new byte[(long)blocks * chunks * nr * 16];
        for (int col = 0; col < n; col++)
        {
            int nb = col / nr, j = col % nr;
            for (int i = 0; i < k; i++)
            {
                int ch = i / 16, kk = i % 16;
                long block = ((long)nb * chunks + ch) * nr * 16;
                long at = c4 ? block + (kk / 4) * nr * 4 + j * 4 + (kk % 4) : block + j * 16 + kk;
                byte wb = weights[col * k + i];
                data[at] = centered ? (byte)((s8 ? (sbyte)wb : wb) - wzp) : (byte)(wb ^ flip);
            }
        }
        return new PackedGemmWeights(Isa, q, n, k, nr, kp, data, new RequantTable(q, n, folded, windowed: vnni), raw, KernelName, vnni, rowSumScale, pairs);
    }

    /// <summary>
    /// True when every w - w_zp lies in [-127, 127], so that two products with any int8 activation (|a| &lt;= 128) sum
    /// to at most 32512 in magnitude and fit an int16 lane (see <see cref="AdvSimdPairsS8"/>).
    /// </summary>
    private protected static bool FitsPairs(ReadOnlySpan<byte> weights, bool s8, int wzp)
    {
        foreach (byte b in weights)
        {
            int d = (s8 ? (sbyte)b : b) - wzp;
            if (d < -127 || d > 127) return false;
        }
        return true;
    }

    /// <summary>True when every w - w_zp is an int8 value.</summary>
    private static bool FitsCentered(ReadOnlySpan<byte> weights, bool s8, int wzp)
    {
        foreach (byte b in weights)
        {
            int d = (s8 ? (sbyte)b : b) - wzp;
            if (d < sbyte.MinValue || d > sbyte.MaxValue) return false;
        }
        return true;
    }

    protected override void RunCore(PackedGemmWeights w, int m, ReadOnlySpan<byte> a, int aStride, Span<byte> c, int cStride)
    {
        fixed (byte* pa = a, pc = c, pw = w.Data)
        {
            RunTiles(w, m, pa, a.Length, aStride, pc, cStride, pw);
        }
    }

    /// <summary>The tiles over m rows of A (<paramref name="aLength"/> readable bytes from <paramref name="a"/>).</summary>
    private protected abstract void RunTiles(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw);

    /// <summary>The row/column loops; each row's int32 sums get <see cref="PackedGemmWeights.RowSumScale"/> * sum_k A[m,k] added.</summary>
    private protected static void Drive<T>(PackedGemmWeights w, int m, byte* a, int aStride, byte* c, int cStride, byte* pw, KernelIsa isa)
        where T : struct, IGemmTile
    {
        int rowSumScale = w.RowSumScale;
        int mr = T.MR, nr = T.NR, k = w.K, n = w.N;
        int mainChunks = k / 16, chunks = w.Kp / 16, blockBytes = chunks * nr * 16, tailLen = k - mainChunks * 16;
        bool s8 = w.Type == QuantType.Int8;
        int* acc = stackalloc int[mr * NC];
        byte** rows = stackalloc byte*[mr];
        byte* tail = stackalloc byte[mr * 16];
        int* corr = stackalloc int[mr];
        new Span<byte>(tail, mr * 16).Clear();
        for (int m0 = 0; m0 < m; m0 += mr)
        {
            for (int i = 0; i < mr; i++)
            {
                byte* row = a + (long)Math.Min(m0 + i, m - 1) * aStride;
                rows[i] = row;
                if (tailLen > 0) Unsafe.CopyBlockUnaligned(tail + i * 16, row + mainChunks * 16, (uint)tailLen);
                corr[i] = rowSumScale == 0 ? 0 : unchecked(rowSumScale * RowSum(row, k, s8));
            }
            int rowsHere = Math.Min(mr, m - m0);
            for (int n0 = 0; n0 < n; n0 += NC)
            {
                int nc = Math.Min(NC, n - n0);
                for (int nb = 0; nb < nc; nb += nr)
                    T.Tile(rows, tail, mainChunks, chunks, pw + (long)((n0 + nb) / nr) * blockBytes, acc + nb, NC);
                for (int i = 0; i < rowsHere; i++)
                    Requantizer.Row(isa, acc + i * NC, nc, n0, corr[i], w.Requant, c + (long)(m0 + i) * cStride + n0);
            }
        }
    }

    /// <summary>Sum of a row's k bytes as uint8 or int8 (16 at a time; the int16 pair sums cannot overflow).</summary>
    private static int RowSum(byte* row, int k, bool s8)
    {
        int i = 0, sum = 0;
        if (k >= 16)
        {
            var acc = Vector128<int>.Zero;
            for (; i + 16 <= k; i += 16)
            {
                var v = Vector128.Load(row + i);
                Vector128<short> pair = s8
                    ? Vector128.WidenLower(v.AsSByte()) + Vector128.WidenUpper(v.AsSByte())
                    : (Vector128.WidenLower(v) + Vector128.WidenUpper(v)).AsInt16();
                acc += Vector128.WidenLower(pair) + Vector128.WidenUpper(pair);
            }
            sum = Vector128.Sum(acc);
        }
        if (s8) for (; i < k; i++) sum += (sbyte)row[i];
        else for (; i < k; i++) sum += row[i];
        return sum;
    }
}

// ==================================================================== Portable: Vector128 only, 2x4 tile, c16

internal interface IPortableGemmOps
{
    /// <summary>Widens bytes 0..7 / 8..15 to 16 bits (zero- or sign-extending).</summary>
    static abstract Vector128<short> Lo(Vector128<byte> v);
    static abstract Vector128<short> Hi(Vector128<byte> v);
    /// <summary>Widens 16-bit products (exact as uint16 for u8*u8, as int16 for s8*s8) to 32 bits.</summary>
    static abstract Vector128<int> PLo(Vector128<short> p);
    static abstract Vector128<int> PHi(Vector128<short> p);
}

internal struct PortableU8 : IPortableGemmOps
{
    public static Vector128<short> Lo(Vector128<byte> v) => Vector128.WidenLower(v).AsInt16();
    public static Vector128<short> Hi(Vector128<byte> v) => Vector128.WidenUpper(v).AsInt16();
    public static Vector128<int> PLo(Vector128<short> p) => Vector128.WidenLower(p.AsUInt16()).AsInt32();
    public static Vector128<int> PHi(Vector128<short> p) => Vector128.WidenUpper(p.AsUInt16()).AsInt32();
}

internal struct PortableS8 : IPortableGemmOps
{
    public static Vector128<short> Lo(Vector128<byte> v) => Vector128.WidenLower(v.AsSByte());
    public static Vector128<short> Hi(Vector128<byte> v) => Vector128.WidenUpper(v.AsSByte());
    public static Vector128<int> PLo(Vector128<short> p) => Vector128.WidenLower(p);
    public static Vector128<int> PHi(Vector128<short> p) => Vector128.WidenUpper(p);
}

internal unsafe struct PortableTile<TOps> : IGemmTile where TOps : struct, IPortableGemmOps
{
    public static int MR => 2;
    public static int NR => 4;
    public static bool C4Layout => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Mac(Vector128<int> acc, Vector128<short> al, Vector128<short> ah, Vector128<byte> w)
    {
        var pl = al * TOps.Lo(w);
        var ph = ah * TOps.Hi(w);
        return acc + TOps.PLo(pl) + TOps.PHi(pl) + TOps.PLo(ph) + TOps.PHi(ph);
    }

    public static void Tile(byte** rows, byte* tail, int mainChunks, int chunks, byte* w, int* acc, int stride)
    {
        byte* p0 = rows[0], p1 = rows[1];
        Vector128<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        for (int ch = 0; ch < chunks; ch++)
        {
            if (ch == mainChunks) { p0 = tail; p1 = tail + 16; }
            var a0 = Vector128.Load(p0);
            var a1 = Vector128.Load(p1);
            var a0l = TOps.Lo(a0); var a0h = TOps.Hi(a0);
            var a1l = TOps.Lo(a1); var a1h = TOps.Hi(a1);
            var w0 = Vector128.Load(w); var w1 = Vector128.Load(w + 16); var w2 = Vector128.Load(w + 32); var w3 = Vector128.Load(w + 48);
            c00 = Mac(c00, a0l, a0h, w0); c01 = Mac(c01, a0l, a0h, w1); c02 = Mac(c02, a0l, a0h, w2); c03 = Mac(c03, a0l, a0h, w3);
            c10 = Mac(c10, a1l, a1h, w0); c11 = Mac(c11, a1l, a1h, w1); c12 = Mac(c12, a1l, a1h, w2); c13 = Mac(c13, a1l, a1h, w3);
            p0 += 16; p1 += 16; w += 64;
        }
        acc[0] = Vector128.Sum(c00); acc[1] = Vector128.Sum(c01); acc[2] = Vector128.Sum(c02); acc[3] = Vector128.Sum(c03);
        acc[stride] = Vector128.Sum(c10); acc[stride + 1] = Vector128.Sum(c11); acc[stride + 2] = Vector128.Sum(c12); acc[stride + 3] = Vector128.Sum(c13);
    }
}

/// <summary>Vector128 on any CPU with 128-bit SIMD: 16-bit products widened to 32 bits (generic over u8/s8 via operator structs).</summary>
internal sealed unsafe class PortableQuantizedGemm : FoldedQuantizedGemm
{
    public override KernelIsa Isa => KernelIsa.Portable;
    private protected override int NR => 4;
    private protected override bool C4Layout => false;

    private protected override void RunTiles(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
    {
        if (w.Type == QuantType.UInt8) Drive<PortableTile<PortableU8>>(w, m, a, aStride, c, cStride, pw, Isa);
        else Drive<PortableTile<PortableS8>>(w, m, a, aStride, c, cStride, pw, Isa);
    }
}

// ==================================================================== AVX2: 2x4 tile, c16, vpmovzx/sxbw + vpmaddwd

internal unsafe interface IAvx2GemmOps
{
    static abstract Vector256<short> Widen(byte* p);
}

internal unsafe struct Avx2U8 : IAvx2GemmOps
{
    public static Vector256<short> Widen(byte* p) => Avx2.ConvertToVector256Int16(p);
}

internal unsafe struct Avx2S8 : IAvx2GemmOps
{
    public static Vector256<short> Widen(byte* p) => Avx2.ConvertToVector256Int16((sbyte*)p);
}

internal unsafe struct Avx2Tile<TOps> : IGemmTile where TOps : struct, IAvx2GemmOps
{
    public static int MR => 2;
    public static int NR => 4;
    public static bool C4Layout => false;

    public static void Tile(byte** rows, byte* tail, int mainChunks, int chunks, byte* w, int* acc, int stride)
    {
        byte* p0 = rows[0], p1 = rows[1];
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        for (int ch = 0; ch < chunks; ch++)
        {
            if (ch == mainChunks) { p0 = tail; p1 = tail + 16; }
            // 16-bit operands: u8*u8 and s8*s8 pairs sum exactly in vpmaddwd's int32 lanes.
            var a0 = TOps.Widen(p0);
            var a1 = TOps.Widen(p1);
            var w0 = TOps.Widen(w);
            c00 = Avx2.Add(c00, Avx2.MultiplyAddAdjacent(a0, w0)); c10 = Avx2.Add(c10, Avx2.MultiplyAddAdjacent(a1, w0));
            var w1 = TOps.Widen(w + 16);
            c01 = Avx2.Add(c01, Avx2.MultiplyAddAdjacent(a0, w1)); c11 = Avx2.Add(c11, Avx2.MultiplyAddAdjacent(a1, w1));
            var w2 = TOps.Widen(w + 32);
            c02 = Avx2.Add(c02, Avx2.MultiplyAddAdjacent(a0, w2)); c12 = Avx2.Add(c12, Avx2.MultiplyAddAdjacent(a1, w2));
            var w3 = TOps.Widen(w + 48);
            c03 = Avx2.Add(c03, Avx2.MultiplyAddAdjacent(a0, w3)); c13 = Avx2.Add(c13, Avx2.MultiplyAddAdjacent(a1, w3));
            p0 += 16; p1 += 16; w += 64;
        }
        Reduce(c00, c01, c02, c03).Store(acc);
        Reduce(c10, c11, c12, c13).Store(acc + stride);
    }

    /// <summary>Horizontal sums of four accumulators -> [sum a, sum b, sum c, sum d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<int> Reduce(Vector256<int> a, Vector256<int> b, Vector256<int> c, Vector256<int> d)
    {
        var h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a, b), Avx2.HorizontalAdd(c, d));
        return Sse2.Add(h.GetLower(), h.GetUpper());
    }
}

/// <summary>
/// x86 AVX2: bytes widened to 16 bits, multiply-accumulated with vpmaddwd ("gemm-avx2"); on CPUs with AVX-VNNI
/// the vpdpbusd kernel of <see cref="VnniGemm"/> instead ("gemm-avx2-vnni").
/// </summary>
internal sealed unsafe class Avx2QuantizedGemm : FoldedQuantizedGemm
{
    private readonly bool _vnni;

    /// <summary>
    /// <paramref name="useVnni"/> is the dispatcher's decision (<see cref="KernelDispatcher.Vnni"/>, or a test's):
    /// false forces the vpmaddwd tile; true requires AVX-VNNI.
    /// </summary>
    public Avx2QuantizedGemm(bool useVnni)
    {
        if (useVnni) KernelDispatcher.RequireVnni();
        _vnni = useVnni;
    }

    public override KernelIsa Isa => KernelIsa.Avx2;
    public override string KernelName => _vnni ? "gemm-avx2-vnni" : "gemm-avx2";
    private protected override int NR => 4;
    private protected override bool C4Layout => false;

    public override PackedGemmWeights Pack(QuantParams q, int n, int k, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias)
        => _vnni ? PackCore(q, n, k, weights, bias, VnniGemm.NR, c4: true, vnni: true) : base.Pack(q, n, k, weights, bias);

    private protected override void RunTiles(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
    {
        if (w.Vnni) VnniGemm.Run(w, m, a, aLength, aStride, c, cStride, pw);
        else if (w.Type == QuantType.UInt8) Drive<Avx2Tile<Avx2U8>>(w, m, a, aStride, c, cStride, pw, Isa);
        else Drive<Avx2Tile<Avx2S8>>(w, m, a, aStride, c, cStride, pw, Isa);
    }
}

// ==================================================================== ARM64 AdvSimd: 4x4 tile, c16 (ArmGemm.cs), UMULL/SMULL + UADALP/SADALP, or SMULL + SMLAL + SADALP

internal interface IAdvSimdGemmOps
{
    /// <summary>How 8 activation bytes enter <see cref="Mac"/> (identity, or uint8 flipped to int8).</summary>
    static abstract Vector64<byte> Act(Vector64<byte> a);

    /// <summary>
    /// acc += the 16 products of a = (aLo, aHi) and w = (wLo, wHi), four per int32 lane (exact; the tile adds the lanes up at the end).
    /// The halves are separate 8-byte loads: taking GetLower() of a live 16-byte register costs a MOV in the JIT's code.
    /// </summary>
    static abstract Vector128<int> Mac(Vector128<int> acc, Vector64<byte> aLo, Vector64<byte> aHi, Vector64<byte> wLo, Vector64<byte> wHi);
}

/// <summary>UMULL + UADALP twice: u8*u8 products fit uint16 exactly.</summary>
internal struct AdvSimdU8 : IAdvSimdGemmOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector64<byte> Act(Vector64<byte> a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Mac(Vector128<int> acc, Vector64<byte> aLo, Vector64<byte> aHi, Vector64<byte> wLo, Vector64<byte> wHi)
    {
        var r = AdvSimd.AddPairwiseWideningAndAdd(acc.AsUInt32(), AdvSimd.MultiplyWideningLower(aLo, wLo));
        return AdvSimd.AddPairwiseWideningAndAdd(r, AdvSimd.MultiplyWideningLower(aHi, wHi)).AsInt32();
    }
}

/// <summary>SMULL + SADALP twice: s8*s8 products fit int16 exactly.</summary>
internal struct AdvSimdS8 : IAdvSimdGemmOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector64<byte> Act(Vector64<byte> a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Mac(Vector128<int> acc, Vector64<byte> aLo, Vector64<byte> aHi, Vector64<byte> wLo, Vector64<byte> wHi)
    {
        var r = AdvSimd.AddPairwiseWideningAndAdd(acc, AdvSimd.MultiplyWideningLower(aLo.AsSByte(), wLo.AsSByte()));
        return AdvSimd.AddPairwiseWideningAndAdd(r, AdvSimd.MultiplyWideningLower(aHi.AsSByte(), wHi.AsSByte()));
    }
}

/// <summary>
/// ARM64 AdvSimd without dot product (Cortex-A72, Pi 4), 4x4 tiles requantized in registers (<see cref="ArmGemm"/>).
/// When every w - w_zp lies in [-127, 127] the weights are packed centered for SMULL + SMLAL + SADALP
/// (<see cref="AdvSimdPairsS8"/>); otherwise UMULL/SMULL + UADALP/SADALP, exact for all 8-bit inputs.
/// </summary>
internal sealed unsafe class AdvSimdQuantizedGemm : FoldedQuantizedGemm
{
    public override KernelIsa Isa => KernelIsa.AdvSimd;
    private protected override int NR => ArmGemm.NeonNR;
    private protected override bool C4Layout => false;

    public override PackedGemmWeights Pack(QuantParams q, int n, int k, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias)
    {
        CheckShape(q, n, k, weights);
        return PackCore(q, n, k, weights, bias, NR, c4: false, vnni: false, pairs: FitsPairs(weights, q.Type == QuantType.Int8, q.FilterZeroPoint));
    }

    private protected override void RunTiles(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        => ArmGemm.RunNeon(w, m, a, aLength, aStride, c, cStride, pw);
}

// ==================================================================== ARM64 dot product: 8x8 tile (ArmGemm.cs), c4, SDOT/UDOT by element

internal interface IDotGemmOps
{
    /// <summary>acc[j] += dot(w[4j..4j+3], a[4q..4q+3]) (SDOT/UDOT, by element).</summary>
    static abstract Vector128<int> Dot(Vector128<int> acc, Vector128<byte> w, Vector128<byte> a, [ConstantExpected(Max = (byte)3)] byte q);
}

internal struct DotU8 : IDotGemmOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<int> acc, Vector128<byte> w, Vector128<byte> a, [ConstantExpected(Max = (byte)3)] byte q)
        => Dp.DotProductBySelectedQuadruplet(acc.AsUInt32(), w, a, q).AsInt32();
}

internal struct DotS8 : IDotGemmOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<int> acc, Vector128<byte> w, Vector128<byte> a, [ConstantExpected(Max = (byte)3)] byte q)
        => Dp.DotProductBySelectedQuadruplet(acc, w.AsSByte(), a.AsSByte(), q);
}

/// <summary>ARM64 with FEAT_DotProd (Cortex-A76, Pi 5): 8x8 tiles of SDOT/UDOT by element on 4-byte interleaved weights, requantized in registers (<see cref="ArmGemm"/>).</summary>
internal sealed unsafe class AdvSimdDotQuantizedGemm : FoldedQuantizedGemm
{
    public override KernelIsa Isa => KernelIsa.AdvSimdDot;
    private protected override int NR => ArmGemm.DotNR;
    private protected override bool C4Layout => true;

    private protected override void RunTiles(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        => ArmGemm.RunDot(w, m, a, aLength, aStride, c, cStride, pw);
}
