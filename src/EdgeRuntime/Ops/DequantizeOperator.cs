using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Quantization;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>DEQUANTIZE uint8/int8 (per-tensor or per-channel) and float16 to float32.</summary>
internal sealed class DequantizeOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Dequantize;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.Dequantize, maxVersion: 5);
        OpHelpers.CheckCounts(node, 1, 1, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), output = OpHelpers.Output(node, graph);
        OpHelpers.RequireType(node, input, "input", TensorType.UInt8, TensorType.Int8, TensorType.Float16);
        OpHelpers.RequireType(node, output, "output", TensorType.Float32);
        OpHelpers.RequireShape(node, output, input.Shape, "output");
        if (input.Type == TensorType.Float16) return new Prepared(node, input.Type, 0, 0, null, null, 0, 0, 0, SimdVariant.Reference);

        QuantizationInfo q = input.Quantization ?? throw new ModelFormatException($"{node}: input {input} has no quantization parameters");
        if (!q.IsPerChannel)
        {
            var (scale, zp) = OpHelpers.PerTensor(node, input);
            return new Prepared(node, input.Type, scale, zp, null, null, 0, 0, 0, DequantizeKernels.Select(context.Isa));
        }
        int axis = q.Axis;
        if (axis < 0 || axis >= input.Rank) throw new ModelFormatException($"{node}: quantized dimension {axis} is outside rank {input.Rank}");
        int channels = input.Shape[axis];
        if (q.Scales.Length != channels) throw new ModelFormatException($"{node}: {q.Scales.Length} scales for {channels} channels of {input}");
        var (min, max) = OpHelpers.QuantizedRange(input.Type);
        var zeroPoints = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            long zp = q.ZeroPoints.Length == 1 ? q.ZeroPoints[0] : q.ZeroPoints[c];
            if (zp < min || zp > max) throw new ModelFormatException($"{node}: zero point {zp} of channel {c} is outside [{min}, {max}]");
            zeroPoints[c] = (int)zp;
        }
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= input.Shape[d];
        for (int d = axis + 1; d < input.Rank; d++) inner *= input.Shape[d];
        return new Prepared(node, input.Type, 0, 0, (float[])q.Scales.Clone(), zeroPoints, outer, channels, inner, SimdVariant.Reference);
    }

    private sealed class Prepared(OperatorNode node, TensorType type, float scale, int zeroPoint, float[]? scales, int[]? zeroPoints, int outer, int channels, int inner, SimdVariant variant)
        : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        /// <summary>Per-tensor 8-bit runs the chosen variant; per-channel and float16 the reference.</summary>
        public override string KernelName => KernelDispatcher.Name(variant);

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            Span<float> output = memory.Span<float>(_output);
            if (type == TensorType.Float16)
            {
                DequantizeReference.Float16(memory.ReadOnly<Half>(_input), output);
                return;
            }
            if (scales is null)
            {
                if (type == TensorType.UInt8) DequantizeKernels.PerTensor(variant, memory.ReadOnly<byte>(_input), output, scale, zeroPoint);
                else DequantizeKernels.PerTensor(variant, memory.ReadOnly<sbyte>(_input), output, scale, zeroPoint);
                return;
            }
            if (type == TensorType.UInt8) DequantizeReference.PerChannel(memory.ReadOnly<byte>(_input), output, scales, zeroPoints, outer, channels, inner);
            else DequantizeReference.PerChannel(memory.ReadOnly<sbyte>(_input), output, scales, zeroPoints, outer, channels, inner);
        }
    }
}
