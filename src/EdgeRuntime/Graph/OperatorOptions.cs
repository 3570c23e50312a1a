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

internal sealed record Conv2DOptions(Padding Padding, int StrideW, int StrideH, FusedActivation Activation, int DilationW, int DilationH) : OperatorOptions;

internal sealed record DepthwiseConv2DOptions(Padding Padding, int StrideW, int StrideH, int DepthMultiplier, FusedActivation Activation, int DilationW, int DilationH) : OperatorOptions;

internal sealed record Pool2DOptions(Padding Padding, int StrideW, int StrideH, int FilterWidth, int FilterHeight, FusedActivation Activation) : OperatorOptions;

/// <summary>ADD, SUB, MUL: only the fused activation matters for us.</summary>
internal sealed record ElementwiseOptions(FusedActivation Activation) : OperatorOptions;

internal sealed record ConcatenationOptions(int Axis, FusedActivation Activation) : OperatorOptions;

internal sealed record ResizeBilinearOptions(bool AlignCorners, bool HalfPixelCenters) : OperatorOptions;

internal sealed record ArgMaxOptions(TensorType OutputType) : OperatorOptions;

internal sealed record ReshapeOptions(int[] NewShape) : OperatorOptions
{
    // Records compare arrays by reference; two reshapes to the same shape are the same options.
    public bool Equals(ReshapeOptions? other) => other is not null && NewShape.AsSpan().SequenceEqual(other.NewShape);

    public override int GetHashCode() => NewShape.Length;
}

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
