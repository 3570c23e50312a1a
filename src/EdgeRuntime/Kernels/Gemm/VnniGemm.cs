using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Gemm;

/// <summary>
/// x86 AVX-VNNI GEMM ("gemm-avx2-vnni"): a 4x16 vpdpbusd tile over weights packed 4-byte interleaved
/// (<see cref="FoldedQuantizedGemm"/>, c4 layout), each tile's 4x16 int32 sums requantized at once (still in L1) and
/// stored as bytes. Requantizing a row of sums in a second pass, with a row sum per row, cost as much as the
/// multiplies for the shallow (K = 16..32) layers at the start of MobileNetV2.
/// </summary>
internal static unsafe class VnniGemm
{
    public const int MR = 4;
    public const int NR = 16;

    public static void Run(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
    {
        bool u8 = w.Type == QuantType.UInt8;
        if (w.Requant.Windowed is { } windowed)
        {
            if (windowed.Upward)
            {
                if (u8) Drive<VnniU8, WindowedUpward>(w, m, a, aLength, aStride, c, cStride, pw);
                else Drive<VnniS8, WindowedUpward>(w, m, a, aLength, aStride, c, cStride, pw);
            }
            else if (u8) Drive<VnniU8, WindowedAwayFromZero>(w, m, a, aLength, aStride, c, cStride, pw);
            else Drive<VnniS8, WindowedAwayFromZero>(w, m, a, aLength, aStride, c, cStride, pw);
            return;
        }
        switch (w.Quant.Rounding)
        {
            case RequantizeRounding.Single:
                if (u8) Drive<VnniU8, Rounded<SingleRounding>>(w, m, a, aLength, aStride, c, cStride, pw);
                else Drive<VnniS8, Rounded<SingleRounding>>(w, m, a, aLength, aStride, c, cStride, pw);
                break;
            case RequantizeRounding.DoubleUpward:
                if (u8) Drive<VnniU8, Rounded<Upward>>(w, m, a, aLength, aStride, c, cStride, pw);
                else Drive<VnniS8, Rounded<Upward>>(w, m, a, aLength, aStride, c, cStride, pw);
                break;
            default:
                if (u8) Drive<VnniU8, Rounded<AwayFromZero>>(w, m, a, aLength, aStride, c, cStride, pw);
                else Drive<VnniS8, Rounded<AwayFromZero>>(w, m, a, aLength, aStride, c, cStride, pw);
                break;
        }
    }

    [SkipLocalsInit]
    private static void Drive<TOps, TRound>(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        where TOps : struct, IVnniOps where TRound : struct, IVnniOutput
    {
        RequantTable t = w.Requant;
        int k = w.K, n = w.N, rowSumScale = w.RowSumScale;
        int mainChunks = k / 16, chunks = w.Kp / 16, blockBytes = chunks * NR * 16, tailLen = k - mainChunks * 16;
        // The last chunk's 4-byte groups that hold any k < K (the rest meet only zero weights: K = 24 skips 2 of 8).
        int lastEnd = tailLen == 0 ? 16 : (tailLen + 3) / 4 * 4;
        bool s8 = w.Type == QuantType.Int8;
        byte** rows = stackalloc byte*[MR];
        byte** lasts = stackalloc byte*[MR];
        byte* tail = stackalloc byte[MR * 16];
        int* corr = stackalloc int[MR];
        int* acc = stackalloc int[MR * NR];
        byte* partial = stackalloc byte[NR];
        new Span<byte>(tail, MR * 16).Clear();
        WindowedRequant? wr = t.Windowed;
        fixed (int* bias = t.Bias, mult = t.Multiplier, left = t.LeftShift, right = t.RightShift, mask = t.Mask, half = t.HalfMask, total = t.TotalShift)
        fixed (int* xlo = wr?.XLo, xhi = wr?.XHi, mh = wr?.MulHi, ml = wr?.MulLo, wh = wr?.HalfZp, wright = wr?.Right)
        {
            var cols = new RequantColumns(RequantPointers.Of(t, mult, left, null, right, null, mask, half, total, null), t, new WindowedColumns(xlo, xhi, mh, ml, wh, wright));
            for (int m0 = 0; m0 < m; m0 += MR)
            {
                for (int i = 0; i < MR; i++)
                {
                    // Rows past m repeat the last row (computed, never stored) so the tile has no row branches.
                    long offset = (long)Math.Min(m0 + i, m - 1) * aStride;
                    byte* row = a + offset;
                    rows[i] = row;
                    lasts[i] = row + mainChunks * 16;
                    // The last, partial chunk is read in place when 16 bytes are there to read (the bytes past K meet
                    // zero weights; row sums stop at K); only near the end of A is it copied, zero-padded.
                    if (tailLen > 0 && offset + mainChunks * 16 + 16 > aLength)
                    {
                        Unsafe.CopyBlockUnaligned(tail + i * 16, row + mainChunks * 16, (uint)tailLen);
                        lasts[i] = tail + i * 16;
                    }
                    corr[i] = rowSumScale == 0 || m0 + i >= m ? 0 : unchecked(rowSumScale * RowSum(row, lasts[i], mainChunks, tailLen, s8));
                }
                int rowsHere = Math.Min(MR, m - m0);
                byte* crow = c + (long)m0 * cStride;
                for (int n0 = 0; n0 < n; n0 += NR)
                {
                    Tile<TOps>(rows, lasts, mainChunks, chunks, lastEnd, pw + (long)(n0 / NR) * blockBytes, bias + n0, corr, acc);
                    int width = Math.Min(NR, n - n0);
                    for (int i = 0; i < rowsHere; i++)
                        Store<TOps, TRound>(Vector256.Load(acc + i * NR), Vector256.Load(acc + i * NR + 8), cols, n0, crow + (long)i * cStride + n0, width, partial);
                }
            }
        }
    }

    /// <summary>
    /// sum_k A[k] of one row (as uint8 or int8): vpsadbw against zero adds 16 bytes into two 64-bit lanes in one
    /// instruction; the partial last chunk (at <paramref name="last"/>, 16 readable bytes) is masked to its first
    /// <paramref name="tailLen"/> bytes. int8 bytes are summed as a + 128 and corrected by 128 per byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowSum(byte* row, byte* last, int mainChunks, int tailLen, bool s8)
    {
        var flip = Vector128.Create(s8 ? (byte)0x80 : (byte)0);
        var acc = Vector128<ulong>.Zero;
        for (int ch = 0; ch < mainChunks; ch++)
            acc = Sse2.Add(acc, Sse2.SumAbsoluteDifferences(Sse2.Xor(Vector128.Load(row + 16 * ch), flip), Vector128<byte>.Zero).AsUInt64());
        if (tailLen > 0)
        {
            var mask = Vector128.GreaterThan(Vector128.Create((byte)tailLen), Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
            acc = Sse2.Add(acc, Sse2.SumAbsoluteDifferences(Sse2.And(Sse2.Xor(Vector128.Load(last), flip), mask), Vector128<byte>.Zero).AsUInt64());
        }
        int sum = (int)(acc.GetElement(0) + acc.GetElement(1));
        return s8 ? sum - 128 * (mainChunks * 16 + tailLen) : sum;
    }

    /// <summary>
    /// The 4x16 sums, started from the folded bias of the columns plus each row's correction, into
    /// acc[row * 16 + col]. Not inlined: inside the driver, with the requantization's registers
    /// live, the JIT spilled six of the eight accumulators in the K loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile<TOps>(byte** rows, byte** lasts, int mainChunks, int chunks, int lastEnd, byte* w, int* bias, int* corr, int* acc)
        where TOps : struct, IVnniOps
    {
        byte* p0 = rows[0], p1 = rows[1], p2 = rows[2], p3 = rows[3];
        Vector256<int> bA = Vector256.Load(bias), bB = Vector256.Load(bias + 8), r = Vector256.Create(corr[0]);
        Vector256<int> c0A = Avx2.Add(bA, r), c0B = Avx2.Add(bB, r);
        r = Vector256.Create(corr[1]);
        Vector256<int> c1A = Avx2.Add(bA, r), c1B = Avx2.Add(bB, r);
        r = Vector256.Create(corr[2]);
        Vector256<int> c2A = Avx2.Add(bA, r), c2B = Avx2.Add(bB, r);
        r = Vector256.Create(corr[3]);
        Vector256<int> c3A = Avx2.Add(bA, r), c3B = Avx2.Add(bB, r);
        for (int ch = 0; ch < chunks; ch++)
        {
            if (ch == mainChunks) { p0 = lasts[0]; p1 = lasts[1]; p2 = lasts[2]; p3 = lasts[3]; }
            int end = ch == chunks - 1 ? lastEnd : 16;
            for (int q = 0; q < end; q += 4)
            {
                var wA = Vector256.Load(w); var wB = Vector256.Load(w + 32);
                var x = TOps.Broadcast(p0 + q); c0A = Dot(c0A, x, wA); c0B = Dot(c0B, x, wB);
                x = TOps.Broadcast(p1 + q); c1A = Dot(c1A, x, wA); c1B = Dot(c1B, x, wB);
                x = TOps.Broadcast(p2 + q); c2A = Dot(c2A, x, wA); c2B = Dot(c2B, x, wB);
                x = TOps.Broadcast(p3 + q); c3A = Dot(c3A, x, wA); c3B = Dot(c3B, x, wB);
                w += 64;
            }
            p0 += 16; p1 += 16; p2 += 16; p3 += 16;
        }
        c0A.Store(acc); c0B.Store(acc + 8);
        c1A.Store(acc + NR); c1B.Store(acc + NR + 8);
        c2A.Store(acc + 2 * NR); c2B.Store(acc + 2 * NR + 8);
        c3A.Store(acc + 3 * NR); c3B.Store(acc + 3 * NR + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> a, Vector256<byte> w)
        => AvxVnni.MultiplyWideningAndAdd(acc, a, w.AsSByte());

    /// <summary>Requantizes one row's 16 accumulators (columns col..col+15, bias and correction included) and stores the first <paramref name="cols"/> bytes (a partial block through <paramref name="partial"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TOps, TRound>(Vector256<int> accA, Vector256<int> accB, in RequantColumns t, int col, byte* dst, int cols, byte* partial)
        where TOps : struct, IVnniOps where TRound : struct, IVnniOutput
    {
        var x0 = TRound.Output(accA, t, col);
        var x1 = TRound.Output(accB, t, col + 8);
        // The saturating pack to int16 cannot change the clamp's result because the clamp bounds are bytes.
        // vpackssdw interleaves 128-bit lanes, vpermq restores column order.
        var s = Avx2.PackSignedSaturate(x0, x1);
        s = Avx2.Permute4x64(s.AsInt64(), 0b11_01_10_00).AsInt16();
        if (!TRound.InRange) s = Avx2.Min(Avx2.Max(s, t.Min), t.Max);
        Vector128<byte> bytes = TOps.Pack(s.GetLower(), s.GetUpper());
        if (cols == NR) bytes.Store(dst);
        else
        {
            // Through a buffer, not &bytes: an address-taken local made the JIT spill and reload every full store.
            bytes.Store(partial);
            Unsafe.CopyBlockUnaligned(dst, partial, (uint)cols);
        }
    }
}

/// <summary>The requantization tables of one GEMM, pinned for a run, plus the output zero point and clamp as vectors.</summary>
internal readonly unsafe struct RequantColumns(in RequantPointers q, RequantTable t, WindowedColumns window)
{
    public readonly RequantPointers Q = q;
    public readonly WindowedColumns Window = window;
    public readonly Vector256<int> ZeroPoint = Vector256.Create(t.OutputZeroPoint);
    public readonly Vector256<short> Min = Vector256.Create((short)t.Min), Max = Vector256.Create((short)t.Max);
}

/// <summary>
/// The output stage of the VNNI tile on 8 columns starting at <c>col</c>, output zero point added (a type parameter, so
/// the tile has no rounding branch): a requantization policy (<see cref="Rounded{TPolicy}"/>), or its windowed form.
/// </summary>
internal interface IVnniOutput
{
    /// <summary>True when <see cref="Output"/> already lies within the output clamp.</summary>
    static abstract bool InRange { get; }

    static abstract Vector256<int> Output(Vector256<int> x, in RequantColumns t, int col);
}

/// <summary>The policy's AVX2 form plus the output zero point.</summary>
internal struct Rounded<TPolicy> : IVnniOutput where TPolicy : struct, IRequantPolicy
{
    public static bool InRange => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Output(Vector256<int> x, in RequantColumns t, int col) => Avx2.Add(t.ZeroPoint, TPolicy.Avx2(x, t.Q, col));
}

/// <summary>The windowed form of <see cref="AwayFromZero"/> (<see cref="WindowedRequant"/>), zero point included.</summary>
internal struct WindowedAwayFromZero : IVnniOutput
{
    public static bool InRange => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Output(Vector256<int> x, in RequantColumns t, int col) => WindowedRequant.OutputAvx2(x, t.Window, col, upward: false);
}

/// <summary>The windowed form of <see cref="Upward"/>, zero point included.</summary>
internal struct WindowedUpward : IVnniOutput
{
    public static bool InRange => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Output(Vector256<int> x, in RequantColumns t, int col) => WindowedRequant.OutputAvx2(x, t.Window, col, upward: true);
}

/// <summary>How activation bytes enter vpdpbusd (as uint8) and how the int16 results are packed back to bytes.</summary>
internal unsafe interface IVnniOps
{
    /// <summary>Four activation bytes at p as uint8, broadcast to every dword.</summary>
    static abstract Vector256<byte> Broadcast(byte* p);

    /// <summary>Saturating pack of 16 clamped int16 values to the output type.</summary>
    static abstract Vector128<byte> Pack(Vector128<short> lo, Vector128<short> hi);
}

internal unsafe struct VnniU8 : IVnniOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Broadcast(byte* p) => Vector256.Create(Unsafe.ReadUnaligned<uint>(p)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Pack(Vector128<short> lo, Vector128<short> hi) => Sse2.PackUnsignedSaturate(lo, hi);
}

internal unsafe struct VnniS8 : IVnniOps
{
    /// <summary>int8 a becomes uint8 a + 128 (flip the sign bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Broadcast(byte* p) => Vector256.Create(Unsafe.ReadUnaligned<uint>(p) ^ 0x80808080u).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Pack(Vector128<short> lo, Vector128<short> hi) => Sse2.PackSignedSaturate(lo, hi).AsByte();
}
