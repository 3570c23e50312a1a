using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// ARG_MAX (reference_ops::ArgMinMax with std::greater): the input is [outer, axis, inner]; for each (outer, inner)
/// the index of the largest value. Ties: the FIRST maximum wins (strict comparison). NaN never replaces the running maximum.
/// </summary>
internal static class ArgMaxReference
{
    public static void ArgMax<T, TIndex>(ReadOnlySpan<T> input, int outerSize, int axisSize, int innerSize, Span<TIndex> output)
        where T : unmanaged, IComparisonOperators<T, T, bool>
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        for (int outer = 0; outer < outerSize; outer++)
            for (int inner = 0; inner < innerSize; inner++)
            {
                int baseIndex = outer * axisSize * innerSize + inner;
                T best = input[baseIndex];
                int bestIndex = 0;
                for (int i = 1; i < axisSize; i++)
                {
                    T v = input[baseIndex + i * innerSize];
                    if (v > best)
                    {
                        best = v;
                        bestIndex = i;
                    }
                }
                output[outer * innerSize + inner] = TIndex.CreateTruncating(bestIndex);
            }
    }
}
