using System.Buffers.Binary;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// The load-time rewrite of TF's dilated-convolution pattern, SPACE_TO_BATCH_ND -> DEPTHWISE_CONV_2D (VALID, stride 1)
/// -> BATCH_TO_SPACE_ND, into one DEPTHWISE_CONV_2D with dilation = block and SAME padding, where the result is
/// identical. Why identical: with paddings (pt, pl), crops (ct, cl) and block b, output pixel y reads input row
/// y + ct - pt + b*i for tap i (the phases of SPACE_TO_BATCH and BATCH_TO_SPACE cancel), and the padded rows hold the
/// input zero point, which the quantized kernel's input offset turns into a zero term, exactly as SAME padding skips an
/// out-of-range tap. So the pair is a SAME dilated convolution when pt - ct is SAME's top padding ((k-1)*b/2 for an
/// output as large as the input), the output keeps the input's height and width, and the quantization passes through
/// unchanged (TFLite requires it of both ops; checked here too). Only uint8/int8: float sums would gain +0 terms.
/// The two space/batch tensors are then neither written nor read (no arena). Runs with <see cref="OperatorFusion"/>
/// (same switch); the model's own graph is not modified.
/// </summary>
internal static class DilatedConvolutionRewrite
{
    public static ModelGraph Apply(ModelGraph graph)
    {
        OperatorNode[] ops = graph.Operators;
        int[] sole = SoleReaders.Of(graph);

        var replacement = new OperatorNode?[ops.Length];
        var removed = new bool[ops.Length];
        for (int i = 0; i < ops.Length; i++)
        {
            if (ops[i].Op != BuiltinOperator.SpaceToBatchND || removed[i] || replacement[i] is not null) continue;
            int j = sole[i];
            if (j < 0 || ops[j].Op != BuiltinOperator.DepthwiseConv2D || replacement[j] is not null) continue;
            int k = sole[j];
            if (k < 0 || ops[k].Op != BuiltinOperator.BatchToSpaceND || replacement[k] is not null) continue;
            if (Rewrite(graph, ops[i], ops[j], ops[k]) is not { } conv) continue;
            replacement[k] = conv;
            removed[i] = removed[j] = true;
        }
        if (!removed.Contains(true)) return graph;
        var rewritten = new List<OperatorNode>(ops.Length);
        for (int i = 0; i < ops.Length; i++)
            if (!removed[i]) rewritten.Add(replacement[i] ?? ops[i]);
        return new ModelGraph(graph.Tensors, [.. rewritten], graph.Inputs, graph.Outputs, graph.Description, graph.SchemaVersion, graph.FileBytes);
    }

    /// <summary>The dilated DEPTHWISE_CONV_2D equal to the three nodes, or null (the nodes then run as they are).</summary>
    internal static OperatorNode? Rewrite(ModelGraph graph, OperatorNode s2b, OperatorNode dw, OperatorNode b2s)
    {
        if (s2b.Inputs.Length != 3 || dw.Inputs.Length is < 2 or > 3 || b2s.Inputs.Length != 3 || b2s.Outputs.Length != 1) return null;
        if (dw.Inputs[0] != s2b.Outputs[0] || b2s.Inputs[0] != dw.Outputs[0]) return null;
        if (dw.Options is not DepthwiseConv2DOptions { Padding: Padding.Valid, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1 } options) return null;
        if (Tensor(graph, s2b.Inputs[0]) is not { Rank: 4 } input || Tensor(graph, s2b.Outputs[0]) is not { } spaced
            || Tensor(graph, dw.Outputs[0]) is not { } batched || Tensor(graph, b2s.Outputs[0]) is not { Rank: 4 } output
            || Tensor(graph, dw.Inputs[1]) is not { Rank: 4 } filter) return null;
        if (input.Type is not (TensorType.UInt8 or TensorType.Int8) || spaced.Type != input.Type || batched.Type != input.Type || output.Type != input.Type) return null;
        if (!SameQuantization(input, spaced) || !SameQuantization(batched, output)) return null;
        if (Ints(graph, s2b.Inputs[1], 2) is not [int bh, int bw] || Ints(graph, b2s.Inputs[1], 2) is not [int bh2, int bw2] || bh != bh2 || bw != bw2) return null;
        if (Ints(graph, s2b.Inputs[2], 4) is not [int pt, int pb, int pl, int pr] || Ints(graph, b2s.Inputs[2], 4) is not [int ct, int cb, int cl, int cr]) return null;
        if (bh < 1 || bw < 1 || bh > 64 || bw > 64 || pt < 0 || pb < 0 || pl < 0 || pr < 0 || ct < 0 || cb < 0 || cl < 0 || cr < 0) return null;
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], kh = filter.Shape[1], kw = filter.Shape[2];
        if (n != 1 || h < 1 || w < 1 || kh < 1 || kw < 1) return null;
        long paddedH = (long)h + pt + pb, paddedW = (long)w + pl + pr;
        if (paddedH % bh != 0 || paddedW % bw != 0) return null;
        // The batched convolution's VALID output, and the BATCH_TO_SPACE output after the crops.
        long validH = paddedH / bh - kh + 1, validW = paddedW / bw - kw + 1;
        if (validH < 1 || validW < 1) return null;
        if (validH * bh - ct - cb != h || validW * bw - cl - cr != w) return null;
        if (!output.Shape.SequenceEqual([1, h, w, output.Shape[3]])) return null;
        // SAME's top/left padding for an output as large as the input: half of the dilated filter's extent less one.
        if (pt - ct != (kh - 1) * bh / 2 || pl - cl != (kw - 1) * bw / 2) return null;
        int[] inputs = [s2b.Inputs[0], .. dw.Inputs[1..]];
        var dilated = options with { Padding = Padding.Same, DilationH = bh, DilationW = bw };
        return new OperatorNode(dw.Index, BuiltinOperator.DepthwiseConv2D, Math.Max(dw.Version, 2), null, inputs, [b2s.Outputs[0]], dilated);
    }

    private static bool SameQuantization(TensorInfo a, TensorInfo b) =>
        a.Quantization is { IsPerChannel: false } qa && b.Quantization is { IsPerChannel: false } qb && qa.Scale == qb.Scale && qa.ZeroPoint == qb.ZeroPoint;

    private static TensorInfo? Tensor(ModelGraph graph, int index) => (uint)index < (uint)graph.Tensors.Length ? graph.Tensors[index] : null;

    /// <summary>A constant int32 tensor of exactly <paramref name="count"/> values, or null.</summary>
    private static int[]? Ints(ModelGraph graph, int index, int count)
    {
        if (Tensor(graph, index) is not { IsConstant: true, Type: TensorType.Int32 } t || t.ElementCount != count || t.ConstantData.Length != count * 4) return null;
        ReadOnlySpan<byte> bytes = t.ConstantData.Span;
        var values = new int[count];
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
        return values;
    }
}
