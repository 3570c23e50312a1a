namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>
/// A quantized elementwise op whose other operand is a constant vector over the channel axis (un-folded batch norm in
/// TF Hub's int8 DeepLab: MUL by a per-channel scale, ADD of a per-channel shift, both broadcast over H x W) is, for each
/// channel, a function of one input byte: 256 entries per channel, filled once at prepare time from the reference
/// arithmetic, are exact by construction. So is a chain of such ops (their functions composed). One byte load per
/// element replaces the widening, one to three fixed-point rescales and the narrowing of the vector kernels.
/// </summary>
internal sealed class ChannelByteTable
{
    private readonly byte[] _table;

    /// <summary>
    /// table[c * 256 + b] = <paramref name="op"/>(c, q) for every channel c and raw byte b, q = b read as int8 when
    /// <paramref name="signed"/>; op must return a code of the same type (the result is stored truncated to a byte).
    /// </summary>
    public ChannelByteTable(int channels, bool signed, Func<int, int, int> op)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 1 << 20);
        Channels = channels;
        _table = new byte[channels * 256];
        for (int c = 0; c < channels; c++)
            for (int b = 0; b < 256; b++)
                _table[c * 256 + b] = (byte)op(c, signed ? (sbyte)b : b);
    }

    public int Channels { get; }

    public long Bytes => _table.Length;

    /// <summary>The table's byte for channel c and raw input byte b (tests compose and check it).</summary>
    public byte Lookup(int channel, byte b) => _table[channel * 256 + b];

    /// <summary>
    /// output[i] = table[i mod Channels][input[i]] over whole pixels (length a multiple of <see cref="Channels"/>, the
    /// first element channel 0). The output may be the input: each element is read before it is written.
    /// </summary>
    public unsafe void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int n = output.Length, channels = Channels;
        if (input.Length < n) throw new ArgumentException("the input is shorter than the output");
        if (n % channels != 0) throw new ArgumentException($"{n} elements are not whole pixels of {channels} channels");
        fixed (byte* pin = input, pout = output, table = _table)
        {
            if (channels == 1)
            {
                for (int i = 0; i < n; i++) pout[i] = table[pin[i]];
                return;
            }
            if (channels >= 8)
            {
                RunChannelBlocks(pin, pout, n / channels, channels, table);
                return;
            }
            for (int p = 0; p < n; p += channels)
            {
                byte* x = pin + p, y = pout + p, end = x + channels, t = table;
                // Four independent lookups per step keep several table loads in flight; one 32-bit store for the four
                // bytes (little-endian: byte k of the word is element k). Pointers only: no index arithmetic per element.
                for (; x + 4 <= end; x += 4, y += 4, t += 1024)
                {
                    uint r0 = t[x[0]], r1 = t[256 + x[1]], r2 = t[512 + x[2]], r3 = t[768 + x[3]];
                    *(uint*)y = r0 | (r1 << 8) | (r2 << 16) | (r3 << 24);
                }
                for (; x < end; x++, y++, t += 256) *y = t[*x];
            }
        }
    }

    /// <summary>Pixels per block of <see cref="RunChannelBlocks"/>: about 16 KB of activations, so a block stays in L1 while every channel group visits it.</summary>
    private const int BlockBytes = 16 * 1024;

    /// <summary>
    /// Channels in groups of 8 over a block of pixels: the group's 8 table rows (2 KB) stay in L1 for the whole block and
    /// their 8 base pointers in registers (no address arithmetic but the byte extract), one 64-bit load and one 64-bit
    /// store per 8 elements (byte k of the word is channel c + k). Per element: one table load, a bit-field extract and
    /// an OR: half the loads of the per-pixel loop, which is what bounds the Cortex-A72's single load pipe (and x64
    /// gains too: the table rows of a pixel no longer span the whole C x 256 table). Little-endian only, as every
    /// target is. The output may be the input: each 8-byte word is read before it is written.
    /// </summary>
    private static unsafe void RunChannelBlocks(byte* pin, byte* pout, int pixels, int channels, byte* table)
    {
        int block = Math.Max(1, BlockBytes / channels);
        for (int p0 = 0; p0 < pixels; p0 += block)
        {
            int count = Math.Min(block, pixels - p0);
            byte* xb = pin + (long)p0 * channels, yb = pout + (long)p0 * channels;
            int c = 0;
            for (; c + 8 <= channels; c += 8)
            {
                byte* t0 = table + (long)c * 256, t1 = t0 + 256, t2 = t0 + 512, t3 = t0 + 768, t4 = t0 + 1024, t5 = t0 + 1280, t6 = t0 + 1536, t7 = t0 + 1792;
                byte* x = xb + c, y = yb + c;
                for (int p = 0; p < count; p++, x += channels, y += channels)
                {
                    ulong v = *(ulong*)x;
                    *(ulong*)y = t0[(byte)v] | (ulong)t1[(byte)(v >> 8)] << 8 | (ulong)t2[(byte)(v >> 16)] << 16 | (ulong)t3[(byte)(v >> 24)] << 24
                        | (ulong)t4[(byte)(v >> 32)] << 32 | (ulong)t5[(byte)(v >> 40)] << 40 | (ulong)t6[(byte)(v >> 48)] << 48 | (ulong)t7[(byte)(v >> 56)] << 56;
                }
            }
            for (; c < channels; c++)
            {
                byte* t = table + (long)c * 256, x = xb + c, y = yb + c;
                for (int p = 0; p < count; p++, x += channels, y += channels) *y = t[*x];
            }
        }
    }
}
