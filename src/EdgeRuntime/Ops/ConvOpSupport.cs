using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Ops;

/// <summary>Validation and quantization-parameter helpers shared by CONV_2D, DEPTHWISE_CONV_2D and AVERAGE_POOL_2D.</summary>
internal static class ConvOpSupport
{
    public static T Options<T>(OperatorNode node) where T : OperatorOptions
        => node.Options as T ?? throw new ModelFormatException($"{node}: missing or wrong builtin options (expected {typeof(T).Name}, got {node.Options?.GetType().Name ?? "none"})");

    public static void CheckVersion(OperatorNode node, int maxVersion)
    {
        if (node.Version < 1 || node.Version > maxVersion)
            throw new UnsupportedOperatorException(node, $"versions 1..{maxVersion} are supported");
    }

    public static TensorInfo Tensor(OperatorNode node, ModelGraph graph, int index, string role)
    {
        if (index < 0 || index >= graph.Tensors.Length)
            throw new ModelFormatException($"{node}: {role} tensor index {index} is out of range (model has {graph.Tensors.Length} tensors)");
        return graph.Tensors[index];
    }

    public static void CheckRank(OperatorNode node, TensorInfo t, int rank, string role)
    {
        if (t.Rank != rank)
            throw new ModelFormatException($"{node}: {role} {t} must have rank {rank}");
    }

    public static void CheckActivation(OperatorNode node, FusedActivation activation)
    {
        if (activation is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.Relu6 or FusedActivation.ReluN1To1))
            throw new UnsupportedOperatorException(node, $"fused activation {activation} is not supported");
    }

    public static void CheckPositive(OperatorNode node, string what, int value)
    {
        if (value < 1) throw new ModelFormatException($"{node}: {what} is {value}, must be at least 1");
    }

    public static QuantizationInfo Quantization(OperatorNode node, TensorInfo t, string role)
    {
        QuantizationInfo q = t.Quantization ?? throw new ModelFormatException($"{node}: quantized {role} {t} has no quantization parameters");
        foreach (float s in q.Scales)
            if (!(s > 0f) || float.IsInfinity(s))
                throw new ModelFormatException($"{node}: {role} {t} has invalid scale {s}");
        return q;
    }

    /// <summary>Per-tensor scale and zero point of an activation tensor, zero point checked against the type's range.</summary>
    public static (float Scale, int ZeroPoint) PerTensor(OperatorNode node, TensorInfo t, string role)
    {
        QuantizationInfo q = Quantization(node, t, role);
        if (q.IsPerChannel) throw new UnsupportedOperatorException(node, $"{role} {t} is quantized per channel; only per-tensor activations are supported");
        int zp = q.ZeroPoint;
        (int lo, int hi) = Range(t.Type);
        if (zp < lo || zp > hi) throw new ModelFormatException($"{node}: {role} {t} zero point {zp} is outside [{lo}, {hi}]");
        return (q.Scale, zp);
    }

    public static (int Min, int Max) Range(TensorType type) => type == TensorType.UInt8 ? (0, 255) : (-128, 127);

    /// <summary>
    /// The bias check of TFLite's GetQuantizedConvolutionMultipler (kernel_util.cc): the bias scale must be within
    /// 2% of an output step of input_scale * filter_scale. Only checked when the bias carries quantization.
    /// </summary>
    public static void CheckLegacyBiasScale(OperatorNode node, TensorInfo? bias, float inputScale, float filterScale, float outputScale)
    {
        if (bias?.Quantization is not { } bq) return;
        double product = (double)inputScale * filterScale;
        double diff = Math.Abs(product - bq.Scale);
        if (diff / outputScale > 0.02)
            throw new ModelFormatException($"{node}: bias scale {bq.Scale:G9} does not match input scale x filter scale {product:G9}");
    }

    /// <summary>
    /// uint8 (legacy per-tensor) multiplier as TFLite computes it: GetQuantizedConvolutionMultipler multiplies
    /// input_scale * filter_scale in FLOAT, then divides in double by output_scale; QuantizeMultiplier gives
    /// (significand, exponent), and the conv kernels receive exponent as output_shift.
    /// </summary>
    public static (int Multiplier, int Shift) LegacyMultiplier(float inputScale, float filterScale, float outputScale)
    {
        float product = inputScale * filterScale;
        double real = (double)product / outputScale;
        FixedPoint.QuantizeMultiplier(real, out int m, out int shift);
        return (m, shift);
    }

    /// <summary>
    /// Per-channel multipliers as PopulateConvolutionQuantizationParams computes them: in double,
    /// (double)input_scale * (double)filter_scale[c] / (double)output_scale, one per output channel
    /// (a single filter scale is broadcast).
    /// </summary>
    public static (int[] Multipliers, int[] Shifts) PerChannelMultipliers(float inputScale, float[] filterScales, float outputScale, int channels)
    {
        var multipliers = new int[channels];
        var shifts = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            double filterScale = filterScales.Length == 1 ? filterScales[0] : filterScales[c];
            double real = (double)inputScale * filterScale / (double)outputScale;
            FixedPoint.QuantizeMultiplier(real, out multipliers[c], out shifts[c]);
        }
        return (multipliers, shifts);
    }

    /// <summary>Filter quantization of an int8 filter: symmetric (all zero points 0), one scale or one per channel along <paramref name="axis"/>.</summary>
    public static float[] Int8FilterScales(OperatorNode node, TensorInfo filter, int axis, int channels)
    {
        QuantizationInfo q = Quantization(node, filter, "filter");
        if (q.IsPerChannel)
        {
            if (q.Axis != axis)
                throw new ModelFormatException($"{node}: filter {filter} is quantized along axis {q.Axis}, expected axis {axis}");
            if (q.Scales.Length != channels)
                throw new ModelFormatException($"{node}: filter {filter} has {q.Scales.Length} scales for {channels} output channels");
        }
        foreach (long zp in q.ZeroPoints)
            if (zp != 0)
                throw new UnsupportedOperatorException(node, $"int8 filter {filter} has zero point {zp}; only symmetric int8 filters are supported");
        return q.Scales;
    }

    public static void CheckBias(OperatorNode node, TensorInfo? bias, TensorType inputType, int channels)
    {
        if (bias is null) return;
        TensorType expected = inputType == TensorType.Float32 ? TensorType.Float32 : TensorType.Int32;
        if (bias.Type != expected)
            throw new ModelFormatException($"{node}: bias {bias} must be {expected} for a {inputType} {node.DisplayName}, got {bias.Type}");
        if (bias.ElementCount != channels)
            throw new ModelFormatException($"{node}: bias {bias} has {bias.ElementCount} elements for {channels} output channels");
        if (expected == TensorType.Int32 && bias.Quantization is { } bq && bq.ZeroPoints.Any(z => z != 0))
            throw new ModelFormatException($"{node}: bias {bias} must have zero point 0");
    }

    public static void CheckOutputShape(OperatorNode node, TensorInfo output, int n, int h, int w, int c)
    {
        if (h < 1 || w < 1)
            throw new ModelFormatException($"{node}: padding, stride and filter give an empty output ({h}x{w})");
        int[] s = output.Shape;
        if (s.Length != 4 || s[0] != n || s[1] != h || s[2] != w || s[3] != c)
            throw new ModelFormatException($"{node}: output {output} should have shape [{n},{h},{w},{c}]");
    }

    /// <summary>
    /// The operands every convolution shares: input, filter, optional bias, output, all rank 4, input and output of one
    /// supported type and a filter of the same type (hybrid float/int8 filters are dequantized before Prepare).
    /// </summary>
    public static (TensorInfo Input, TensorInfo Filter, TensorInfo? Bias, int BiasIndex, TensorInfo Output, TensorType Type) Operands(
        OperatorNode node, ModelGraph graph, string kind)
    {
        if (node.Inputs.Length is not (2 or 3)) throw new ModelFormatException($"{node}: expected 2 or 3 inputs, got {node.Inputs.Length}");
        if (node.Outputs.Length != 1) throw new ModelFormatException($"{node}: expected 1 output, got {node.Outputs.Length}");

        TensorInfo input = Tensor(node, graph, node.Inputs[0], "input");
        TensorInfo filter = Tensor(node, graph, node.Inputs[1], "filter");
        int biasIndex = node.Inputs.Length == 3 ? node.Inputs[2] : -1;
        TensorInfo? bias = biasIndex < 0 ? null : Tensor(node, graph, biasIndex, "bias");
        TensorInfo output = Tensor(node, graph, node.Outputs[0], "output");

        TensorType type = input.Type;
        if (type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8))
            throw new UnsupportedOperatorException(node, $"input type {type} is not supported (FLOAT32, UINT8, INT8)");
        if (output.Type != type) throw new ModelFormatException($"{node}: output {output} type {output.Type} differs from input type {type}");
        if (filter.Type != type)
        {
            if (type == TensorType.Float32 && filter.Type.IsQuantized8())
                throw new UnsupportedOperatorException(node, $"hybrid {kind} (float input, {filter.Type} filter) is not supported");
            throw new UnsupportedOperatorException(node, $"filter type {filter.Type} with input type {type} is not supported");
        }
        CheckRank(node, input, 4, "input");
        CheckRank(node, filter, 4, "filter");
        CheckRank(node, output, 4, "output");
        return (input, filter, bias, biasIndex, output, type);
    }

    /// <summary>Largest stride, dilation or pooling filter size (the reader refuses larger ones in files too).</summary>
    public const int MaxWindow = 1 << 16;

    /// <summary>Largest dilated filter extent, (filter - 1) x dilation + 1, along one axis.</summary>
    public const long MaxDilatedExtent = 1 << 20;

    /// <summary>
    /// The window arithmetic of every convolution and pooling kernel, checked in 64 bits before it runs in 32: stride and
    /// dilation at most <see cref="MaxWindow"/>, the dilated filter at most <see cref="MaxDilatedExtent"/>, image + stride +
    /// dilated filter (PaddingMath's sums, the total padding) far below 2^31, one filter block of 16 lanes and a step of
    /// stride or dilation rows of input addressable in int32. Hostile values are refused here instead of wrapping into a
    /// negative size or a wild pointer in a kernel.
    /// </summary>
    public static void CheckWindow(OperatorNode node, Shape4 input, int filterH, int filterW, int strideH, int strideW, int dilationH, int dilationW)
    {
        CheckMax(node, "stride_h", strideH);
        CheckMax(node, "stride_w", strideW);
        CheckMax(node, "dilation_h", dilationH);
        CheckMax(node, "dilation_w", dilationW);
        CheckMax(node, "filter height", filterH);
        CheckMax(node, "filter width", filterW);
        long extentH = (long)(filterH - 1) * dilationH + 1, extentW = (long)(filterW - 1) * dilationW + 1;
        if (extentH > MaxDilatedExtent || extentW > MaxDilatedExtent)
            throw new ModelFormatException($"{node}: dilated filter extent {extentH}x{extentW} exceeds {MaxDilatedExtent}");
        const long limit = int.MaxValue / 4;
        if (input.H + strideH + extentH > limit || input.W + strideW + extentW > limit)
            throw new ModelFormatException($"{node}: input {input.H}x{input.W} with stride {strideH}x{strideW} and dilated filter {extentH}x{extentW} overflows the window arithmetic");
        long rowPitch = (long)input.W * input.C;
        if (Math.Max(strideH, dilationH) * rowPitch > limit || Math.Max(strideW, dilationW) * (long)input.C > limit)
            throw new ModelFormatException($"{node}: a stride/dilation step over input rows of {rowPitch} values overflows int32");
        if ((long)filterH * filterW * input.C * 16 > limit)
            throw new ModelFormatException($"{node}: filter {filterH}x{filterW}x{input.C} is too large for one packed block");
    }

    private static void CheckMax(OperatorNode node, string what, int value)
    {
        if (value > MaxWindow) throw new ModelFormatException($"{node}: {what} is {value}, at most {MaxWindow} is supported");
    }

    /// <summary>Strides and dilations positive, activation one a quantized kernel can clamp to.</summary>
    public static void CheckGeometry(OperatorNode node, int strideH, int strideW, int dilationH, int dilationW, FusedActivation activation)
    {
        CheckPositive(node, "stride_h", strideH);
        CheckPositive(node, "stride_w", strideW);
        CheckPositive(node, "dilation_h", dilationH);
        CheckPositive(node, "dilation_w", dilationW);
        CheckActivation(node, activation);
    }
}
