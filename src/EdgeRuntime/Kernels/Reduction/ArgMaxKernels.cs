using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Reduction;

/// <summary>
/// SIMD ARG_MAX over the LAST axis (inner size 1, e.g. [1,513,513,21] -> [1,513,513]), bit-identical to
/// <see cref="ArgMaxReference"/>: per row, the maximum over 16-byte / 4-float chunks (the last chunk overlapping the
/// previous one), then the first chunk holding an equal value gives the first index. Float rows containing NaN
/// run the scalar rule (NaN never replaces the running maximum; a NaN first element wins).
/// Rows shorter than one vector, other axes and int32 inputs run the reference.
/// Variants: Portable (shuffle reductions + movemask), AdvSimd (UMAXV/SMAXV/FMAXV and UMINV for the index).
/// </summary>
internal static class ArgMaxKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: false, hasAdvSimdPath: true);

    /// <summary>True when the SIMD code (rather than the reference) handles this element type and geometry.</summary>
    public static bool IsVectorized<T>(int axisSize, int innerSize) where T : unmanaged =>
        innerSize == 1 && (typeof(T) == typeof(byte) || typeof(T) == typeof(sbyte) || typeof(T) == typeof(float)) && axisSize >= Vector128<T>.Count;

    public static void ArgMax<T, TIndex>(SimdVariant variant, ReadOnlySpan<T> input, int outerSize, int axisSize, int innerSize, Span<TIndex> output)
        where T : unmanaged, IComparisonOperators<T, T, bool>
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        if (variant == SimdVariant.Reference || !IsVectorized<T>(axisSize, innerSize))
        {
            ArgMaxReference.ArgMax(input, outerSize, axisSize, innerSize, output);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        if ((long)outerSize * axisSize > input.Length || outerSize > output.Length) throw new ArgumentException("input or output is too small");
        bool advSimd = variant == SimdVariant.AdvSimd;
        for (int r = 0; r < outerSize; r++)
        {
            ReadOnlySpan<T> row = input.Slice(r * axisSize, axisSize);
            int index;
            if (typeof(T) == typeof(float)) index = RowFloat(MemoryMarshal.Cast<T, float>(row), advSimd);
            else if (advSimd && axisSize <= 256) index = RowBytesAdvSimd(row);
            else index = RowBytes(row);
            output[r] = TIndex.CreateTruncating(index);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Chunk<T>(ref T row, int n, int i) where T : unmanaged =>
        Vector128.LoadUnsafe(ref row, (nuint)Math.Min(i, n - Vector128<T>.Count));

    /// <summary>uint8/int8 row, Portable: rotate-and-max reduction, then movemask of the first matching chunk.</summary>
    private static int RowBytes<T>(ReadOnlySpan<T> row) where T : unmanaged
    {
        int n = row.Length, step = Vector128<T>.Count;
        ref T r = ref MemoryMarshal.GetReference(row);
        Vector128<T> max = Vector128.LoadUnsafe(ref r);
        for (int i = step; i < n; i += step) max = Vector128.Max(max, Chunk(ref r, n, i));
        // Every lane ends up holding the row maximum.
        max = Vector128.Max(max, Vector128.Shuffle(max.AsByte(), Vector128.Create((byte)8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)).As<byte, T>());
        max = Vector128.Max(max, Vector128.Shuffle(max.AsByte(), Vector128.Create((byte)4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)).As<byte, T>());
        max = Vector128.Max(max, Vector128.Shuffle(max.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).As<byte, T>());
        max = Vector128.Max(max, Vector128.Shuffle(max.AsByte(), Vector128.Create((byte)1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)).As<byte, T>());
        for (int i = 0; ; i += step)
        {
            int start = Math.Min(i, n - step);
            uint mask = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)start), max).ExtractMostSignificantBits();
            if (mask != 0) return start + BitOperations.TrailingZeroCount(mask);
        }
    }

    /// <summary>uint8/int8 row (length &lt;= 256), AdvSimd: UMAXV/SMAXV, then UMINV over the indices of equal lanes.</summary>
    private static int RowBytesAdvSimd<T>(ReadOnlySpan<T> row) where T : unmanaged
    {
        int n = row.Length;
        ref T r = ref MemoryMarshal.GetReference(row);
        Vector128<T> max = Vector128.LoadUnsafe(ref r);
        for (int i = 16; i < n; i += 16) max = Vector128.Max(max, Chunk(ref r, n, i));
        Vector128<T> all = typeof(T) == typeof(byte)
            ? Vector128.Create(AdvSimd.Arm64.MaxAcross(max.AsByte()).ToScalar()).As<byte, T>()
            : Vector128.Create(AdvSimd.Arm64.MaxAcross(max.AsSByte()).ToScalar()).As<sbyte, T>();
        Vector128<byte> iota = Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector128<byte> best = Vector128.Create((byte)255);
        for (int i = 0; i < n; i += 16)
        {
            int start = Math.Min(i, n - 16);
            Vector128<byte> eq = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)start), all).AsByte();
            // Indices fit a byte (n <= 256); lanes not equal to the maximum offer 255, which a real match never exceeds.
            best = Vector128.Min(best, Vector128.ConditionalSelect(eq, iota + Vector128.Create((byte)start), Vector128.Create((byte)255)));
        }
        return AdvSimd.Arm64.MinAcross(best).ToScalar();
    }

    /// <summary>float row: max over non-NaN rows, then first equal lane (+0 == -0, so the first of equal zeros wins, as with &gt;).</summary>
    private static int RowFloat(ReadOnlySpan<float> row, bool advSimd)
    {
        int n = row.Length;
        ref float r = ref MemoryMarshal.GetReference(row);
        Vector128<float> max = Vector128.LoadUnsafe(ref r);
        Vector128<float> ordered = Vector128.Equals(max, max);
        for (int i = 4; i < n; i += 4)
        {
            Vector128<float> v = Chunk(ref r, n, i);
            ordered &= Vector128.Equals(v, v);
            max = Vector128.MaxNative(max, v); // NaN rows are redone in scalar; +0/-0 compare equal below
        }
        if (ordered.ExtractMostSignificantBits() != 0xF) return ScalarFloat(row);
        if (advSimd) max = Vector128.Create(AdvSimd.Arm64.MaxAcross(max).ToScalar());
        else
        {
            max = Vector128.MaxNative(max, Vector128.Shuffle(max, Vector128.Create(2, 3, 0, 1)));
            max = Vector128.MaxNative(max, Vector128.Shuffle(max, Vector128.Create(1, 0, 3, 2)));
        }
        for (int i = 0; ; i += 4)
        {
            int start = Math.Min(i, n - 4);
            uint mask = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)start), max).ExtractMostSignificantBits();
            if (mask != 0) return start + BitOperations.TrailingZeroCount(mask);
        }
    }

    private static int ScalarFloat(ReadOnlySpan<float> row)
    {
        float best = row[0];
        int bestIndex = 0;
        for (int i = 1; i < row.Length; i++)
            if (row[i] > best) { best = row[i]; bestIndex = i; }
        return bestIndex;
    }
}
