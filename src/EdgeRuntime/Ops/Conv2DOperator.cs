using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// CONV_2D versions 1-3: float32; uint8 with a per-tensor asymmetric filter (legacy multiplier);
/// int8 with a symmetric per-tensor or per-channel (axis 0) int8 filter and int32 bias. The filter need
/// not be constant (float models whose weights come from a DEQUANTIZE). Bias is optional.
/// Quantized convs with constant weights run on the SIMD GEMM of <see cref="KernelContext.Isa"/> (weights prepacked here):
/// 1x1 stride 1 directly on the NHWC rows, every other shape through im2col in arena scratch (<see cref="FastConv2DPrepared"/>).
/// Float convs with constant weights run on <see cref="Kernels.FloatConv.FloatConvSimd"/> (lanes = output channels, bit-identical
/// to the reference). Isa=Reference and computed weights keep the scalar reference kernel.
/// </summary>
internal sealed class Conv2DOperator : IOperatorKernel
{
    private readonly QuantizedRoundingPolicy _rounding;

    public Conv2DOperator() : this(QuantizedRoundingPolicy.TfliteBuiltin) { }

    public Conv2DOperator(QuantizedRoundingPolicy rounding) => _rounding = rounding;

    public BuiltinOperator Op => BuiltinOperator.Conv2D;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        if (node.Op != BuiltinOperator.Conv2D) throw new ArgumentException($"{node} is not CONV_2D", nameof(node));
        ConvOpSupport.CheckVersion(node, 3);
        Conv2DOptions o = ConvOpSupport.Options<Conv2DOptions>(node);
        var (input, filter, bias, biasIndex, output, type) = ConvOpSupport.Operands(node, graph, "conv");
        ConvOpSupport.CheckGeometry(node, o.StrideH, o.StrideW, o.DilationH, o.DilationW, o.Activation);

        Shape4 inShape = Shape4.From(input.Shape), fShape = Shape4.From(filter.Shape);
        if (fShape.C != inShape.C)
            throw new ModelFormatException($"{node}: filter {filter} depth {fShape.C} does not match input {input} depth {inShape.C}");
        int outC = fShape.N;
        ConvOpSupport.CheckBias(node, bias, type, outC);

        ConvOpSupport.CheckWindow(node, inShape, fShape.H, fShape.W, o.StrideH, o.StrideW, o.DilationH, o.DilationW);
        SpatialPadding pad = PaddingMath.ComputePaddingHeightWidth(o.StrideH, o.StrideW, o.DilationH, o.DilationW,
            inShape.H, inShape.W, fShape.H, fShape.W, o.Padding);
        ConvOpSupport.CheckOutputShape(node, output, inShape.N, pad.OutHeight, pad.OutWidth, outC);
        var geometry = new ConvGeometry(o.StrideH, o.StrideW, o.DilationH, o.DilationW, pad.PadHeight, pad.PadWidth);
        Shape4 outShape = Shape4.From(output.Shape);

        if (type == TensorType.Float32)
        {
            (float min, float max) = FixedPoint.ActivationRange(o.Activation);
            if (context.Isa != KernelIsa.Reference && FastFloatConv.TryConstants(graph, filter.Index, biasIndex, out float[] fw, out float[] fb))
                return new FloatConv2DPrepared(node, context, input.Index, output.Index, inShape, fShape, outShape, geometry, min, max, fw, fb);
            return new Prepared(node, type, input.Index, filter.Index, biasIndex, output.Index, inShape, fShape, outShape, geometry, null, min, max);
        }

        (float inScale, int inZp) = ConvOpSupport.PerTensor(node, input, "input");
        (float outScale, int outZp) = ConvOpSupport.PerTensor(node, output, "output");
        (int qmin, int qmax) = ConvOpSupport.Range(type);
        (int actMin, int actMax) = FixedPoint.ActivationRange(o.Activation, outScale, outZp, qmin, qmax);

        QuantizedConvParams q;
        if (type == TensorType.UInt8)
        {
            QuantizationInfo fq = ConvOpSupport.Quantization(node, filter, "filter");
            if (fq.IsPerChannel)
                throw new UnsupportedOperatorException(node, $"uint8 filter {filter} is quantized per channel; only int8 filters may be");
            int fZp = fq.ZeroPoint;
            if (fZp is < 0 or > 255) throw new ModelFormatException($"{node}: filter {filter} zero point {fZp} is outside [0, 255]");
            ConvOpSupport.CheckLegacyBiasScale(node, bias, inScale, fq.Scale, outScale);
            (int m, int s) = ConvOpSupport.LegacyMultiplier(inScale, fq.Scale, outScale);
            q = new QuantizedConvParams(-inZp, -fZp, outZp, [m], [s], actMin, actMax, _rounding.ConvUInt8);
        }
        else
        {
            float[] scales = ConvOpSupport.Int8FilterScales(node, filter, axis: 0, outC);
            (int[] m, int[] s) = ConvOpSupport.PerChannelMultipliers(inScale, scales, outScale, outC);
            q = new QuantizedConvParams(-inZp, 0, outZp, m, s, actMin, actMax, _rounding.ConvInt8);
        }
        if (context.Isa != KernelIsa.Reference && FastConv.TryConstants(graph, filter.Index, biasIndex, out ReadOnlyMemory<byte> weights, out int[] biasValues))
        {
            QuantParams qp = FastConv.ToQuantParams(q, type);
            if (FastConv.Supported(qp, outC))
                return new FastConv2DPrepared(node, context, input.Index, output.Index, inShape, fShape, outShape, geometry, qp, weights.Span, biasValues);
        }
        return new Prepared(node, type, input.Index, filter.Index, biasIndex, output.Index, inShape, fShape, outShape, geometry, q, 0, 0);
    }

    private sealed class Prepared : PreparedOperator
    {
        private readonly int _input, _filter, _bias, _output;
        private readonly Shape4 _inShape, _filterShape, _outShape;
        private readonly ConvGeometry _geometry;
        private readonly QuantizedConvParams? _q;
        private readonly float _actMin, _actMax;
        private readonly TensorType _type;

        public Prepared(OperatorNode node, TensorType type, int input, int filter, int bias, int output, Shape4 inShape, Shape4 filterShape, Shape4 outShape,
            ConvGeometry geometry, QuantizedConvParams? q, float actMin, float actMax) : base(node)
        {
            (_input, _filter, _bias, _output) = (input, filter, bias, output);
            (_inShape, _filterShape, _outShape) = (inShape, filterShape, outShape);
            _geometry = geometry;
            _q = q;
            (_actMin, _actMax) = (actMin, actMax);
            _type = type;
        }

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            if (_q is null)
            {
                ReadOnlySpan<float> bias = _bias < 0 ? default : memory.ReadOnly<float>(_bias);
                Conv2DReference.Float(_geometry, _actMin, _actMax, _inShape, memory.ReadOnly<float>(_input),
                    _filterShape, memory.ReadOnly<float>(_filter), bias, _outShape, memory.Span<float>(_output));
                return;
            }
            ReadOnlySpan<int> qbias = _bias < 0 ? default : memory.ReadOnly<int>(_bias);
            if (_type == TensorType.UInt8)
                Conv2DReference.Quantized(_q, _geometry, _inShape, memory.ReadOnlyBytes(_input), _filterShape, memory.ReadOnlyBytes(_filter),
                    qbias, _outShape, memory.Bytes(_output));
            else
                Conv2DReference.Quantized(_q, _geometry, _inShape, memory.ReadOnly<sbyte>(_input), _filterShape, memory.ReadOnly<sbyte>(_filter),
                    qbias, _outShape, memory.Span<sbyte>(_output));
        }
    }
}
