using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Resize;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// RESIZE_BILINEAR on 4-D NHWC float32/uint8/int8 with a constant int32[2] size, align_corners and half_pixel_centers.
/// Like TFLite, quantized values are interpolated as raw integers: the output's scale/zero point are not used.
/// </summary>
internal sealed class ResizeBilinearOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.ResizeBilinear;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        var (type, plan) = Validate(node, graph);
        return new Prepared(node, type, plan, ResizeBilinearKernels.Select(context.Isa));
    }

    /// <summary>Checks the node as TFLite's Prepare does and plans it (shared with the fused RESIZE_BILINEAR+ARG_MAX).</summary>
    internal static (TensorType Type, ResizeBilinearPlan Plan) Validate(OperatorNode node, ModelGraph graph)
    {
        OpHelpers.CheckOp(node, BuiltinOperator.ResizeBilinear, maxVersion: 4);
        OpHelpers.CheckCounts(node, 2, 2, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), size = OpHelpers.Input(node, graph, 1), output = OpHelpers.Output(node, graph);
        var options = node.Options as ResizeBilinearOptions ?? new ResizeBilinearOptions(false, false);
        OpHelpers.RequireType(node, input, "input", TensorType.Float32, TensorType.UInt8, TensorType.Int8);
        OpHelpers.RequireSameType(node, input, output);
        OpHelpers.Require(input.Rank == 4, node, $"input {input} must have rank 4");
        OpHelpers.Require(size.Rank == 1 && size.Shape[0] == 2, node, $"size {size} must be int32[2]");
        int[] hw = OpHelpers.ReadIntConstant(node, size, "size");
        if (hw[0] <= 0 || hw[1] <= 0) throw new ModelFormatException($"{node}: output size {hw[0]}x{hw[1]} is not positive");
        if (options.AlignCorners && options.HalfPixelCenters)
            throw new ModelFormatException($"{node}: align_corners and half_pixel_centers are both set (TFLite requires at most one)");
        Shape4 inShape = OpHelpers.Shape4Of(node, input, "input");
        var outShape = new Shape4(inShape.N, hw[0], hw[1], inShape.C);
        OpHelpers.RequireShape(node, output, [outShape.N, outShape.H, outShape.W, outShape.C], "output");
        var p = new ResizeBilinearParams(options.AlignCorners, options.HalfPixelCenters);
        if (input.Type == TensorType.UInt8 && ResizeBilinearReference.IsUInt8EightfoldFastPath(p, inShape, outShape.H, outShape.W))
            throw new UnsupportedOperatorException(node, "uint8 exact 8x half-pixel upsampling of a depth%8==0 tensor runs TFLite's ResizeBilinear888Uint8, whose rounding is not reproduced");
        return (input.Type, ResizeBilinearPlan.Create(p, inShape, outShape));
    }

    private sealed class Prepared(OperatorNode node, TensorType type, ResizeBilinearPlan plan, SimdVariant variant) : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        public override string KernelName => KernelDispatcher.Name(variant);

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (type)
            {
                case TensorType.Float32:
                    ResizeBilinearKernels.Float(variant, plan, memory.ReadOnly<float>(_input), memory.Span<float>(_output));
                    break;
                case TensorType.UInt8:
                    ResizeBilinearKernels.UInt8(variant, plan, memory.ReadOnly<byte>(_input), memory.Span<byte>(_output));
                    break;
                default:
                    ResizeBilinearKernels.Int8(variant, plan, memory.ReadOnly<sbyte>(_input), memory.Span<sbyte>(_output));
                    break;
            }
        }
    }
}
