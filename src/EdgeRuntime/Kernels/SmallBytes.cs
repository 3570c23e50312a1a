using System.Runtime.CompilerServices;

namespace EdgeRuntime.Kernels;

/// <summary>
/// Copies and fills of the few bytes an im2col tap run has (9 for a 3x3 RGB row): overlapping fixed-size moves
/// instead of a memmove/memset call per run, which cost more than the run itself.
/// </summary>
internal static unsafe class SmallBytes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(byte* dst, byte* src, int n)
    {
        if (n >= 8 && n <= 16)
        {
            ulong head = Unsafe.ReadUnaligned<ulong>(src), last = Unsafe.ReadUnaligned<ulong>(src + n - 8);
            Unsafe.WriteUnaligned(dst, head);
            Unsafe.WriteUnaligned(dst + n - 8, last);
        }
        else if (n >= 4 && n < 8)
        {
            uint head = Unsafe.ReadUnaligned<uint>(src), last = Unsafe.ReadUnaligned<uint>(src + n - 4);
            Unsafe.WriteUnaligned(dst, head);
            Unsafe.WriteUnaligned(dst + n - 4, last);
        }
        else if (n < 4)
        {
            for (int i = 0; i < n; i++) dst[i] = src[i];
        }
        else Unsafe.CopyBlockUnaligned(dst, src, (uint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill(byte* dst, byte value, int n)
    {
        if (n <= 16)
            for (int i = 0; i < n; i++) dst[i] = value;
        else Unsafe.InitBlockUnaligned(dst, value, (uint)n);
    }
}
