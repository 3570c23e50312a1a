using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// DEPTHWISE_CONV_2D versions 1-3 (v2 adds dilation, v3 int8 per-channel): float32; uint8 with a per-tensor
/// asymmetric filter (legacy multiplier); int8 with a symmetric per-tensor or per-channel (axis 3) int8
/// filter. Filter [1, fH, fW, inC * depthMultiplier]. Bias optional; filter need not be constant.
/// Quantized depthwise of any KH x KW (up to <see cref="Kernels.Depthwise.DepthwiseConv.MaxTaps"/> taps) with depth multiplier 1 and constant
/// weights (any stride, dilation, padding) runs on <see cref="Kernels.Depthwise.DepthwiseConv"/> for <see cref="KernelContext.Isa"/> (3x3 on its fused rows); float depthwise with constant weights on
/// <see cref="Kernels.FloatConv.FloatConvSimd"/> (lanes = channels, bit-identical to the reference); everything else on the reference kernel.
/// </summary>
internal sealed class DepthwiseConv2DOperator : IOperatorKernel
{
    private readonly QuantizedRoundingPolicy _rounding;

    public DepthwiseConv2DOperator() : this(QuantizedRoundingPolicy.TfliteBuiltin) { }

    public DepthwiseConv2DOperator(QuantizedRoundingPolicy rounding) => _rounding = rounding;

    public BuiltinOperator Op => BuiltinOperator.DepthwiseConv2D;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context) => Prepare(node, graph, context, node, node.Outputs[0]);

    /// <summary>
    /// Prepares <paramref name="node"/> to write <paramref name="outputTensor"/> (same shape and type as its own output) and
    /// report as <paramref name="reported"/>: how a fused node (<see cref="DepthwiseChannelTableOperator"/>) runs the
    /// depthwise part straight into its final output.
    /// </summary>
    internal PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context, OperatorNode reported, int outputTensor)
    {
        if (node.Op != BuiltinOperator.DepthwiseConv2D) throw new ArgumentException($"{node} is not DEPTHWISE_CONV_2D", nameof(node));
        ConvOpSupport.CheckVersion(node, 3);
        DepthwiseConv2DOptions o = ConvOpSupport.Options<DepthwiseConv2DOptions>(node);
        var (input, filter, bias, biasIndex, output, type) = ConvOpSupport.Operands(node, graph, "depthwise conv");
        ConvOpSupport.CheckGeometry(node, o.StrideH, o.StrideW, o.DilationH, o.DilationW, o.Activation);

        Shape4 inShape = Shape4.From(input.Shape), fShape = Shape4.From(filter.Shape);
        if (fShape.N != 1) throw new ModelFormatException($"{node}: depthwise filter {filter} must have shape [1, H, W, C]");
        int outC = fShape.C;
        if (inShape.C == 0 || outC % inShape.C != 0)
            throw new ModelFormatException($"{node}: filter depth {outC} is not a multiple of input depth {inShape.C}");
        int depthMultiplier = outC / inShape.C;
        if (o.DepthMultiplier != 0 && o.DepthMultiplier != depthMultiplier)
            throw new ModelFormatException($"{node}: depth_multiplier {o.DepthMultiplier} does not match filter depth {outC} / input depth {inShape.C}");
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
                return new FloatDepthwisePrepared(reported, context, input.Index, outputTensor, inShape, fShape, outShape, geometry, depthMultiplier, min, max, fw, fb);
            if (context.Isa != KernelIsa.Reference && depthMultiplier == 1)
                return new FloatDepthwiseUnpackedPrepared(reported, context, input.Index, filter.Index, biasIndex, outputTensor, inShape, fShape, outShape, geometry, min, max);
            return new Prepared(reported, type, input.Index, filter.Index, biasIndex, outputTensor, inShape, fShape, outShape, geometry, depthMultiplier, null, min, max);
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
            q = new QuantizedConvParams(-inZp, -fZp, outZp, [m], [s], actMin, actMax, _rounding.DepthwiseUInt8);
        }
        else
        {
            float[] scales = ConvOpSupport.Int8FilterScales(node, filter, axis: 3, outC);
            (int[] m, int[] s) = ConvOpSupport.PerChannelMultipliers(inScale, scales, outScale, outC);
            q = new QuantizedConvParams(-inZp, 0, outZp, m, s, actMin, actMax, _rounding.DepthwiseInt8);
        }
        // The fused 3x3 kernels size their stack staging from (10 + 4 x dilation) x channels: only where that stays an
        // int32 (they fall back to a heap-free generic loop above their constant stack limit).
        if (context.Isa != KernelIsa.Reference && Kernels.Depthwise.DepthwiseConv.SupportsKernel(fShape.H, fShape.W) && depthMultiplier == 1
            && (10 + 4L * o.DilationW) * outC <= int.MaxValue / 2
            && FastConv.TryConstants(graph, filter.Index, biasIndex, out ReadOnlyMemory<byte> weights, out int[] biasValues))
        {
            QuantParams qp = FastConv.ToQuantParams(q, type);
            if (FastConv.Supported(qp, outC))
                return new FastDepthwisePrepared(reported, context, input.Index, outputTensor, inShape, outShape, fShape.H, fShape.W, geometry, qp, weights.Span, biasValues);
        }
        return new Prepared(reported, type, input.Index, filter.Index, biasIndex, outputTensor, inShape, fShape, outShape, geometry, depthMultiplier, q, 0, 0);
    }

    private sealed class Prepared : PreparedOperator
    {
        private readonly TensorType _type;
        private readonly int _input, _filter, _bias, _output, _depthMultiplier;
        private readonly Shape4 _inShape, _filterShape, _outShape;
        private readonly ConvGeometry _geometry;
        private readonly QuantizedConvParams? _q;
        private readonly float _actMin, _actMax;

        public Prepared(OperatorNode node, TensorType type, int input, int filter, int bias, int output, Shape4 inShape, Shape4 filterShape, Shape4 outShape,
            ConvGeometry geometry, int depthMultiplier, QuantizedConvParams? q, float actMin, float actMax) : base(node)
        {
            _type = type;
            (_input, _filter, _bias, _output) = (input, filter, bias, output);
            (_inShape, _filterShape, _outShape) = (inShape, filterShape, outShape);
            _geometry = geometry;
            _depthMultiplier = depthMultiplier;
            _q = q;
            (_actMin, _actMax) = (actMin, actMax);
        }

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            if (_q is null)
            {
                ReadOnlySpan<float> bias = _bias < 0 ? default : memory.ReadOnly<float>(_bias);
                DepthwiseConv2DReference.Float(_geometry, _depthMultiplier, _actMin, _actMax, _inShape, memory.ReadOnly<float>(_input),
                    _filterShape, memory.ReadOnly<float>(_filter), bias, _outShape, memory.Span<float>(_output));
                return;
            }
            ReadOnlySpan<int> qbias = _bias < 0 ? default : memory.ReadOnly<int>(_bias);
            if (_type == TensorType.UInt8)
                DepthwiseConv2DReference.Quantized(_q, _geometry, _depthMultiplier, _inShape, memory.ReadOnlyBytes(_input),
                    _filterShape, memory.ReadOnlyBytes(_filter), qbias, _outShape, memory.Bytes(_output));
            else
                DepthwiseConv2DReference.Quantized(_q, _geometry, _depthMultiplier, _inShape, memory.ReadOnly<sbyte>(_input),
                    _filterShape, memory.ReadOnly<sbyte>(_filter), qbias, _outShape, memory.Span<sbyte>(_output));
        }
    }
}
