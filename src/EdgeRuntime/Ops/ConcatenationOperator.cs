using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// CONCATENATION of float32/int32/int64/uint8/int8 tensors along any axis. uint8 inputs whose quantization differs
/// from the output's are requantized as TFLite's ConcatenationWithScaling does; int8 inputs must share the output's
/// quantization (TFLite's Prepare rejects anything else). Fused activations are rejected, as in TFLite.
/// </summary>
internal sealed class ConcatenationOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Concatenation;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.Concatenation, maxVersion: 4);
        if (node.Inputs.Length < 1) throw new ModelFormatException($"{node}: no inputs");
        OpHelpers.CheckCounts(node, 1, int.MaxValue, 1);
        var options = OpHelpers.Options<ConcatenationOptions>(node);
        OpHelpers.Require(options.Activation == FusedActivation.None, node, $"fused activation {options.Activation} on CONCATENATION is not supported (TFLite rejects it too)");
        TensorInfo output = OpHelpers.Output(node, graph);
        OpHelpers.RequireType(node, output, "output", TensorType.Float32, TensorType.Int32, TensorType.Int64, TensorType.UInt8, TensorType.Int8);
        int rank = output.Rank;
        int axis = options.Axis < 0 ? options.Axis + rank : options.Axis;
        if (axis < 0 || axis >= rank) throw new ModelFormatException($"{node}: axis {options.Axis} is outside rank {rank}");

        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= output.Shape[d];
        for (int d = axis + 1; d < rank; d++) inner *= output.Shape[d];
        int n = node.Inputs.Length;
        var parts = new Part[n];
        int column = 0;
        long axisTotal = 0;
        (float Scale, int ZeroPoint) qo = output.Type is TensorType.UInt8 or TensorType.Int8 ? OpHelpers.PerTensor(node, output) : default;
        for (int i = 0; i < n; i++)
        {
            TensorInfo t = OpHelpers.Input(node, graph, i);
            OpHelpers.RequireSameType(node, t, output);
            if (t.Rank != rank) throw new ModelFormatException($"{node}: input {t} has rank {t.Rank}, output has {rank}");
            for (int d = 0; d < rank; d++)
                if (d != axis && t.Shape[d] != output.Shape[d])
                    throw new ModelFormatException($"{node}: input {t} differs from output {output} in dimension {d}");
            (float Scale, int ZeroPoint) q = default;
            if (output.Type is TensorType.UInt8 or TensorType.Int8)
            {
                q = OpHelpers.PerTensor(node, t);
                if (output.Type == TensorType.Int8)
                    OpHelpers.Require(q == qo, node, $"int8 input {t} ({q.Scale:G6}, {q.ZeroPoint}) must share the output's quantization ({qo.Scale:G6}, {qo.ZeroPoint}) as TFLite requires");
            }
            int copy = t.Shape[axis] * inner;
            parts[i] = new Part(node.Inputs[i], copy, column, q.Scale, q.ZeroPoint);
            column += copy;
            axisTotal += t.Shape[axis];
        }
        if (axisTotal != output.Shape[axis]) throw new ModelFormatException($"{node}: inputs add up to {axisTotal} along axis {axis}, output has {output.Shape[axis]}");
        return new Prepared(node, output.Type, parts, outer, column, qo.Scale, qo.ZeroPoint);
    }

    private readonly record struct Part(int Tensor, int CopySize, int Column, float Scale, int ZeroPoint);

    private sealed class Prepared(OperatorNode node, TensorType type, Part[] parts, int outer, int rowSize, float outScale, int outZeroPoint) : PreparedOperator(node)
    {
        private readonly int _output = node.Outputs[0];
        private readonly int _elementSize = type.ElementSize();

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            Span<byte> output = memory.Bytes(_output);
            foreach (Part part in parts)
            {
                ReadOnlySpan<byte> input = memory.ReadOnlyBytes(part.Tensor);
                if (type == TensorType.UInt8)
                    ConcatenationReference.PlaceRequantizedUInt8(input, output, outer, part.CopySize, rowSize, part.Column, part.Scale, part.ZeroPoint, outScale, outZeroPoint);
                else
                    ConcatenationReference.Place(input, output, outer, part.CopySize * _elementSize, rowSize * _elementSize, part.Column * _elementSize);
            }
        }
    }
}
