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
}
