using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// Upper bounds, from shapes alone, of the managed memory an operator's Prepare allocates: packed weights, requantization
/// and lookup tables, per-channel parameters, interpolation tables, copies of constants. The interpreter sums them and
/// checks the sum against <see cref="InterpreterOptions.MemoryBudgetBytes"/> before preparing anything, so a
/// small hostile model cannot make Prepare allocate gigabytes. Never throws: an inconsistent node gets a small bound and
/// its Prepare then reports what is wrong with it. The bounds are deliberately loose (a test checks them against what
/// the real models' operators report).
/// </summary>
internal static class PrepareCost
{
    /// <summary>Fixed part every operator may use (small arrays, a 256x256 quantized ADD table, 256-entry LUTs).</summary>
    private const long Fixed = 4096 + 2 * 65536;

    public static long Bytes(OperatorNode node, ModelGraph graph)
    {
        if (node.IsFused)
        {
            long sum = 0;
            foreach (OperatorNode n in node.FusedNodes) sum = Add(sum, Bytes(n, graph));
            return sum;
        }
        long total = Fixed;
        // Per-dimension tables (resize interpolation, per-channel parameters, zero points) and copies of constant operands.
        foreach (int t in node.Inputs) total = Add(total, TensorCost(graph, t));
        foreach (int t in node.Outputs) total = Add(total, TensorCost(graph, t));
        if (node.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D && node.Inputs.Length >= 2
            && Tensor(graph, node.Inputs[1]) is { Rank: 4 } filter)
        {
            long n = filter.Shape[0], h = filter.Shape[1], w = filter.Shape[2], c = filter.Shape[3];
            if (node.Op == BuiltinOperator.Conv2D)
            {
                // GEMM packing: K rounded up to 16 and N to the tile width, row sums, requantization columns;
                // float packing: lanes of output channels (x 4 bytes) plus the float copies of weights and bias.
                long k = h * w * c;
                total = Add(total, Mul(Mul(8, k + 64), n + 64));
                total = Add(total, Mul(256, n + 64));
            }
            else
            {
                // 3x3 depthwise: raw, 16- and 32-bit widened taps, AVX2 layouts, requantization; float: padded lanes.
                long taps = h * w;
                total = Add(total, Mul(Mul(64, taps), c + 64));
                total = Add(total, Mul(256, c + 64));
            }
        }
        return total;
    }

    private static long TensorCost(ModelGraph graph, int index)
    {
        if (Tensor(graph, index) is not { } t) return 0;
        long dims = 0;
        foreach (int d in t.Shape) dims += Math.Max(d, 0);
        long cost = Mul(128, dims);
        if (t.IsConstant) cost = Add(cost, Mul(4, t.ConstantData.Length)); // int64 -> int32 and float copies
        return cost;
    }

    private static TensorInfo? Tensor(ModelGraph graph, int index) => index >= 0 && index < graph.Tensors.Length ? graph.Tensors[index] : null;

    /// <summary>Saturating arithmetic on non-negative sizes: an absurd model gives long.MaxValue, never a wrapped value.</summary>
    internal static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    internal static long Mul(long a, long b) => a == 0 || b == 0 ? 0 : a > long.MaxValue / b ? long.MaxValue : a * b;
}
