using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>MUL for float32, uint8 and int8 with numpy broadcasting (rank &lt;= 4) and fused Relu/Relu6/ReluN1To1.</summary>
internal sealed class MulOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Mul;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        var s = BinaryElementwiseSetup.Create(node, graph, BuiltinOperator.Mul, maxVersion: 5);
        if (s.Type == TensorType.Float32) return new Prepared(node, s, default, FloatBinaryKernels.Select(context.Isa));
        var p = MulQuantParams.Create(s.Q1.Scale, s.Q1.ZeroPoint, s.Q2.Scale, s.Q2.ZeroPoint, s.QOut.Scale, s.QOut.ZeroPoint, s.ActivationMin, s.ActivationMax);
        SimdVariant variant = QuantizedMulKernels.Select(context.Isa);
        // MUL by a per-channel constant (un-folded batch norm): one table byte per element (exact by construction).
        if (variant != SimdVariant.Reference && ChannelConstantOperand.Find(node, graph, s) is { } constant)
            return new ChannelTablePrepared(node, constant.VariableInput, s.OutputShape.FlatSize, Table(p, constant, s.Type == TensorType.Int8), context.Workers);
        return new Prepared(node, s, p, variant);
    }

    /// <summary>The MUL's value for each channel of the constant and each code of the other operand.</summary>
    internal static ChannelByteTable Table(MulQuantParams p, ChannelConstantOperand constant, bool signed) =>
        new(constant.Channels, signed, (c, q) => constant.Apply((a, b) => MulReference.MulOne(a, b, p), c, q));

    private sealed class Prepared(OperatorNode node, BinaryElementwiseSetup s, MulQuantParams p, SimdVariant variant) : PreparedOperator(node)
    {
        public MulQuantParams Params { get; } = p;

        /// <summary>The variant chosen from the kernel ISA (float and quantized alike).</summary>
        public override string KernelName => KernelDispatcher.Name(variant);

        public override int InPlaceInput => s.InPlaceInput;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (s.Type)
            {
                case TensorType.Float32:
                    FloatBinaryKernels.Mul(variant, s.FloatActivationMin, s.FloatActivationMax, s.Shape1, memory.ReadOnly<float>(s.Input1), s.Shape2, memory.ReadOnly<float>(s.Input2), s.OutputShape, memory.Span<float>(s.Output));
                    break;
                case TensorType.UInt8:
                    QuantizedMulKernels.Quantized(variant, Params, s.Shape1, memory.ReadOnly<byte>(s.Input1), s.Shape2, memory.ReadOnly<byte>(s.Input2), s.OutputShape, memory.Span<byte>(s.Output));
                    break;
                default:
                    QuantizedMulKernels.Quantized(variant, Params, s.Shape1, memory.ReadOnly<sbyte>(s.Input1), s.Shape2, memory.ReadOnly<sbyte>(s.Input2), s.OutputShape, memory.Span<sbyte>(s.Output));
                    break;
            }
        }
    }
}
