namespace EdgeRuntime.Graph;

/// <summary>TFLite Padding enum.</summary>
public enum Padding : sbyte { Same = 0, Valid = 1 }

/// <summary>TFLite ActivationFunctionType enum (fused activations).</summary>
public enum FusedActivation : sbyte
{
    None = 0,
    Relu = 1,
    ReluN1To1 = 2,
    Relu6 = 3,
    Tanh = 4,
    SignBit = 5,
}

/// <summary>Base of the per-operator option records decoded from the model's builtin_options.</summary>
public abstract record OperatorOptions;

public sealed record Conv2DOptions(Padding Padding, int StrideW, int StrideH, FusedActivation Activation, int DilationW, int DilationH) : OperatorOptions;

public sealed record DepthwiseConv2DOptions(Padding Padding, int StrideW, int StrideH, int DepthMultiplier, FusedActivation Activation, int DilationW, int DilationH) : OperatorOptions;

public sealed record Pool2DOptions(Padding Padding, int StrideW, int StrideH, int FilterWidth, int FilterHeight, FusedActivation Activation) : OperatorOptions;

/// <summary>ADD, SUB, MUL: only the fused activation matters for us.</summary>
public sealed record ElementwiseOptions(FusedActivation Activation) : OperatorOptions;

public sealed record ConcatenationOptions(int Axis, FusedActivation Activation) : OperatorOptions;

public sealed record ResizeBilinearOptions(bool AlignCorners, bool HalfPixelCenters) : OperatorOptions;

public sealed record ArgMaxOptions(TensorType OutputType) : OperatorOptions;

public sealed record ReshapeOptions(int[] NewShape) : OperatorOptions
{
    // Records compare arrays by reference; two reshapes to the same shape are the same options.
    public bool Equals(ReshapeOptions? other) => other is not null && NewShape.AsSpan().SequenceEqual(other.NewShape);

    public override int GetHashCode() => NewShape.Length;
}

public sealed record SoftmaxOptions(float Beta) : OperatorOptions;

/// <summary>
/// The opaque custom_options bytes of a CUSTOM operator (a slice of the model file), kept so a model
/// read and written again still carries them. Equality compares the bytes, not the memory they live in.
/// </summary>
public sealed record CustomOptions(ReadOnlyMemory<byte> Data) : OperatorOptions
{
    public bool Equals(CustomOptions? other) => other is not null && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => Data.Length;
}
