using EdgeRuntime.Graph;

namespace EdgeRuntime.Quantization;

/// <summary>
/// Folds per-channel MUL and/or ADD with constant vectors that follow a CONV_2D / DEPTHWISE_CONV_2D (directly or
/// through a BATCH_TO_SPACE_ND, which only moves values) into the convolution: w' = w * m, b' = b * m + a, and the
/// ADD's fused activation moves onto the convolution. The folded operators disappear; the last one's output tensor
/// becomes the chain's output. New filter/bias tensors are created, since weights may be shared.
/// </summary>
internal static class BatchNormFolding
{
    public static int Fold(WorkGraph g)
    {
        int folded = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            int[] uses = g.UseCounts();
            List<int>[] consumers = g.Consumers();
            for (int i = 0; i < g.Ops.Count && !changed; i++)
            {
                WorkOp conv = g.Ops[i];
                if (conv.Op is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D)) continue;
                if (Activation(conv) != FusedActivation.None) continue;
                if (!g.Tensors[conv.Inputs[1]].IsConstant || g.Tensors[conv.Inputs[1]].Type != TensorType.Float32) continue;
                if (conv.Inputs.Length > 2 && conv.Inputs[2] >= 0 && !g.Tensors[conv.Inputs[2]].IsConstant) continue;

                int channels = g.Tensors[conv.Outputs[0]].Shape[^1];
                int cur = conv.Outputs[0];
                WorkOp? mover = null;
                WorkOp? next = Single(g, consumers, uses, cur);
                if (next is { Op: BuiltinOperator.BatchToSpaceND })
                {
                    mover = next;
                    cur = next.Outputs[0];
                    next = Single(g, consumers, uses, cur);
                }
                WorkOp? mul = null, add = null;
                float[]? m = null, a = null;
                if (next is { Op: BuiltinOperator.Mul } && ConstVector(g, next, cur, channels, out m) && Activation(next) == FusedActivation.None)
                {
                    mul = next;
                    cur = next.Outputs[0];
                    next = Single(g, consumers, uses, cur);
                }
                if (next is { Op: BuiltinOperator.Add } && ConstVector(g, next, cur, channels, out a))
                {
                    add = next;
                    cur = next.Outputs[0];
                }
                if (mul is null && add is null) continue;

                Apply(g, conv, m, add is null ? null : a, channels);
                FusedActivation act = add is not null ? Activation(add) : FusedActivation.None;
                conv.Options = conv.Options switch
                {
                    Conv2DOptions o => o with { Activation = act },
                    DepthwiseConv2DOptions o => o with { Activation = act },
                    _ => conv.Options,
                };
                (mover ?? conv).Outputs = [cur];
                if (mul is not null) g.Ops.Remove(mul);
                if (add is not null) g.Ops.Remove(add);
                folded++;
                changed = true;
            }
        }
        return folded;
    }

    private static FusedActivation Activation(WorkOp op) => op.Options switch
    {
        Conv2DOptions o => o.Activation,
        DepthwiseConv2DOptions o => o.Activation,
        ElementwiseOptions o => o.Activation,
        _ => FusedActivation.None,
    };

    /// <summary>The only consumer of tensor t, if t is used exactly once (and is not a graph output).</summary>
    private static WorkOp? Single(WorkGraph g, List<int>[] consumers, int[] uses, int t) =>
        uses[t] == 1 && consumers[t].Count == 1 ? g.Ops[consumers[t][0]] : null;

    /// <summary>True when op = f(x, c) with x = <paramref name="x"/> and c a float constant of C elements broadcast on the last axis.</summary>
    private static bool ConstVector(WorkGraph g, WorkOp op, int x, int channels, out float[]? values)
    {
        values = null;
        if (op.Inputs.Length != 2) return false;
        int other = op.Inputs[0] == x ? op.Inputs[1] : op.Inputs[1] == x ? op.Inputs[0] : -1;
        if (other < 0 || op.Inputs[0] == op.Inputs[1]) return false;
        WorkTensor c = g.Tensors[other];
        if (!c.IsConstant || c.Type != TensorType.Float32) return false;
        if (g.Tensors[op.Outputs[0]].Shape.AsSpan().SequenceEqual(g.Tensors[x].Shape) is false) return false;
        float[] v = c.FloatValues();
        if (v.Length == channels && (c.Shape.Length == 0 || c.Shape[^1] == channels)) values = v;
        else if (v.Length == 1) values = Enumerable.Repeat(v[0], channels).ToArray();
        return values is not null;
    }

    private static void Apply(WorkGraph g, WorkOp conv, float[]? m, float[]? a, int channels)
    {
        WorkTensor filter = g.Tensors[conv.Inputs[1]];
        float[] w = filter.FloatValues();
        bool depthwise = conv.Op == BuiltinOperator.DepthwiseConv2D;
        if (m is not null)
        {
            int per = w.Length / channels;
            for (int i = 0; i < w.Length; i++)
                w[i] *= depthwise ? m[i % channels] : m[i / per];
        }
        float[] b = conv.Inputs.Length > 2 && conv.Inputs[2] >= 0 ? g.Tensors[conv.Inputs[2]].FloatValues() : new float[channels];
        for (int c = 0; c < channels; c++)
        {
            if (m is not null) b[c] *= m[c];
            if (a is not null) b[c] += a[c];
        }
        int nf = g.AddFloatConstant(filter.Name + "_bnfold", filter.Shape, w);
        string biasName = conv.Inputs.Length > 2 && conv.Inputs[2] >= 0 ? g.Tensors[conv.Inputs[2]].Name : g.Tensors[conv.Outputs[0]].Name + "_bias";
        int nb = g.AddFloatConstant(biasName + "_bnfold", [channels], b);
        conv.Inputs = [conv.Inputs[0], nf, nb];
    }
}
