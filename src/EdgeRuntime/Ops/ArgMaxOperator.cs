using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reduction;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>ARG_MAX of float32/uint8/int8/int32 along a constant axis, output int32 or int64; the first maximum wins.</summary>
internal sealed class ArgMaxOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.ArgMax;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        ArgMaxGeometry g = Validate(node, graph);
        bool vectorized = g.InputType switch
        {
            TensorType.Float32 => ArgMaxKernels.IsVectorized<float>(g.AxisSize, g.Inner),
            TensorType.UInt8 => ArgMaxKernels.IsVectorized<byte>(g.AxisSize, g.Inner),
            TensorType.Int8 => ArgMaxKernels.IsVectorized<sbyte>(g.AxisSize, g.Inner),
            _ => false,
        };
        SimdVariant variant = ArgMaxKernels.Select(context.Isa);
        return new Prepared(node, g.InputType, g.Int64, g.Outer, g.AxisSize, g.Inner, vectorized ? variant : SimdVariant.Reference);
    }

    /// <summary>The input viewed as [outer, axis, inner] and the index type.</summary>
    internal readonly record struct ArgMaxGeometry(TensorType InputType, bool Int64, int Outer, int AxisSize, int Inner);

    /// <summary>Checks the node as TFLite's Prepare does (shared with the fused RESIZE_BILINEAR+ARG_MAX).</summary>
    internal static ArgMaxGeometry Validate(OperatorNode node, ModelGraph graph)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.ArgMax, maxVersion: 3);
        OpHelpers.CheckCounts(node, 2, 2, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), axisTensor = OpHelpers.Input(node, graph, 1), output = OpHelpers.Output(node, graph);
        OpHelpers.RequireType(node, input, "input", TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int32);
        OpHelpers.RequireType(node, output, "output", TensorType.Int32, TensorType.Int64);
        if (node.Options is ArgMaxOptions o && o.OutputType != output.Type)
            throw new ModelFormatException($"{node}: options say output type {o.OutputType} but output {output} is {output.Type}");
        OpHelpers.Require(axisTensor.ElementCount == 1, node, $"axis {axisTensor} must hold exactly one value");
        int axis = OpHelpers.ReadIntConstant(node, axisTensor, "axis", allowInt64: true)[0];
        int rank = input.Rank;
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) throw new ModelFormatException($"{node}: axis {axis} is outside rank {rank}");
        int[] expected = [.. input.Shape[..axis], .. input.Shape[(axis + 1)..]];
        OpHelpers.RequireShape(node, output, expected, "output");
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= input.Shape[d];
        for (int d = axis + 1; d < rank; d++) inner *= input.Shape[d];
        OpHelpers.Require(input.Shape[axis] > 0, node, $"axis {axis} of {input} is empty");
        return new ArgMaxGeometry(input.Type, output.Type == TensorType.Int64, outer, input.Shape[axis], inner);
    }

    private sealed class Prepared(OperatorNode node, TensorType inputType, bool int64, int outer, int axisSize, int inner, SimdVariant variant) : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        /// <summary>SIMD over the last axis of float/uint8/int8 rows at least one vector long; otherwise the reference.</summary>
        public override string KernelName => KernelDispatcher.Name(variant);

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            if (int64) Run<long>(memory);
            else Run<int>(memory);
        }

        private void Run<TIndex>(TensorMemory memory) where TIndex : unmanaged, System.Numerics.IBinaryInteger<TIndex>
        {
            Span<TIndex> output = memory.Span<TIndex>(_output);
            switch (inputType)
            {
                case TensorType.Float32: ArgMaxKernels.ArgMax(variant, memory.ReadOnly<float>(_input), outer, axisSize, inner, output); break;
                case TensorType.UInt8: ArgMaxKernels.ArgMax(variant, memory.ReadOnly<byte>(_input), outer, axisSize, inner, output); break;
                case TensorType.Int8: ArgMaxKernels.ArgMax(variant, memory.ReadOnly<sbyte>(_input), outer, axisSize, inner, output); break;
                default: ArgMaxReference.ArgMax(memory.ReadOnly<int>(_input), outer, axisSize, inner, output); break;
            }
        }
    }
}
