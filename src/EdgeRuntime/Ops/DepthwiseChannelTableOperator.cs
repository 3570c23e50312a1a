using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// DEPTHWISE_CONV_2D whose only reader is a fused MUL+ADD batch norm (<see cref="MulAddChannelTableOperator"/>; TF Hub's
/// int8 DeepLab and our PTQ of it, after every depthwise of the expanded blocks), run as one operator built by a second
/// pass of <see cref="OperatorFusion"/>: the depthwise writes straight into the chain's output and the per-channel
/// table maps each output row right after it is written (still in cache), so the separate table pass over the whole
/// tensor and the depthwise output tensor disappear. The same bytes go through the same table: exact by construction.
/// A depthwise without a fast kernel (the Reference variant, depth multiplier above 1) runs whole, then the chain over
/// the output in place (Reference: the MUL and ADD reference kernels, as unfused).
/// </summary>
internal sealed class DepthwiseChannelTableOperator(DepthwiseConv2DOperator depthwise) : IFusedOperatorKernel
{
    public BuiltinOperator Producer => BuiltinOperator.DepthwiseConv2D;

    /// <summary>Fused nodes are coded as custom operators: the consumer is the MUL+ADD node of the first pass.</summary>
    public BuiltinOperator Consumer => BuiltinOperator.Custom;

    public string Name => "DEPTHWISE_CONV_2D+" + MulAddChannelTableOperator.FusedName;

    public bool CanFuse(OperatorNode dw, OperatorNode chain, ModelGraph graph)
    {
        if (dw.IsFused || dw.Outputs.Length != 1 || !MulAddChannelTableOperator.IsChain(chain, graph, out _, out OperatorNode add)) return false;
        TensorInfo mid = graph.Tensors[dw.Outputs[0]], output = graph.Tensors[add.Outputs[0]];
        // The depthwise writes its codes into the chain's output buffer: same type and shape (the table's input is a byte of it).
        return mid.Type is TensorType.Int8 or TensorType.UInt8 && output.Type == mid.Type && mid.Shape.SequenceEqual(output.Shape) && mid.Shape.Length == 4;
    }

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        if (node.FusedNodes is not [var dw, var mul, var add]) throw new ArgumentException($"{node} is not a fused DEPTHWISE_CONV_2D+MUL+ADD");
        int output = add.Outputs[0];
        PreparedOperator conv = depthwise.Prepare(dw, graph, context, node, output);
        ChannelByteTable? table = MulAddChannelTableOperator.TableFor(mul, add, graph, context);
        if (conv is FastDepthwisePrepared fast && table is not null && (table.Channels == 1 || table.Channels == graph.Tensors[output].Shape[3]))
        {
            fast.ApplyAfterEachRow(table);
            return fast;
        }
        return new Sequence(node, conv, MulAddChannelTableOperator.PrepareChain(node, mul, add, graph, context, output));
    }

    /// <summary>The depthwise into the output, then the chain over it in place; they share the scratch (one after the other).</summary>
    private sealed class Sequence(OperatorNode node, PreparedOperator conv, PreparedOperator chain) : PreparedOperator(node)
    {
        public override long ScratchBytes => Math.Max(conv.ScratchBytes, chain.ScratchBytes);
        public override long PackedWeightBytes => conv.PackedWeightBytes + chain.PackedWeightBytes;
        public override string KernelName => conv.KernelName + "+" + chain.KernelName;
        public override ParallelWork Parallelism => conv.Parallelism;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            conv.Invoke(memory, scratch[..(int)conv.ScratchBytes]);
            chain.Invoke(memory, scratch[..(int)chain.ScratchBytes]);
        }
    }
}
