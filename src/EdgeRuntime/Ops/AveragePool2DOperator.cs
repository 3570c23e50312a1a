using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Pooling;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// AVERAGE_POOL_2D versions 1-2: float32, uint8 (v1) and int8 (v2). Quantized input and output must share
/// scale and zero point (TFLite's pooling.cc asserts the same), so the kernel averages codes directly.
/// </summary>
internal sealed class AveragePool2DOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.AveragePool2D;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        if (node.Op != BuiltinOperator.AveragePool2D) throw new ArgumentException($"{node} is not AVERAGE_POOL_2D", nameof(node));
        ConvOpSupport.CheckVersion(node, 2);
        Pool2DOptions o = ConvOpSupport.Options<Pool2DOptions>(node);
        if (node.Inputs.Length != 1) throw new ModelFormatException($"{node}: expected 1 input, got {node.Inputs.Length}");
        if (node.Outputs.Length != 1) throw new ModelFormatException($"{node}: expected 1 output, got {node.Outputs.Length}");

        TensorInfo input = ConvOpSupport.Tensor(node, graph, node.Inputs[0], "input");
        TensorInfo output = ConvOpSupport.Tensor(node, graph, node.Outputs[0], "output");
        TensorType type = input.Type;
        if (type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8))
            throw new UnsupportedOperatorException(node, $"input type {type} is not supported (FLOAT32, UINT8, INT8)");
        if (output.Type != type) throw new ModelFormatException($"{node}: output {output} type {output.Type} differs from input type {type}");
        ConvOpSupport.CheckRank(node, input, 4, "input");
        ConvOpSupport.CheckRank(node, output, 4, "output");
        ConvOpSupport.CheckPositive(node, "stride_h", o.StrideH);
        ConvOpSupport.CheckPositive(node, "stride_w", o.StrideW);
        ConvOpSupport.CheckPositive(node, "filter_height", o.FilterHeight);
        ConvOpSupport.CheckPositive(node, "filter_width", o.FilterWidth);
        ConvOpSupport.CheckActivation(node, o.Activation);

        Shape4 inShape = Shape4.From(input.Shape);
        ConvOpSupport.CheckWindow(node, inShape, o.FilterHeight, o.FilterWidth, o.StrideH, o.StrideW, 1, 1);
        SpatialPadding pad = PaddingMath.ComputePaddingHeightWidth(o.StrideH, o.StrideW, 1, 1,
            inShape.H, inShape.W, o.FilterHeight, o.FilterWidth, o.Padding);
        ConvOpSupport.CheckOutputShape(node, output, inShape.N, pad.OutHeight, pad.OutWidth, inShape.C);
        var geometry = new PoolGeometry(o.FilterHeight, o.FilterWidth, o.StrideH, o.StrideW, pad.PadHeight, pad.PadWidth);
        Shape4 outShape = Shape4.From(output.Shape);

        if (type == TensorType.Float32)
        {
            (float min, float max) = FixedPoint.ActivationRange(o.Activation);
            return new Prepared(node, type, input.Index, output.Index, inShape, outShape, geometry, min, max, 0, 0, AveragePool2DKernels.Select(context.Isa));
        }

        (float inScale, int inZp) = ConvOpSupport.PerTensor(node, input, "input");
        (float outScale, int outZp) = ConvOpSupport.PerTensor(node, output, "output");
        if (inZp != outZp || Math.Abs(inScale - outScale) > 1e-6f)
            throw new UnsupportedOperatorException(node,
                $"input (scale {inScale:G9}, zp {inZp}) and output (scale {outScale:G9}, zp {outZp}) quantization differ; TFLite requires them equal");
        (int qmin, int qmax) = ConvOpSupport.Range(type);
        (int actMin, int actMax) = FixedPoint.ActivationRange(o.Activation, outScale, outZp, qmin, qmax);
        return new Prepared(node, type, input.Index, output.Index, inShape, outShape, geometry, 0, 0, actMin, actMax, AveragePool2DKernels.Select(context.Isa));
    }

    private sealed class Prepared : PreparedOperator
    {
        private readonly TensorType _type;
        private readonly int _input, _output;
        private readonly Shape4 _inShape, _outShape;
        private readonly PoolGeometry _geometry;
        private readonly float _fMin, _fMax;
        private readonly int _qMin, _qMax;
        private readonly SimdVariant _variant;

        public Prepared(OperatorNode node, TensorType type, int input, int output, Shape4 inShape, Shape4 outShape, PoolGeometry geometry,
            float fMin, float fMax, int qMin, int qMax, SimdVariant variant) : base(node)
        {
            _variant = variant;
            _type = type;
            (_input, _output) = (input, output);
            (_inShape, _outShape) = (inShape, outShape);
            _geometry = geometry;
            (_fMin, _fMax, _qMin, _qMax) = (fMin, fMax, qMin, qMax);
        }

        public override string KernelName => KernelDispatcher.Name(_variant);

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (_type)
            {
                case TensorType.Float32:
                    AveragePool2DKernels.Float(_variant, _geometry, _fMin, _fMax, _inShape, memory.ReadOnly<float>(_input), _outShape, memory.Span<float>(_output));
                    break;
                case TensorType.UInt8:
                    AveragePool2DKernels.UInt8(_variant, _geometry, _qMin, _qMax, _inShape, memory.ReadOnlyBytes(_input), _outShape, memory.Bytes(_output));
                    break;
                default:
                    AveragePool2DKernels.Int8(_variant, _geometry, _qMin, _qMax, _inShape, memory.ReadOnly<sbyte>(_input), _outShape, memory.Span<sbyte>(_output));
                    break;
            }
        }
    }
}
