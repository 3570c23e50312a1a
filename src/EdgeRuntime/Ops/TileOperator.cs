using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>TILE of any fixed-size element type and any rank, multiples from a constant int32/int64 tensor.</summary>
internal sealed class TileOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Tile;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.Tile, maxVersion: 3);
        OpHelpers.CheckCounts(node, 2, 2, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), multiplesTensor = OpHelpers.Input(node, graph, 1), output = OpHelpers.Output(node, graph);
        OpHelpers.RequireType(node, input, "input", TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64, TensorType.Bool);
        OpHelpers.RequireSameType(node, input, output);
        OpHelpers.Require(multiplesTensor.Rank == 1 && multiplesTensor.Shape[0] == input.Rank, node, $"multiples {multiplesTensor} must have one entry per input dimension ({input.Rank})");
        int[] multiples = OpHelpers.ReadIntConstant(node, multiplesTensor, "multiples", allowInt64: true);
        var expected = new int[input.Rank];
        for (int d = 0; d < input.Rank; d++)
        {
            if (multiples[d] < 0) throw new ModelFormatException($"{node}: multiple {multiples[d]} is negative");
            long tiled = (long)input.Shape[d] * multiples[d];
            if (tiled > int.MaxValue) throw new ModelFormatException($"{node}: dimension {d} of {input} times {multiples[d]} overflows int32");
            expected[d] = (int)tiled;
        }
        OpHelpers.RequireShape(node, output, expected, "output");
        if (input.Quantization is { } qi && output.Quantization is { } qo && !qi.IsPerChannel && !qo.IsPerChannel)
            OpHelpers.Require(qi.Scale == qo.Scale && qi.ZeroPoint == qo.ZeroPoint, node, $"input {input} ({qi}) and output {output} ({qo}) must share quantization");
        return new Prepared(node, input.Shape, multiples, input.Type.ElementSize());
    }

    private sealed class Prepared(OperatorNode node, int[] dims, int[] multiples, int elementSize) : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            Span<byte> output = memory.Bytes(_output);
            if (output.IsEmpty) return;
            TileReference.Tile(memory.ReadOnlyBytes(_input), dims, multiples, elementSize, output);
        }
    }
}
