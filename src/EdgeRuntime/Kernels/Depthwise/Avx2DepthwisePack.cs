using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>Which requantization operator a fused depthwise kernel runs (see Requantization/RequantPolicies.cs).</summary>
internal enum DwRequantKind
{
    /// <summary>Double rounding away from zero, one multiplier, right shift only: constants broadcast, no tables.</summary>
    AwayTensor,
    /// <summary>Double rounding away from zero, per-channel, right shifts only.</summary>
    AwayRightOnly,
    /// <summary>Double rounding away from zero, any shifts.</summary>
    Away,
    Upward,
    Single,
}

internal static class DwRequant
{
    public static DwRequantKind KindOf(QuantParams q)
    {
        // Right shifts only (multipliers below 1, as converters produce): no left shift, and |result| <= 2^30 so adding
        // the output zero point cannot wrap int32 and may happen after saturating to int16.
        bool rightOnly = true;
        foreach (int s in q.Shift) rightOnly &= s < 0;
        return q.Rounding switch
        {
            RequantizeRounding.DoubleAwayFromZero when rightOnly => q.Multiplier.Length == 1 ? DwRequantKind.AwayTensor : DwRequantKind.AwayRightOnly,
            RequantizeRounding.DoubleAwayFromZero => DwRequantKind.Away,
            RequantizeRounding.DoubleUpward => DwRequantKind.Upward,
            _ => DwRequantKind.Single,
        };
    }
}

/// <summary>
/// Weights, folded bias and requantization constants of the fused AVX2 depthwise kernel (<see cref="Avx2DepthwiseRows"/>),
/// in two layouts: "perm" for whole 32-channel blocks, whose accumulators hold channels [0..3|16..19] [4..7|20..23]
/// [8..11|24..27] [12..15|28..31] (the order the in-lane byte unpacks produce, undone for free by vpackssdw/vpackuswb),
/// and "lin" (plain channel order) for 16-channel blocks at any channel offset.
/// </summary>
internal sealed class Avx2DepthwisePack
{
    /// <summary>Per-channel int32 tables in <see cref="Ints"/>, each of length 32 * Blocks32 (perm) or Channels + 16 (lin).</summary>
    internal enum Table { Bias, M, MOdd, Left, Right, Add, Mask, HalfMask, Total }

    internal const int TableCount = 9;

    private readonly int[] _slot;

    public Avx2DepthwisePack(QuantParams q, int channels, ReadOnlySpan<byte> weights, int[] bias)
    {
        int C = channels;
        Channels = C;
        Blocks32 = C / 32;
        Kind = DwRequant.KindOf(q);
        InputZeroPoint = (byte)q.InputZeroPoint;
        // int8 inputs are read as x ^ 0x80 = x + 128 (zero-extended), so the zero point moves by 128 too.
        int izp = q.InputZeroPoint + (q.Type == QuantType.Int8 ? 128 : 0);
        var w = new int[9 * C];
        for (int t = 0; t < 9; t++)
            for (int c = 0; c < C; c++)
                w[t * C + c] = (q.Type == QuantType.Int8 ? (sbyte)weights[t * C + c] : weights[t * C + c]) - q.FilterZeroPoint;

        // sum_t (x_t - izp) * w_t = sum_t x_t * w_t - izp * sum_t w_t; padding taps read izp, so this holds at the borders
        // too. int32 wrap-around is the same modulo 2^32 as the reference's, so the accumulators are identical.
        var folded = new int[C];
        for (int c = 0; c < C; c++)
        {
            int sum = 0;
            for (int t = 0; t < 9; t++) sum += w[t * C + c];
            folded[c] = unchecked(bias[c] - izp * sum);
        }

        // lin: taps paired in order (2p, 2p+1; tap 9 = 0) as int16 pairs for vpmaddwd / vpdpwssd.
        W16 = new short[5 * C * 2];
        for (int p = 0; p < 5; p++)
            for (int c = 0; c < C; c++)
            {
                W16[(p * C + c) * 2] = (short)w[2 * p * C + c];
                W16[(p * C + c) * 2 + 1] = 2 * p + 1 < 9 ? (short)w[(2 * p + 1) * C + c] : (short)0;
            }
        // perm: taps paired by column (rows 0 and 1 of a column share an interleave that the pixel to the right reuses).
        W32 = new short[Blocks32 * PermPairs.Length * 4 * 16];
        for (int b = 0; b < Blocks32; b++)
            for (int p = 0; p < PermPairs.Length; p++)
                for (int k = 0; k < 4; k++)
                    for (int i = 0; i < 8; i++)
                    {
                        int c = PermChannel(b, k, i);
                        int at = (((b * PermPairs.Length + p) * 4 + k) * 8 + i) * 2;
                        (int t0, int t1) = PermPairs[p];
                        W32[at] = t0 < 0 ? (short)0 : (short)w[t0 * C + c];
                        W32[at + 1] = t1 < 0 ? (short)0 : (short)w[t1 * C + c];
                    }

        // Per-channel constants: right shifts only, RDBPOT ties away from zero as sign(h) * ((|h| + Add) >> Right), Add = 2^(Right-1);
        // otherwise the general forms' Mask/HalfMask or Total (Requantization/RequantPolicies.cs). Only the tables the chosen policy reads are stored.
        Table[] used = Kind switch
        {
            DwRequantKind.AwayTensor => [Table.Bias],
            DwRequantKind.AwayRightOnly => [Table.Bias, Table.M, Table.MOdd, Table.Right, Table.Add],
            DwRequantKind.Away => [Table.Bias, Table.M, Table.Left, Table.Right, Table.Mask, Table.HalfMask],
            DwRequantKind.Upward => [Table.Bias, Table.M, Table.Left, Table.Right, Table.Mask, Table.HalfMask],
            _ => [Table.Bias, Table.M, Table.Total],
        };
        int permLen = 32 * Blocks32, linLen = C + 16;
        PermLength = permLen;
        LinLength = linLen;
        _slot = new int[TableCount];
        Array.Fill(_slot, -1);
        for (int i = 0; i < used.Length; i++) _slot[(int)used[i]] = i;
        Ints = new int[used.Length * (permLen + linLen)];
        int linBase = used.Length * permLen;
        for (int c = 0; c < C; c++)
        {
            int shift = q.ShiftAt(c);
            int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
            int mask = (int)((1L << right) - 1);
            int[] v = [folded[c], q.MultiplierAt(c), 0, left, right, right > 0 ? 1 << (right - 1) : 0, mask, mask >> 1, 31 - shift];
            foreach (Table t in used)
            {
                int at = linBase + _slot[(int)t] * linLen;
                // vpmuldq reads the even dwords: MOdd holds the odd lanes' multipliers one dword down (MOdd[c] = M[c + 1]).
                if (t == Table.MOdd) { if (c > 0) Ints[at + c - 1] = v[(int)Table.M]; }
                else Ints[at + c] = v[(int)t];
            }
        }
        for (int b = 0; b < Blocks32; b++)
            for (int k = 0; k < 4; k++)
                for (int i = 0; i < 8; i++)
                {
                    int c = PermChannel(b, k, i), at = b * 32 + k * 8 + i;
                    foreach (Table t in used)
                    {
                        int s = _slot[(int)t];
                        if (t != Table.MOdd) Ints[s * permLen + at] = Ints[linBase + s * linLen + c];
                        else if (i % 2 == 0) Ints[s * permLen + at] = Ints[linBase + _slot[(int)Table.M] * linLen + PermChannel(b, k, i + 1)];
                    }
                }
        if (Kind == DwRequantKind.AwayTensor)
        {
            TensorMultiplier = q.Multiplier[0];
            TensorRight = -q.Shift[0];
            TensorAdd = 1 << (TensorRight - 1);
        }
        OutputZeroPoint = q.OutputZeroPoint;
        Min = q.OutputMin;
        Max = q.OutputMax;
        IsInt8 = q.Type == QuantType.Int8;
        if (C == 16) TwoPixels = new Avx2DepthwisePack(Replicate(q), 32, Replicate(weights), [.. bias, .. bias]);
    }

    /// <summary>
    /// The tap pairs (tap = 3 * ky + kx, -1 = none) of the perm layout: P0..P2 = rows 0 and 1 of column kx,
    /// P3 = row 2 columns 0 and 1, P4 = (row 2 column 2, -), P5 = (-, row 2 column 2).
    /// </summary>
    internal static readonly (int, int)[] PermPairs = [(0, 3), (1, 4), (2, 5), (6, 7), (8, -1), (-1, 8)];

    /// <summary>shorts per 32-channel block of <see cref="W32"/>.</summary>
    internal const int PermBlockShorts = 6 * 4 * 16;

    /// <summary>16 channels: the same layer as 32 channels (each parameter twice), so two neighbouring pixels run as one.</summary>
    public Avx2DepthwisePack? TwoPixels { get; }

    private static QuantParams Replicate(QuantParams q) => new()
    {
        Type = q.Type, InputZeroPoint = q.InputZeroPoint, FilterZeroPoint = q.FilterZeroPoint, OutputZeroPoint = q.OutputZeroPoint,
        OutputMin = q.OutputMin, OutputMax = q.OutputMax, Rounding = q.Rounding,
        Multiplier = q.Multiplier.Length == 1 ? q.Multiplier : [.. q.Multiplier, .. q.Multiplier],
        Shift = q.Shift.Length == 1 ? q.Shift : [.. q.Shift, .. q.Shift],
    };

    private static byte[] Replicate(ReadOnlySpan<byte> weights)
    {
        var w = new byte[9 * 32];
        for (int t = 0; t < 9; t++)
            for (int c = 0; c < 32; c++) w[t * 32 + c] = weights[t * 16 + c % 16];
        return w;
    }

    /// <summary>Channel of lane i (0..7) of accumulator k (0..3) in 32-channel block b.</summary>
    internal static int PermChannel(int b, int k, int i) => b * 32 + (i < 4 ? 0 : 16) + 4 * k + (i & 3);

    public int Channels { get; }
    public int Blocks32 { get; }
    public DwRequantKind Kind { get; }
    public bool IsInt8 { get; }
    public byte InputZeroPoint { get; }
    public int TensorMultiplier { get; }
    public int TensorRight { get; }
    public int TensorAdd { get; }
    public int OutputZeroPoint { get; }
    public int Min { get; }
    public int Max { get; }
    /// <summary>[block][pair (<see cref="PermPairs"/>)][accumulator][8 lanes][2]: the perm layout.</summary>
    public short[] W32 { get; }
    /// <summary>[pair][channel][2]: the lin layout.</summary>
    public short[] W16 { get; }
    public int[] Ints { get; }
    public int PermLength { get; }
    public int LinLength { get; }

    /// <summary>Offset of table <paramref name="t"/> in <see cref="Ints"/> (perm or lin layout), or -1 if not stored.</summary>
    public int Offset(Table t, bool perm)
    {
        int s = _slot[(int)t];
        if (s < 0) return -1;
        int count = Ints.Length / (PermLength + LinLength);
        return perm ? s * PermLength : count * PermLength + s * LinLength;
    }

    public long Bytes => W32.Length * 2L + W16.Length * 2L + Ints.Length * 4L + (TwoPixels?.Bytes ?? 0);
}
