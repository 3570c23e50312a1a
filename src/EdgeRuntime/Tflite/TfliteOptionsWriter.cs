using EdgeRuntime.Graph;
using S = EdgeRuntime.Tflite.TfliteSchema;
using OptionsType = EdgeRuntime.Tflite.TfliteSchema.OptionsType;

namespace EdgeRuntime.Tflite;

/// <summary>Encodes option records as BuiltinOptions union members, the inverse of <see cref="TfliteOptionsReader"/>.</summary>
internal static class TfliteOptionsWriter
{
    /// <summary>True when <paramref name="op"/> carries <paramref name="options"/> as its own union member.</summary>
    public static bool Fits(BuiltinOperator op, OperatorOptions options) => (TfliteOptionsReader.ExpectedType(op), options) switch
    {
        (OptionsType.Add or OptionsType.Sub or OptionsType.Mul, ElementwiseOptions) => true,
        (OptionsType.Pool2D, Pool2DOptions) => true,
        (var t, _) => t != OptionsType.None && t == TfliteOptionsReader.ExpectedType(OperatorOf(options)),
    };

    /// <summary>Writes a record as its own union member, whatever operator carries it (hostile files for tests).</summary>
    public static (OptionsType Type, FbTableNode Table) BuildAny(OperatorOptions options) => Build(OperatorOf(options), options);

    private static BuiltinOperator OperatorOf(OperatorOptions options) => options switch
    {
        Conv2DOptions => BuiltinOperator.Conv2D,
        DepthwiseConv2DOptions => BuiltinOperator.DepthwiseConv2D,
        Pool2DOptions => BuiltinOperator.AveragePool2D,
        ElementwiseOptions => BuiltinOperator.Add,
        ConcatenationOptions => BuiltinOperator.Concatenation,
        ResizeBilinearOptions => BuiltinOperator.ResizeBilinear,
        ArgMaxOptions => BuiltinOperator.ArgMax,
        ReshapeOptions => BuiltinOperator.Reshape,
        SoftmaxOptions => BuiltinOperator.Softmax,
        _ => BuiltinOperator.Custom,
    };

    public static (OptionsType Type, FbTableNode Table) Build(BuiltinOperator op, OperatorOptions options)
    {
        OptionsType type = TfliteOptionsReader.ExpectedType(op);
        FbTableNode? table = (type, options) switch
        {
            (OptionsType.Conv2D, Conv2DOptions o) => new FbTableNode()
                .I8(S.Conv2DOptions.Padding, (sbyte)o.Padding)
                .I32(S.Conv2DOptions.StrideW, o.StrideW)
                .I32(S.Conv2DOptions.StrideH, o.StrideH)
                .I8(S.Conv2DOptions.Activation, (sbyte)o.Activation)
                .I32(S.Conv2DOptions.DilationW, o.DilationW, dflt: 1)
                .I32(S.Conv2DOptions.DilationH, o.DilationH, dflt: 1),
            (OptionsType.DepthwiseConv2D, DepthwiseConv2DOptions o) => new FbTableNode()
                .I8(S.DepthwiseConv2DOptions.Padding, (sbyte)o.Padding)
                .I32(S.DepthwiseConv2DOptions.StrideW, o.StrideW)
                .I32(S.DepthwiseConv2DOptions.StrideH, o.StrideH)
                .I32(S.DepthwiseConv2DOptions.DepthMultiplier, o.DepthMultiplier)
                .I8(S.DepthwiseConv2DOptions.Activation, (sbyte)o.Activation)
                .I32(S.DepthwiseConv2DOptions.DilationW, o.DilationW, dflt: 1)
                .I32(S.DepthwiseConv2DOptions.DilationH, o.DilationH, dflt: 1),
            (OptionsType.Pool2D, Pool2DOptions o) => new FbTableNode()
                .I8(S.Pool2DOptions.Padding, (sbyte)o.Padding)
                .I32(S.Pool2DOptions.StrideW, o.StrideW)
                .I32(S.Pool2DOptions.StrideH, o.StrideH)
                .I32(S.Pool2DOptions.FilterWidth, o.FilterWidth)
                .I32(S.Pool2DOptions.FilterHeight, o.FilterHeight)
                .I8(S.Pool2DOptions.Activation, (sbyte)o.Activation),
            (OptionsType.Add or OptionsType.Sub or OptionsType.Mul, ElementwiseOptions o) => new FbTableNode()
                .I8(S.ElementwiseOptions.Activation, (sbyte)o.Activation),
            (OptionsType.Concatenation, ConcatenationOptions o) => new FbTableNode()
                .I32(S.ConcatenationOptions.Axis, o.Axis)
                .I8(S.ConcatenationOptions.Activation, (sbyte)o.Activation),
            (OptionsType.ResizeBilinear, ResizeBilinearOptions o) => new FbTableNode()
                .Bool(S.ResizeBilinearOptions.AlignCorners, o.AlignCorners)
                .Bool(S.ResizeBilinearOptions.HalfPixelCenters, o.HalfPixelCenters),
            (OptionsType.ArgMax, ArgMaxOptions o) => new FbTableNode()
                .I8(S.ArgMaxOptions.OutputType, (sbyte)o.OutputType),
            // new_shape is written even when empty: an empty new_shape (scalar) differs from none.
            (OptionsType.Reshape, ReshapeOptions o) => new FbTableNode()
                .Ref(S.ReshapeOptions.NewShape, FbScalarVector.Of(o.NewShape)),
            (OptionsType.Softmax, SoftmaxOptions o) => new FbTableNode()
                .F32(S.SoftmaxOptions.Beta, o.Beta),
            _ => null,
        };
        return table is null
            ? throw new ArgumentException($"{op.ToTfliteName()} cannot carry {options.GetType().Name}")
            : (type, table);
    }
}
