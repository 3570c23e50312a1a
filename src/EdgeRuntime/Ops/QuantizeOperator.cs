using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Quantization;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// QUANTIZE: float32 -> uint8/int8 (AffineQuantize), and uint8/int8 -> uint8/int8 requantization, per-tensor.
/// </summary>
public sealed class QuantizeOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Quantize;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.Quantize, maxVersion: 3);
        OpHelpers.CheckCounts(node, 1, 1, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), output = OpHelpers.Output(node, graph);
        OpHelpers.RequireType(node, input, "input", TensorType.Float32, TensorType.UInt8, TensorType.Int8);
        OpHelpers.RequireType(node, output, "output", TensorType.UInt8, TensorType.Int8);
        OpHelpers.RequireShape(node, output, input.Shape, "output");
        var qo = OpHelpers.PerTensor(node, output);
        if (input.Type == TensorType.Float32)
            return new Prepared(node, input.Type, output.Type, qo.Scale, qo.ZeroPoint, 0, 0, 0, QuantizeKernels.Select(context.Isa));
        var qi = OpHelpers.PerTensor(node, input);
        QuantizeReference.RequantizeMultiplier(qi.Scale, qo.Scale, out int multiplier, out int shift);
        return new Prepared(node, input.Type, output.Type, qo.Scale, qo.ZeroPoint, qi.ZeroPoint, multiplier, shift, QuantizeKernels.Select(context.Isa));
    }

    private sealed class Prepared(OperatorNode node, TensorType inType, TensorType outType, float outScale, int outZeroPoint, int inZeroPoint, int multiplier, int shift, SimdVariant variant)
        : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        /// <summary>The chosen variant, for float -> 8-bit and for 8-bit requantization alike.</summary>
        public override string KernelName => SimdVariants.Name(variant);

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (inType, outType)
            {
                case (TensorType.Float32, TensorType.UInt8):
                    QuantizeKernels.AffineQuantize(variant, memory.ReadOnly<float>(_input), memory.Span<byte>(_output), outScale, outZeroPoint); break;
                case (TensorType.Float32, _):
                    QuantizeKernels.AffineQuantize(variant, memory.ReadOnly<float>(_input), memory.Span<sbyte>(_output), outScale, outZeroPoint); break;
                case (TensorType.UInt8, TensorType.UInt8):
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<byte>(_input), memory.Span<byte>(_output), inZeroPoint, outZeroPoint, multiplier, shift); break;
                case (TensorType.UInt8, _):
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<byte>(_input), memory.Span<sbyte>(_output), inZeroPoint, outZeroPoint, multiplier, shift); break;
                case (_, TensorType.UInt8):
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<sbyte>(_input), memory.Span<byte>(_output), inZeroPoint, outZeroPoint, multiplier, shift); break;
                default:
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<sbyte>(_input), memory.Span<sbyte>(_output), inZeroPoint, outZeroPoint, multiplier, shift); break;
            }
        }
    }
}
