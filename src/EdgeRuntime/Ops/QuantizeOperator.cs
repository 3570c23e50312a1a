using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Quantization;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// QUANTIZE: float32 -> uint8/int8 (AffineQuantize), and uint8/int8 -> uint8/int8 requantization, per-tensor.
/// </summary>
internal sealed class QuantizeOperator : IOperatorKernel
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
            return new Prepared(node, input.Type, output.Type, qo.Scale, qo.ZeroPoint, 0, 0, 0, QuantizeKernels.Select(context.Isa), Work(input, context), context.Workers);
        var qi = OpHelpers.PerTensor(node, input);
        QuantizeReference.RequantizeMultiplier(qi.Scale, qo.Scale, out int multiplier, out int shift);
        return new Prepared(node, input.Type, output.Type, qo.Scale, qo.ZeroPoint, qi.ZeroPoint, multiplier, shift, QuantizeKernels.Select(context.Isa), Work(input, context), context.Workers);
    }

    /// <summary>Chunks of at least 16K elements (a few microseconds each), 64-element aligned; the reference runs whole.</summary>
    private static ParallelWork Work(TensorInfo input, KernelContext context)
    {
        int elements = checked((int)input.ElementCount);
        return context.Isa == Kernels.KernelIsa.Reference ? new ParallelWork(elements, 1) : ParallelWork.Plan(context.Workers, elements, 16 * 1024, 64);
    }

    private sealed class Prepared(OperatorNode node, TensorType inType, TensorType outType, float outScale, int outZeroPoint, int inZeroPoint, int multiplier, int shift,
        SimdVariant variant, ParallelWork work, WorkerPool? workers) : PreparedOperator(node), IParallelJob
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];
        private TensorMemory? _memory;

        /// <summary>The chosen variant, for float -> 8-bit and for 8-bit requantization alike.</summary>
        public override string KernelName => KernelDispatcher.Name(variant);
        public override ParallelWork Parallelism => work;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            _memory = memory;
            try { work.Run(workers, this); }
            finally { _memory = null; }
        }

        /// <summary>Elements [start, start + count): the kernels are elementwise, so a slice gives the same bytes.</summary>
        public void Execute(int chunk, int chunks, int worker)
        {
            (int start, int count) = work.Range(chunk);
            if (count == 0) return;
            TensorMemory memory = _memory!;
            switch (inType, outType)
            {
                case (TensorType.Float32, TensorType.UInt8):
                    QuantizeKernels.AffineQuantize(variant, memory.ReadOnly<float>(_input).Slice(start, count), memory.Span<byte>(_output).Slice(start, count), outScale, outZeroPoint); break;
                case (TensorType.Float32, _):
                    QuantizeKernels.AffineQuantize(variant, memory.ReadOnly<float>(_input).Slice(start, count), memory.Span<sbyte>(_output).Slice(start, count), outScale, outZeroPoint); break;
                case (TensorType.UInt8, TensorType.UInt8):
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<byte>(_input).Slice(start, count), memory.Span<byte>(_output).Slice(start, count), inZeroPoint, outZeroPoint, multiplier, shift); break;
                case (TensorType.UInt8, _):
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<byte>(_input).Slice(start, count), memory.Span<sbyte>(_output).Slice(start, count), inZeroPoint, outZeroPoint, multiplier, shift); break;
                case (_, TensorType.UInt8):
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<sbyte>(_input).Slice(start, count), memory.Span<byte>(_output).Slice(start, count), inZeroPoint, outZeroPoint, multiplier, shift); break;
                default:
                    QuantizeKernels.Requantize(variant, memory.ReadOnly<sbyte>(_input).Slice(start, count), memory.Span<sbyte>(_output).Slice(start, count), inZeroPoint, outZeroPoint, multiplier, shift); break;
            }
        }
    }
}
