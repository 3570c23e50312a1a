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

public sealed record ReshapeOptions(int[] NewShape) : OperatorOptions;

public sealed record SoftmaxOptions(float Beta) : OperatorOptions;
