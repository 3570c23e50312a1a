namespace EdgeRuntime.Graph;

/// <summary>TFLite Padding enum.</summary>
// Public only because xunit theories in the tests take it as a parameter; not part of the documented API (docs/api.md).
public enum Padding : sbyte
{
    /// <summary>Output size = ceil(input / stride), zero padding split around the input.</summary>
    Same = 0,
    /// <summary>No padding: only windows that fit inside the input.</summary>
    Valid = 1,
}

/// <summary>TFLite ActivationFunctionType enum (fused activations).</summary>
internal enum FusedActivation : sbyte
{
    None = 0,
    Relu = 1,
    ReluN1To1 = 2,
    Relu6 = 3,
    Tanh = 4,
    SignBit = 5,
}

/// <summary>Base of the per-operator option records decoded from the model's builtin_options.</summary>
internal abstract record OperatorOptions;

/// <summary>CONV_2D options: padding, strides, dilation and the fused activation.</summary>
internal sealed record Conv2DOptions(Padding Padding, int StrideW, int StrideH, FusedActivation Activation, int DilationW, int DilationH) : OperatorOptions;

/// <summary>DEPTHWISE_CONV_2D options: padding, strides, depth multiplier, dilation and the fused activation.</summary>
internal sealed record DepthwiseConv2DOptions(Padding Padding, int StrideW, int StrideH, int DepthMultiplier, FusedActivation Activation, int DilationW, int DilationH) : OperatorOptions;

/// <summary>AVERAGE_POOL_2D / MAX_POOL_2D options: padding, strides, filter size and the fused activation.</summary>
internal sealed record Pool2DOptions(Padding Padding, int StrideW, int StrideH, int FilterWidth, int FilterHeight, FusedActivation Activation) : OperatorOptions;

/// <summary>ADD, SUB, MUL: only the fused activation matters for us.</summary>
internal sealed record ElementwiseOptions(FusedActivation Activation) : OperatorOptions;

/// <summary>CONCATENATION options: the axis and the fused activation.</summary>
internal sealed record ConcatenationOptions(int Axis, FusedActivation Activation) : OperatorOptions;

/// <summary>RESIZE_BILINEAR options: align_corners and half_pixel_centers.</summary>
internal sealed record ResizeBilinearOptions(bool AlignCorners, bool HalfPixelCenters) : OperatorOptions;

/// <summary>ARG_MAX options: the output index type.</summary>
internal sealed record ArgMaxOptions(TensorType OutputType) : OperatorOptions;

/// <summary>RESHAPE options: the new shape when the model gives it as an option rather than a tensor.</summary>
internal sealed record ReshapeOptions(int[] NewShape) : OperatorOptions
{
    // Records compare arrays by reference; two reshapes to the same shape are the same options.
    public bool Equals(ReshapeOptions? other) => other is not null && NewShape.AsSpan().SequenceEqual(other.NewShape);

    public override int GetHashCode() => NewShape.Length;
}

/// <summary>SOFTMAX options: beta.</summary>
internal sealed record SoftmaxOptions(float Beta) : OperatorOptions;

/// <summary>
/// The opaque custom_options bytes of a CUSTOM operator (a slice of the model file), kept so a model
/// read and written again still carries them. Equality compares the bytes, not the memory they live in.
/// </summary>
internal sealed record CustomOptions(ReadOnlyMemory<byte> Data) : OperatorOptions
{
    public bool Equals(CustomOptions? other) => other is not null && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => Data.Length;
}
