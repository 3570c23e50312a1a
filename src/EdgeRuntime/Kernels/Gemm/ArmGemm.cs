using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Gemm;

/// <summary>
/// The ARM64 GEMMs ("gemm-advsimd", "gemm-advsimd-dot") with the requantization fused into the tile, as
/// <see cref="VnniGemm"/> does on x86: the accumulators start from the folded bias plus the row's correction, and
/// right after the K loop they are requantized in registers (per-column multiplier and shifts loaded once per tile),
/// narrowed with saturation (SQXTN, then SQXTUN/SQXTN), clamped on bytes and stored. No int32 buffer, no second pass,
/// no call per group of outputs. The rounding mode is a type parameter (<see cref="IRequantPolicy"/>), so one tile loop
/// serves all of them without branches.
/// <list type="bullet">
/// <item>Dot product (Cortex-A76): an 8x8 tile of SDOT/UDOT by element on the c4 packing ([chunk][4 groups][8 cols][4 k]):
/// per 16-deep chunk 8 activation loads, 8 weight loads and 64 dot products (16 accumulators, 8 activation registers).</item>
/// <item>No dot product (Cortex-A72): a 4x4 tile on the c16 packing. When every w - w_zp lies in [-127, 127] the weights
/// are stored centered and multiplied with SMULL + SMLAL + SADALP (<see cref="AdvSimdPairsU8"/>, <see cref="AdvSimdPairsS8"/>);
/// otherwise the exact UMULL/SMULL + UADALP/SADALP pairs of the original kernel.</item>
/// </list>
/// </summary>
internal static unsafe class ArmGemm
{
    public const int DotMR = 8, DotNR = 8, NeonMR = 4, NeonNR = 4;

    private static long s_dotRuns, s_exactRuns, s_pairRuns;

    /// <summary>How many Run calls each ARM tile took (conformance proves that the path it meant to test ran).</summary>
    public static (long Dot, long Exact, long Pairs) Runs => (Interlocked.Read(ref s_dotRuns), Interlocked.Read(ref s_exactRuns), Interlocked.Read(ref s_pairRuns));

    /// <summary>The requantization the tables ask for (see <see cref="IRequantPolicy"/>).</summary>
    private enum Kind { Away, Upward, Single, AwayRight, UpwardRight, SingleRight }

    private static Kind KindOf(RequantTable t) => (t.Rounding, t.RightShiftsOnly) switch
    {
        (RequantizeRounding.Single, true) => Kind.SingleRight,
        (RequantizeRounding.Single, false) => Kind.Single,
        (RequantizeRounding.DoubleUpward, true) => Kind.UpwardRight,
        (RequantizeRounding.DoubleUpward, false) => Kind.Upward,
        (_, true) => Kind.AwayRight,
        _ => Kind.Away,
    };

    // ---------------------------------------------------------------- dispatch

    public static void RunDot(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
    {
        Interlocked.Increment(ref s_dotRuns);
        if (w.Type == QuantType.UInt8) Dot<DotU8, ArmOutU8>(w, m, a, aLength, aStride, c, cStride, pw);
        else Dot<DotS8, ArmOutS8>(w, m, a, aLength, aStride, c, cStride, pw);
    }

    public static void RunNeon(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
    {
        bool u8 = w.Type == QuantType.UInt8;
        if (w.Pairs)
        {
            Interlocked.Increment(ref s_pairRuns);
            if (u8) Neon<AdvSimdPairsU8, ArmOutU8>(w, m, a, aLength, aStride, c, cStride, pw);
            else Neon<AdvSimdPairsS8, ArmOutS8>(w, m, a, aLength, aStride, c, cStride, pw);
        }
        else
        {
            Interlocked.Increment(ref s_exactRuns);
            if (u8) Neon<AdvSimdU8, ArmOutU8>(w, m, a, aLength, aStride, c, cStride, pw);
            else Neon<AdvSimdS8, ArmOutS8>(w, m, a, aLength, aStride, c, cStride, pw);
        }
    }

    private static void Dot<TOps, TOut>(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        where TOps : struct, IDotGemmOps where TOut : struct, IArmOut
    {
        switch (KindOf(w.Requant))
        {
            case Kind.AwayRight: DriveDot<TOps, TOut, AwayFromZeroRightCompare>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.UpwardRight: DriveDot<TOps, TOut, UpwardRight>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.SingleRight: DriveDot<TOps, TOut, SingleRoundingRight>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.Away: DriveDot<TOps, TOut, AwayFromZero>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.Upward: DriveDot<TOps, TOut, Upward>(w, m, a, aLength, aStride, c, cStride, pw); break;
            default: DriveDot<TOps, TOut, SingleRounding>(w, m, a, aLength, aStride, c, cStride, pw); break;
        }
    }

    private static void Neon<TOps, TOut>(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        where TOps : struct, IAdvSimdGemmOps where TOut : struct, IArmOut
    {
        switch (KindOf(w.Requant))
        {
            case Kind.AwayRight: DriveNeon<TOps, TOut, AwayFromZeroRight>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.UpwardRight: DriveNeon<TOps, TOut, UpwardRight>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.SingleRight: DriveNeon<TOps, TOut, SingleRoundingRight>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.Away: DriveNeon<TOps, TOut, AwayFromZero>(w, m, a, aLength, aStride, c, cStride, pw); break;
            case Kind.Upward: DriveNeon<TOps, TOut, Upward>(w, m, a, aLength, aStride, c, cStride, pw); break;
            default: DriveNeon<TOps, TOut, SingleRounding>(w, m, a, aLength, aStride, c, cStride, pw); break;
        }
    }

    // ---------------------------------------------------------------- row blocks

    /// <summary>
    /// Row pointers of one block of <paramref name="mr"/> rows (rows past m repeat the last row: computed, never
    /// stored), the place to read each row's last partial chunk (in place when 16 bytes are readable there, the bytes
    /// past K meet zero weights; else a zero-padded copy) and each row's correction RowSumScale * sum_k A[m,k].
    /// </summary>
    private static void SetupRows(PackedGemmWeights w, int m, int m0, int mr, byte* a, long aLength, int aStride, byte** rows, byte** lasts, byte* tail, int* corr)
    {
        int k = w.K, mainChunks = k / 16, tailLen = k - mainChunks * 16, rowSumScale = w.RowSumScale;
        bool s8 = w.Type == QuantType.Int8;
        for (int i = 0; i < mr; i++)
        {
            long offset = (long)Math.Min(m0 + i, m - 1) * aStride;
            byte* row = a + offset;
            rows[i] = row;
            lasts[i] = row + mainChunks * 16;
            if (tailLen > 0 && offset + mainChunks * 16 + 16 > aLength)
            {
                Unsafe.CopyBlockUnaligned(tail + i * 16, row + mainChunks * 16, (uint)tailLen);
                lasts[i] = tail + i * 16;
            }
            corr[i] = rowSumScale == 0 || m0 + i >= m ? 0 : unchecked(rowSumScale * RowSum(row, k, s8));
        }
    }

    /// <summary>sum_k A[k] as uint8 or int8: UADDLP/SADDLP + UADALP/SADALP per 16 bytes (exact), the tail scalar.</summary>
    private static int RowSum(byte* row, int k, bool s8)
    {
        int i = 0, sum = 0;
        if (s8)
        {
            var acc = Vector128<int>.Zero;
            for (; i + 16 <= k; i += 16) acc = AdvSimd.AddPairwiseWideningAndAdd(acc, AdvSimd.AddPairwiseWidening(AdvSimd.LoadVector128((sbyte*)row + i)));
            sum = AdvSimd.Arm64.AddAcross(acc).ToScalar();
            for (; i < k; i++) sum += (sbyte)row[i];
        }
        else
        {
            var acc = Vector128<uint>.Zero;
            for (; i + 16 <= k; i += 16) acc = AdvSimd.AddPairwiseWideningAndAdd(acc, AdvSimd.AddPairwiseWidening(AdvSimd.LoadVector128(row + i)));
            sum = (int)AdvSimd.Arm64.AddAcross(acc).ToScalar();
            for (; i < k; i++) sum += row[i];
        }
        return sum;
    }

    // ---------------------------------------------------------------- dot product: 8x8 tile

    [SkipLocalsInit]
    private static void DriveDot<TOps, TOut, TRound>(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        where TOps : struct, IDotGemmOps where TOut : struct, IArmOut where TRound : struct, IRequantPolicy
    {
        RequantTable t = w.Requant;
        int chunks = w.Kp / 16, mainChunks = w.K / 16;
        byte** rows = stackalloc byte*[DotMR];
        byte** lasts = stackalloc byte*[DotMR];
        byte* tail = stackalloc byte[DotMR * 16];
        int* corr = stackalloc int[DotMR];
        byte* partial = stackalloc byte[DotMR * DotNR];
        new Span<byte>(tail, DotMR * 16).Clear();
        fixed (int* bias = t.Bias, mult = t.Multiplier, left = t.LeftShift, negRight = t.NegRightShift, negTotal = t.NegTotalShift)
        {
            var cols = new ArmColumns(bias, mult, left, negRight, negTotal, t, typeof(TOut) == typeof(ArmOutS8));
            for (int m0 = 0; m0 < m; m0 += DotMR)
            {
                SetupRows(w, m, m0, DotMR, a, aLength, aStride, rows, lasts, tail, corr);
                DotRowBlock<TOps, TOut, TRound>(rows, lasts, corr, mainChunks, chunks, pw, w.N, c + (long)m0 * cStride, cStride, Math.Min(DotMR, m - m0), cols, partial);
            }
        }
    }

    /// <summary>Every 8-column tile of one block of 8 rows: the K loop, then requantization and the byte stores.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DotRowBlock<TOps, TOut, TRound>(byte** rows, byte** lasts, int* corr, int mainChunks, int chunks, byte* pw, int n, byte* crow, int cStride, int rowsHere, in ArmColumns t, byte* partial)
        where TOps : struct, IDotGemmOps where TOut : struct, IArmOut where TRound : struct, IRequantPolicy
    {
        nint blockBytes = (nint)chunks * (DotNR * 16);
        byte* wBlock = pw;
        for (int n0 = 0; n0 < n; n0 += DotNR, wBlock += blockBytes)
        {
            var bA = AdvSimd.LoadVector128(t.Bias + n0);
            var bB = AdvSimd.LoadVector128(t.Bias + n0 + 4);
            var r = AdvSimd.LoadAndReplicateToVector128(corr);
            Vector128<int> c0A = AdvSimd.Add(bA, r), c0B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 1);
            Vector128<int> c1A = AdvSimd.Add(bA, r), c1B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 2);
            Vector128<int> c2A = AdvSimd.Add(bA, r), c2B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 3);
            Vector128<int> c3A = AdvSimd.Add(bA, r), c3B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 4);
            Vector128<int> c4A = AdvSimd.Add(bA, r), c4B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 5);
            Vector128<int> c5A = AdvSimd.Add(bA, r), c5B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 6);
            Vector128<int> c6A = AdvSimd.Add(bA, r), c6B = AdvSimd.Add(bB, r);
            r = AdvSimd.LoadAndReplicateToVector128(corr + 7);
            Vector128<int> c7A = AdvSimd.Add(bA, r), c7B = AdvSimd.Add(bB, r);
            byte* p0 = rows[0], p1 = rows[1], p2 = rows[2], p3 = rows[3], p4 = rows[4], p5 = rows[5], p6 = rows[6], p7 = rows[7];
            byte* wp = wBlock;
            nint off = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                if (ch == mainChunks)
                {
                    p0 = lasts[0]; p1 = lasts[1]; p2 = lasts[2]; p3 = lasts[3]; p4 = lasts[4]; p5 = lasts[5]; p6 = lasts[6]; p7 = lasts[7];
                    off = 0;
                }
                var a0 = AdvSimd.LoadVector128(p0 + off); var a1 = AdvSimd.LoadVector128(p1 + off);
                var a2 = AdvSimd.LoadVector128(p2 + off); var a3 = AdvSimd.LoadVector128(p3 + off);
                var a4 = AdvSimd.LoadVector128(p4 + off); var a5 = AdvSimd.LoadVector128(p5 + off);
                var a6 = AdvSimd.LoadVector128(p6 + off); var a7 = AdvSimd.LoadVector128(p7 + off);
                var wA = AdvSimd.LoadVector128(wp); var wB = AdvSimd.LoadVector128(wp + 16);
                c0A = TOps.Dot(c0A, wA, a0, 0); c0B = TOps.Dot(c0B, wB, a0, 0); c1A = TOps.Dot(c1A, wA, a1, 0); c1B = TOps.Dot(c1B, wB, a1, 0);
                c2A = TOps.Dot(c2A, wA, a2, 0); c2B = TOps.Dot(c2B, wB, a2, 0); c3A = TOps.Dot(c3A, wA, a3, 0); c3B = TOps.Dot(c3B, wB, a3, 0);
                c4A = TOps.Dot(c4A, wA, a4, 0); c4B = TOps.Dot(c4B, wB, a4, 0); c5A = TOps.Dot(c5A, wA, a5, 0); c5B = TOps.Dot(c5B, wB, a5, 0);
                c6A = TOps.Dot(c6A, wA, a6, 0); c6B = TOps.Dot(c6B, wB, a6, 0); c7A = TOps.Dot(c7A, wA, a7, 0); c7B = TOps.Dot(c7B, wB, a7, 0);
                wA = AdvSimd.LoadVector128(wp + 32); wB = AdvSimd.LoadVector128(wp + 48);
                c0A = TOps.Dot(c0A, wA, a0, 1); c0B = TOps.Dot(c0B, wB, a0, 1); c1A = TOps.Dot(c1A, wA, a1, 1); c1B = TOps.Dot(c1B, wB, a1, 1);
                c2A = TOps.Dot(c2A, wA, a2, 1); c2B = TOps.Dot(c2B, wB, a2, 1); c3A = TOps.Dot(c3A, wA, a3, 1); c3B = TOps.Dot(c3B, wB, a3, 1);
                c4A = TOps.Dot(c4A, wA, a4, 1); c4B = TOps.Dot(c4B, wB, a4, 1); c5A = TOps.Dot(c5A, wA, a5, 1); c5B = TOps.Dot(c5B, wB, a5, 1);
                c6A = TOps.Dot(c6A, wA, a6, 1); c6B = TOps.Dot(c6B, wB, a6, 1); c7A = TOps.Dot(c7A, wA, a7, 1); c7B = TOps.Dot(c7B, wB, a7, 1);
                wA = AdvSimd.LoadVector128(wp + 64); wB = AdvSimd.LoadVector128(wp + 80);
                c0A = TOps.Dot(c0A, wA, a0, 2); c0B = TOps.Dot(c0B, wB, a0, 2); c1A = TOps.Dot(c1A, wA, a1, 2); c1B = TOps.Dot(c1B, wB, a1, 2);
                c2A = TOps.Dot(c2A, wA, a2, 2); c2B = TOps.Dot(c2B, wB, a2, 2); c3A = TOps.Dot(c3A, wA, a3, 2); c3B = TOps.Dot(c3B, wB, a3, 2);
                c4A = TOps.Dot(c4A, wA, a4, 2); c4B = TOps.Dot(c4B, wB, a4, 2); c5A = TOps.Dot(c5A, wA, a5, 2); c5B = TOps.Dot(c5B, wB, a5, 2);
                c6A = TOps.Dot(c6A, wA, a6, 2); c6B = TOps.Dot(c6B, wB, a6, 2); c7A = TOps.Dot(c7A, wA, a7, 2); c7B = TOps.Dot(c7B, wB, a7, 2);
                wA = AdvSimd.LoadVector128(wp + 96); wB = AdvSimd.LoadVector128(wp + 112);
                c0A = TOps.Dot(c0A, wA, a0, 3); c0B = TOps.Dot(c0B, wB, a0, 3); c1A = TOps.Dot(c1A, wA, a1, 3); c1B = TOps.Dot(c1B, wB, a1, 3);
                c2A = TOps.Dot(c2A, wA, a2, 3); c2B = TOps.Dot(c2B, wB, a2, 3); c3A = TOps.Dot(c3A, wA, a3, 3); c3B = TOps.Dot(c3B, wB, a3, 3);
                c4A = TOps.Dot(c4A, wA, a4, 3); c4B = TOps.Dot(c4B, wB, a4, 3); c5A = TOps.Dot(c5A, wA, a5, 3); c5B = TOps.Dot(c5B, wB, a5, 3);
                c6A = TOps.Dot(c6A, wA, a6, 3); c6B = TOps.Dot(c6B, wB, a6, 3); c7A = TOps.Dot(c7A, wA, a7, 3); c7B = TOps.Dot(c7B, wB, a7, 3);
                off += 16;
                wp += DotNR * 16;
            }
            var qA = TRound.LoadAdvSimd(t.Q, n0);
            var qB = TRound.LoadAdvSimd(t.Q, n0 + 4);
            // All 64 outputs first (four independent chains in one straight run, no branch between them), then the stores.
            var b01 = RowPairBytes<TOut, TRound>(c0A, c0B, c1A, c1B, qA, qB, t).AsUInt64();
            var b23 = RowPairBytes<TOut, TRound>(c2A, c2B, c3A, c3B, qA, qB, t).AsUInt64();
            var b45 = RowPairBytes<TOut, TRound>(c4A, c4B, c5A, c5B, qA, qB, t).AsUInt64();
            var b67 = RowPairBytes<TOut, TRound>(c6A, c6B, c7A, c7B, qA, qB, t).AsUInt64();
            byte* d = crow + n0;
            nint s = cStride;
            if (rowsHere == DotMR && n - n0 >= DotNR)
            {
                AdvSimd.StoreSelectedScalar((ulong*)d, b01, 0); AdvSimd.StoreSelectedScalar((ulong*)(d + s), b01, 1);
                d += 2 * s;
                AdvSimd.StoreSelectedScalar((ulong*)d, b23, 0); AdvSimd.StoreSelectedScalar((ulong*)(d + s), b23, 1);
                d += 2 * s;
                AdvSimd.StoreSelectedScalar((ulong*)d, b45, 0); AdvSimd.StoreSelectedScalar((ulong*)(d + s), b45, 1);
                d += 2 * s;
                AdvSimd.StoreSelectedScalar((ulong*)d, b67, 0); AdvSimd.StoreSelectedScalar((ulong*)(d + s), b67, 1);
            }
            else
            {
                // Byte loops, not memcpy: a call here would make the JIT keep accumulators in memory across the K loop.
                b01.Store((ulong*)partial); b23.Store((ulong*)(partial + 16)); b45.Store((ulong*)(partial + 32)); b67.Store((ulong*)(partial + 48));
                int width = Math.Min(DotNR, n - n0);
                for (int i = 0; i < rowsHere; i++)
                    for (int j = 0; j < width; j++) d[i * s + j] = partial[DotNR * i + j];
            }
        }
    }

    /// <summary>Two rows of 8 columns requantized, narrowed and clamped: row 0 in bytes 0..7, row 1 in bytes 8..15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> RowPairBytes<TOut, TRound>(Vector128<int> x0A, Vector128<int> x0B, Vector128<int> x1A, Vector128<int> x1B, RequantLanes qA, RequantLanes qB, in ArmColumns t)
        where TOut : struct, IArmOut where TRound : struct, IRequantPolicy
    {
        var s0 = Narrow<TRound>(TRound.AdvSimd(x0A, qA), TRound.AdvSimd(x0B, qB), t);
        var s1 = Narrow<TRound>(TRound.AdvSimd(x1A, qA), TRound.AdvSimd(x1B, qB), t);
        return TOut.Clamp(TOut.Narrow(s0, s1), t.Min, t.Max);
    }

    /// <summary>Two requantized int32 vectors (zero point not yet added) to 8 int16 with the zero point added (SQXTN/SQXTN2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Narrow<TRound>(Vector128<int> lo, Vector128<int> hi, in ArmColumns t) where TRound : struct, IRequantPolicy
    {
        if (TRound.RightShiftsOnly)
            return AdvSimd.AddSaturate(AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(lo), hi), t.Zp16);
        return AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(AdvSimd.Add(lo, t.Zp)), AdvSimd.Add(hi, t.Zp));
    }

    // ---------------------------------------------------------------- no dot product: 4x4 tile

    [SkipLocalsInit]
    private static void DriveNeon<TOps, TOut, TRound>(PackedGemmWeights w, int m, byte* a, long aLength, int aStride, byte* c, int cStride, byte* pw)
        where TOps : struct, IAdvSimdGemmOps where TOut : struct, IArmOut where TRound : struct, IRequantPolicy
    {
        RequantTable t = w.Requant;
        int chunks = w.Kp / 16, mainChunks = w.K / 16;
        byte** rows = stackalloc byte*[NeonMR];
        byte** lasts = stackalloc byte*[NeonMR];
        byte* tail = stackalloc byte[NeonMR * 16];
        int* corr = stackalloc int[NeonMR];
        byte* partial = stackalloc byte[16];
        new Span<byte>(tail, NeonMR * 16).Clear();
        fixed (int* bias = t.Bias, mult = t.Multiplier, left = t.LeftShift, negRight = t.NegRightShift, negTotal = t.NegTotalShift)
        {
            var cols = new ArmColumns(bias, mult, left, negRight, negTotal, t, typeof(TOut) == typeof(ArmOutS8));
            for (int m0 = 0; m0 < m; m0 += NeonMR)
            {
                SetupRows(w, m, m0, NeonMR, a, aLength, aStride, rows, lasts, tail, corr);
                NeonRowBlock<TOps, TOut, TRound>(rows, lasts, corr, mainChunks, chunks, pw, w.N, c + (long)m0 * cStride, cStride, Math.Min(NeonMR, m - m0), cols, partial);
            }
        }
    }

    /// <summary>Every 4-column tile of one block of 4 rows: the K loop, the horizontal sums, requantization and the byte stores.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void NeonRowBlock<TOps, TOut, TRound>(byte** rows, byte** lasts, int* corr, int mainChunks, int chunks, byte* pw, int n, byte* crow, int cStride, int rowsHere, in ArmColumns t, byte* partial)
        where TOps : struct, IAdvSimdGemmOps where TOut : struct, IArmOut where TRound : struct, IRequantPolicy
    {
        nint blockBytes = (nint)chunks * (NeonNR * 16);
        byte* wBlock = pw;
        for (int n0 = 0; n0 < n; n0 += NeonNR, wBlock += blockBytes)
        {
            Vector128<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            Vector128<int> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
            byte* p0 = rows[0], p1 = rows[1], p2 = rows[2], p3 = rows[3];
            byte* wp = wBlock;
            nint off = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                if (ch == mainChunks)
                {
                    p0 = lasts[0]; p1 = lasts[1]; p2 = lasts[2]; p3 = lasts[3];
                    off = 0;
                }
                var a0l = TOps.Act(AdvSimd.LoadVector64(p0 + off)); var a0h = TOps.Act(AdvSimd.LoadVector64(p0 + off + 8));
                var a1l = TOps.Act(AdvSimd.LoadVector64(p1 + off)); var a1h = TOps.Act(AdvSimd.LoadVector64(p1 + off + 8));
                var a2l = TOps.Act(AdvSimd.LoadVector64(p2 + off)); var a2h = TOps.Act(AdvSimd.LoadVector64(p2 + off + 8));
                var a3l = TOps.Act(AdvSimd.LoadVector64(p3 + off)); var a3h = TOps.Act(AdvSimd.LoadVector64(p3 + off + 8));
                // Each weight column right before its four uses: 16 accumulators + 8 activation halves + 2 weight halves live.
                var wl = AdvSimd.LoadVector64(wp); var wh = AdvSimd.LoadVector64(wp + 8);
                c00 = TOps.Mac(c00, a0l, a0h, wl, wh); c10 = TOps.Mac(c10, a1l, a1h, wl, wh); c20 = TOps.Mac(c20, a2l, a2h, wl, wh); c30 = TOps.Mac(c30, a3l, a3h, wl, wh);
                wl = AdvSimd.LoadVector64(wp + 16); wh = AdvSimd.LoadVector64(wp + 24);
                c01 = TOps.Mac(c01, a0l, a0h, wl, wh); c11 = TOps.Mac(c11, a1l, a1h, wl, wh); c21 = TOps.Mac(c21, a2l, a2h, wl, wh); c31 = TOps.Mac(c31, a3l, a3h, wl, wh);
                wl = AdvSimd.LoadVector64(wp + 32); wh = AdvSimd.LoadVector64(wp + 40);
                c02 = TOps.Mac(c02, a0l, a0h, wl, wh); c12 = TOps.Mac(c12, a1l, a1h, wl, wh); c22 = TOps.Mac(c22, a2l, a2h, wl, wh); c32 = TOps.Mac(c32, a3l, a3h, wl, wh);
                wl = AdvSimd.LoadVector64(wp + 48); wh = AdvSimd.LoadVector64(wp + 56);
                c03 = TOps.Mac(c03, a0l, a0h, wl, wh); c13 = TOps.Mac(c13, a1l, a1h, wl, wh); c23 = TOps.Mac(c23, a2l, a2h, wl, wh); c33 = TOps.Mac(c33, a3l, a3h, wl, wh);
                off += 16;
                wp += NeonNR * 16;
            }
            var b = AdvSimd.LoadVector128(t.Bias + n0);
            var x0 = AdvSimd.Add(AdvSimd.Add(Sum4(c00, c01, c02, c03), b), AdvSimd.LoadAndReplicateToVector128(corr));
            var x1 = AdvSimd.Add(AdvSimd.Add(Sum4(c10, c11, c12, c13), b), AdvSimd.LoadAndReplicateToVector128(corr + 1));
            var x2 = AdvSimd.Add(AdvSimd.Add(Sum4(c20, c21, c22, c23), b), AdvSimd.LoadAndReplicateToVector128(corr + 2));
            var x3 = AdvSimd.Add(AdvSimd.Add(Sum4(c30, c31, c32, c33), b), AdvSimd.LoadAndReplicateToVector128(corr + 3));
            var q = TRound.LoadAdvSimd(t.Q, n0);
            var s01 = Narrow<TRound>(TRound.AdvSimd(x0, q), TRound.AdvSimd(x1, q), t);
            var s23 = Narrow<TRound>(TRound.AdvSimd(x2, q), TRound.AdvSimd(x3, q), t);
            Vector128<uint> bytes = TOut.Clamp(TOut.Narrow(s01, s23), t.Min, t.Max).AsUInt32();
            byte* d = crow + n0;
            if (rowsHere == NeonMR && n - n0 >= NeonNR)
            {
                nint s = cStride;
                AdvSimd.StoreSelectedScalar((uint*)d, bytes, 0);
                AdvSimd.StoreSelectedScalar((uint*)(d + s), bytes, 1);
                AdvSimd.StoreSelectedScalar((uint*)(d + 2 * s), bytes, 2);
                AdvSimd.StoreSelectedScalar((uint*)(d + 3 * s), bytes, 3);
            }
            else
            {
                // Byte loops, not memcpy: a call here would make the JIT keep accumulators in memory across the K loop.
                bytes.Store((uint*)partial);
                int width = Math.Min(NeonNR, n - n0);
                for (int i = 0; i < rowsHere; i++)
                    for (int j = 0; j < width; j++) d[i * (nint)cStride + j] = partial[NeonNR * i + j];
            }
        }
    }

    /// <summary>[sum a, sum b, sum c, sum d] (ADDP twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Sum4(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d)
        => AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
}

/// <summary>The requantization tables of one GEMM pinned for a run, with the output zero point and clamp as vectors.</summary>
internal readonly unsafe struct ArmColumns
{
    public ArmColumns(int* bias, int* mult, int* left, int* negRight, int* negTotal, RequantTable t, bool s8)
    {
        Bias = bias;
        Q = RequantPointers.Of(t, mult, left, null, null, negRight, null, null, null, negTotal);
        Zp = Vector128.Create(t.OutputZeroPoint);
        Zp16 = Vector128.Create((short)t.OutputZeroPoint);
        Min = Vector128.Create(s8 ? (byte)(sbyte)t.Min : (byte)t.Min);
        Max = Vector128.Create(s8 ? (byte)(sbyte)t.Max : (byte)t.Max);
    }

    public readonly int* Bias;
    /// <summary>The tables the <see cref="IRequantPolicy"/> reads.</summary>
    public readonly RequantPointers Q;
    public readonly Vector128<int> Zp;
    public readonly Vector128<short> Zp16;
    /// <summary>The clamp as bytes of the output type.</summary>
    public readonly Vector128<byte> Min, Max;
}

/// <summary>The output type: saturating narrow of int16 to bytes and the clamp on bytes.</summary>
internal interface IArmOut
{
    /// <summary>lo -&gt; bytes 0..7, hi -&gt; bytes 8..15 (SQXTUN/SQXTUN2 or SQXTN/SQXTN2).</summary>
    static abstract Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi);

    static abstract Vector128<byte> Clamp(Vector128<byte> v, Vector128<byte> min, Vector128<byte> max);
}

internal struct ArmOutU8 : IArmOut
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi)
        => AdvSimd.ExtractNarrowingSaturateUnsignedUpper(AdvSimd.ExtractNarrowingSaturateUnsignedLower(lo), hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Clamp(Vector128<byte> v, Vector128<byte> min, Vector128<byte> max) => AdvSimd.Min(AdvSimd.Max(v, min), max);
}

internal struct ArmOutS8 : IArmOut
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> lo, Vector128<short> hi)
        => AdvSimd.ExtractNarrowingSaturateUpper(AdvSimd.ExtractNarrowingSaturateLower(lo), hi).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Clamp(Vector128<byte> v, Vector128<byte> min, Vector128<byte> max)
        => AdvSimd.Min(AdvSimd.Max(v.AsSByte(), min.AsSByte()), max.AsSByte()).AsByte();
}

/// <summary>
/// SMULL + SMLAL + SADALP on centered weights w' = w - w_zp in [-127, 127] (chosen at pack time), activations as int8:
/// int8 ones as they are, uint8 ones flipped to a' = a - 128 (EOR 0x80; the pack folds (128 - in_zp) * sum w' into the
/// bias). Each int16 lane holds a'[j] w'[j] + a'[j+8] w'[j+8]: |a'| &lt;= 128 and |w'| &lt;= 127 bound it by
/// 2 * 128 * 127 = 32512 &lt;= 32767, so it never wraps; SADALP then adds lane pairs into int32 exactly.
/// (w' = -128 would allow (-128)(-128) * 2 = 32768, which wraps: such weights take the exact UMULL/SMULL path.)
/// </summary>
internal struct AdvSimdPairsS8 : IAdvSimdGemmOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector64<byte> Act(Vector64<byte> a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Mac(Vector128<int> acc, Vector64<byte> aLo, Vector64<byte> aHi, Vector64<byte> wLo, Vector64<byte> wHi)
    {
        var p = AdvSimd.MultiplyWideningLower(aLo.AsSByte(), wLo.AsSByte());
        p = AdvSimd.MultiplyWideningLowerAndAdd(p, aHi.AsSByte(), wHi.AsSByte());
        return AdvSimd.AddPairwiseWideningAndAdd(acc, p);
    }
}

/// <summary><see cref="AdvSimdPairsS8"/> for uint8 activations: a' = a ^ 0x80 = a - 128 as int8.</summary>
internal struct AdvSimdPairsU8 : IAdvSimdGemmOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector64<byte> Act(Vector64<byte> a) => AdvSimd.Xor(a, Vector64.Create((byte)0x80));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Mac(Vector128<int> acc, Vector64<byte> aLo, Vector64<byte> aHi, Vector64<byte> wLo, Vector64<byte> wHi)
        => AdvSimdPairsS8.Mac(acc, aLo, aHi, wLo, wHi);
}
