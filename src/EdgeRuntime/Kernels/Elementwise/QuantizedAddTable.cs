using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>
/// Quantized ADD of two same-shape per-tensor uint8/int8 tensors as a lookup: the output byte is a function of the
/// two input bytes alone, so a 256 x 256 table filled once from <see cref="AddReference.AddOne"/> is exact by
/// construction. On x86 one table load per element beats the three fixed-point rescales of the vector kernels
/// (~3.4 cycles per element in MobileNetV2's residual ADDs); the ARM variants keep the SQRDMULH kernels, which are
/// cheap there while a 64 KiB table does not fit a Cortex-A72's L1.
/// </summary>
internal sealed class QuantizedAddTable
{
    public const int Bytes = 256 * 256;

    private readonly byte[] _table = new byte[Bytes];

    /// <summary>table[a * 256 + b] = ADD(a, b) for the raw bytes a, b (read as int8 when <paramref name="signed"/>).</summary>
    public QuantizedAddTable(in AddQuantParams p, bool signed)
    {
        for (int a = 0; a < 256; a++)
            for (int b = 0; b < 256; b++)
            {
                int qa = signed ? (sbyte)a : a, qb = signed ? (sbyte)b : b;
                _table[a * 256 + b] = (byte)AddReference.AddOne(qa, qb, p);
            }
    }

    /// <summary>output[i] = table[a[i], b[i]]; the output may be either input (each element is read before it is written).</summary>
    public unsafe void Run(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        int n = output.Length;
        if (a.Length < n || b.Length < n) throw new ArgumentException("ADD operands are shorter than the output");
        fixed (byte* pa = a, pb = b, po = output, t = _table)
        {
            int i = 0;
            for (; i + 4 <= n; i += 4)
            {
                // Four independent lookups per iteration keep several table loads in flight.
                byte r0 = t[(pa[i] << 8) | pb[i]], r1 = t[(pa[i + 1] << 8) | pb[i + 1]];
                byte r2 = t[(pa[i + 2] << 8) | pb[i + 2]], r3 = t[(pa[i + 3] << 8) | pb[i + 3]];
                po[i] = r0; po[i + 1] = r1; po[i + 2] = r2; po[i + 3] = r3;
            }
            for (; i < n; i++) po[i] = t[(pa[i] << 8) | pb[i]];
        }
    }
}
