using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// Which node pairs a load-time rewrite may merge: node i's single output read by exactly one later node and by nothing
/// else (not a graph input or output, not a constant). Shared by <see cref="OperatorFusion"/> and
/// <see cref="DilatedConvolutionRewrite"/>; computed on the model's own graph.
/// </summary>
internal static class SoleReaders
{
    /// <summary>Node index -> the one later node reading its single output, or -1.</summary>
    public static int[] Of(ModelGraph graph)
    {
        OperatorNode[] ops = graph.Operators;
        int tensorCount = graph.Tensors.Length;
        var reads = new int[tensorCount];
        var reader = new int[tensorCount];
        for (int i = 0; i < ops.Length; i++)
            foreach (int t in ops[i].Inputs)
                if ((uint)t < (uint)tensorCount) { reads[t]++; reader[t] = i; }
        var isGraphIo = new bool[tensorCount];
        foreach (int t in graph.Inputs) if ((uint)t < (uint)tensorCount) isGraphIo[t] = true;
        foreach (int t in graph.Outputs) if ((uint)t < (uint)tensorCount) isGraphIo[t] = true;

        var sole = new int[ops.Length];
        for (int i = 0; i < ops.Length; i++)
        {
            sole[i] = -1;
            if (ops[i].Outputs.Length != 1) continue;
            int t = ops[i].Outputs[0];
            if ((uint)t < (uint)tensorCount && !isGraphIo[t] && reads[t] == 1 && !graph.Tensors[t].IsConstant && reader[t] > i)
                sole[i] = reader[t];
        }
        return sole;
    }
}
