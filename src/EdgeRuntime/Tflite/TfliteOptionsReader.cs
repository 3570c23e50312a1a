using EdgeRuntime.Graph;
using S = EdgeRuntime.Tflite.TfliteSchema;
using OptionsType = EdgeRuntime.Tflite.TfliteSchema.OptionsType;

namespace EdgeRuntime.Tflite;

/// <summary>
/// Decodes builtin_options for the operators the interpreter runs. Other builtin operators get null options
/// (their code is enough to raise UnsupportedOperatorException later); CUSTOM operators keep their raw
/// custom_options bytes.
/// </summary>
/// <remarks>
/// When a decoded operator has no options table, the result holds the schema defaults, exactly what an empty
/// table would give (stride 0, dilation 1, activation NONE, ...), so kernels always see non-null options.
/// The one exception is RESHAPE: there "no options" (shape comes from the second input) differs from an
/// empty new_shape, so it stays null.
/// </remarks>
internal static class TfliteOptionsReader
{
    /// <summary>Largest stride, dilation factor or pooling filter size a model may declare.</summary>
    public const int MaxWindow = 1 << 16;

    /// <summary>The BuiltinOptions union member each decoded operator must carry.</summary>
    public static OptionsType ExpectedType(BuiltinOperator op) => op switch
    {
        BuiltinOperator.Conv2D => OptionsType.Conv2D,
        BuiltinOperator.DepthwiseConv2D => OptionsType.DepthwiseConv2D,
        BuiltinOperator.AveragePool2D or BuiltinOperator.MaxPool2D => OptionsType.Pool2D,
        BuiltinOperator.Add => OptionsType.Add,
        BuiltinOperator.Sub => OptionsType.Sub,
        BuiltinOperator.Mul => OptionsType.Mul,
        BuiltinOperator.Concatenation => OptionsType.Concatenation,
        BuiltinOperator.ResizeBilinear => OptionsType.ResizeBilinear,
        BuiltinOperator.ArgMax => OptionsType.ArgMax,
        BuiltinOperator.Reshape => OptionsType.Reshape,
        BuiltinOperator.Softmax => OptionsType.Softmax,
        _ => OptionsType.None,
    };

    public static OperatorOptions? Read(FbTable op, BuiltinOperator code)
    {
        if (code == BuiltinOperator.Custom)
        {
            FbVector custom = op.Vector(S.Operator.CustomOptions, "custom_options", 1);
            return custom.Count > 0 ? new CustomOptions(custom.Bytes) : null;
        }
        OptionsType expected = ExpectedType(code);
        if (expected == OptionsType.None) return null;

        byte type = op.U8(S.Operator.BuiltinOptionsType, "builtin_options_type");
        FbTable? t = null;
        if (type != 0)
        {
            if (type != (byte)expected)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(op.Path, "builtin_options_type"),
                    $"{code.ToTfliteName()} carries options of union type {type}, expected {(byte)expected} ({expected}Options)");
            t = op.Table(S.Operator.BuiltinOptions, "builtin_options");
            if (t is null)
                throw FlatBufferReader.Fail(op.Path, $"builtin_options_type is {type} but builtin_options is missing");
        }
        var o = new Fields(t, FlatBufferReader.Join(op.Path, "builtin_options"));

        return expected switch
        {
            OptionsType.Conv2D => new Conv2DOptions(
                o.Padding(S.Conv2DOptions.Padding),
                o.Window(S.Conv2DOptions.StrideW, "stride_w", 0),
                o.Window(S.Conv2DOptions.StrideH, "stride_h", 0),
                o.Activation(S.Conv2DOptions.Activation),
                o.Window(S.Conv2DOptions.DilationW, "dilation_w_factor", 1),
                o.Window(S.Conv2DOptions.DilationH, "dilation_h_factor", 1)),
            OptionsType.DepthwiseConv2D => new DepthwiseConv2DOptions(
                o.Padding(S.DepthwiseConv2DOptions.Padding),
                o.Window(S.DepthwiseConv2DOptions.StrideW, "stride_w", 0),
                o.Window(S.DepthwiseConv2DOptions.StrideH, "stride_h", 0),
                // Kept raw: the schema default is 0 and TFLite >= 2.1 ignores it (output channels decide).
                o.I32(S.DepthwiseConv2DOptions.DepthMultiplier, "depth_multiplier", 0),
                o.Activation(S.DepthwiseConv2DOptions.Activation),
                o.Window(S.DepthwiseConv2DOptions.DilationW, "dilation_w_factor", 1),
                o.Window(S.DepthwiseConv2DOptions.DilationH, "dilation_h_factor", 1)),
            OptionsType.Pool2D => new Pool2DOptions(
                o.Padding(S.Pool2DOptions.Padding),
                o.Window(S.Pool2DOptions.StrideW, "stride_w", 0),
                o.Window(S.Pool2DOptions.StrideH, "stride_h", 0),
                o.Window(S.Pool2DOptions.FilterWidth, "filter_width", 0),
                o.Window(S.Pool2DOptions.FilterHeight, "filter_height", 0),
                o.Activation(S.Pool2DOptions.Activation)),
            OptionsType.Add or OptionsType.Sub or OptionsType.Mul => new ElementwiseOptions(o.Activation(S.ElementwiseOptions.Activation)),
            OptionsType.Concatenation => new ConcatenationOptions(
                o.I32(S.ConcatenationOptions.Axis, "axis", 0),
                o.Activation(S.ConcatenationOptions.Activation)),
            OptionsType.ResizeBilinear => new ResizeBilinearOptions(
                o.Bool(S.ResizeBilinearOptions.AlignCorners, "align_corners"),
                o.Bool(S.ResizeBilinearOptions.HalfPixelCenters, "half_pixel_centers")),
            OptionsType.ArgMax => new ArgMaxOptions(o.TensorTypeField(S.ArgMaxOptions.OutputType, "output_type")),
            OptionsType.Reshape => t is { } rt ? ReadReshape(rt) : null,
            OptionsType.Softmax => new SoftmaxOptions(o.F32(S.SoftmaxOptions.Beta, "beta", 0f)),
            _ => null,
        };
    }

    private static ReshapeOptions ReadReshape(FbTable t)
    {
        FbVector v = t.Vector(S.ReshapeOptions.NewShape, "new_shape", 4);
        if (v.Count > TfliteModelReader.MaxRank)
            throw FlatBufferReader.Fail(v.Path, $"rank {v.Count} exceeds the supported maximum {TfliteModelReader.MaxRank}");
        return new ReshapeOptions(v.ToInt32Array());
    }

    /// <summary>Reads fields of an options table that may be absent (then every field is its default).</summary>
    private readonly struct Fields(FbTable? table, string path)
    {
        public int I32(int id, string name, int dflt) => table is { } t ? t.I32(id, name, dflt) : dflt;
        /// <summary>
        /// A stride, dilation or pooling filter size: at most <see cref="MaxWindow"/> (and not negative), so that every
        /// window product the kernels form in 32 bits (dilation x (filter - 1), output x stride) stays far from overflow.
        /// 0, the schema default, is left to the operator's own check.
        /// </summary>
        public int Window(int id, string name, int dflt)
        {
            int v = I32(id, name, dflt);
            if (v < 0 || v > MaxWindow)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(path, name), $"{name} {v} is outside [0, {MaxWindow}]");
            return v;
        }

        public float F32(int id, string name, float dflt) => table is { } t ? t.F32(id, name, dflt) : dflt;
        public bool Bool(int id, string name) => table is { } t && t.Bool(id, name);

        public Padding Padding(int id)
        {
            sbyte v = table is { } t ? t.I8(id, "padding") : (sbyte)0;
            if (v is not ((sbyte)Graph.Padding.Same or (sbyte)Graph.Padding.Valid))
                throw FlatBufferReader.Fail(FlatBufferReader.Join(path, "padding"), $"unknown padding {v}");
            return (Padding)v;
        }

        public FusedActivation Activation(int id)
        {
            sbyte v = table is { } t ? t.I8(id, "fused_activation_function") : (sbyte)0;
            if (v < (sbyte)FusedActivation.None || v > (sbyte)FusedActivation.SignBit)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(path, "fused_activation_function"), $"unknown fused activation {v}");
            return (FusedActivation)v;
        }

        public TensorType TensorTypeField(int id, string name)
        {
            sbyte v = table is { } t ? t.I8(id, name) : (sbyte)0;
            if (v < (sbyte)TensorType.Float32 || v > (sbyte)TensorType.Float64)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(path, name), $"unknown tensor type {v}");
            return (TensorType)v;
        }
    }
}
