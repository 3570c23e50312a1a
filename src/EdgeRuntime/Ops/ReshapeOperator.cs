using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// RESHAPE and SQUEEZE: the bytes do not change. The output may alias the input (<see cref="PreparedOperator.InPlaceInput"/> = 0);
/// Invoke copies only when the planner gave them different buffers.
/// </summary>
internal sealed class ReshapeOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Reshape;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.Reshape, maxVersion: 3);
        OpHelpers.CheckCounts(node, 1, 2, 1);
        return ByteCopy.Create(node, graph);
    }
}

/// <summary>SQUEEZE: a reshape that drops size-1 dimensions.</summary>
internal sealed class SqueezeOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Squeeze;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.Squeeze, maxVersion: 2);
        OpHelpers.CheckCounts(node, 1, 1, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), output = OpHelpers.Output(node, graph);
        int[] kept = Array.FindAll(input.Shape, d => d != 1);
        int[] outputNonUnit = Array.FindAll(output.Shape, d => d != 1);
        if (!kept.AsSpan().SequenceEqual(outputNonUnit))
            throw new ModelFormatException($"{node}: output {output} is not a squeeze of {input}");
        return ByteCopy.Create(node, graph);
    }
}

internal sealed class ByteCopy : PreparedOperator
{
    private readonly int _input, _output;

    private ByteCopy(OperatorNode node) : base(node)
    {
        _input = node.Inputs[0];
        _output = node.Outputs[0];
    }

    public static ByteCopy Create(OperatorNode node, ModelGraph graph)
    {
        TensorInfo input = OpHelpers.Input(node, graph, 0), output = OpHelpers.Output(node, graph);
        OpHelpers.RequireSameType(node, input, output);
        if (input.ElementCount != output.ElementCount)
            throw new ModelFormatException($"{node}: {input} has {input.ElementCount} elements, {output} has {output.ElementCount}");
        foreach (int d in output.Shape)
            if (d < 0) throw new ModelFormatException($"{node}: output {output} has an unresolved dimension");
        return new ByteCopy(node);
    }

    public override int InPlaceInput => 0;

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        ReadOnlySpan<byte> src = memory.ReadOnlyBytes(_input);
        Span<byte> dst = memory.Bytes(_output);
        if (!OpHelpers.SameStart(src, dst)) src.CopyTo(dst);
    }
}
