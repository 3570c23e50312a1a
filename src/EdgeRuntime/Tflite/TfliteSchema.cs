namespace EdgeRuntime.Tflite;

/// <summary>
/// Field ids and union codes of the TFLite schema (tensorflow/compiler/mlir/lite/schema/schema.fbs, version 3).
/// A field id is the field's position in its table's declaration; a union field takes two ids
/// (the hidden "_type" byte first, then the value offset). Reader and writer share these so they cannot drift.
/// </summary>
internal static class TfliteSchema
{
    public const uint Version = 3;
    public const string FileIdentifier = "TFL3";

    /// <summary>OperatorCode.deprecated_builtin_code is a signed byte; codes above this live only in builtin_code.</summary>
    public const int PlaceholderForGreaterOpCodes = 127;

    public static class Model
    {
        public const int Version = 0, OperatorCodes = 1, Subgraphs = 2, Description = 3, Buffers = 4;
    }

    public static class OperatorCode
    {
        public const int DeprecatedBuiltinCode = 0, CustomCode = 1, Version = 2, BuiltinCode = 3;
    }

    public static class SubGraph
    {
        public const int Tensors = 0, Inputs = 1, Outputs = 2, Operators = 3, Name = 4;
    }

    public static class Tensor
    {
        public const int Shape = 0, Type = 1, Buffer = 2, Name = 3, Quantization = 4, IsVariable = 5,
            Sparsity = 6, ShapeSignature = 7, HasRank = 8;
    }

    public static class Quantization
    {
        public const int Min = 0, Max = 1, Scale = 2, ZeroPoint = 3, DetailsType = 4, Details = 5, QuantizedDimension = 6;
    }

    public static class Buffer
    {
        public const int Data = 0, Offset = 1, Size = 2;
    }

    public static class Operator
    {
        public const int OpcodeIndex = 0, Inputs = 1, Outputs = 2, BuiltinOptionsType = 3, BuiltinOptions = 4,
            CustomOptions = 5, CustomOptionsFormat = 6;
    }

    /// <summary>Codes of the BuiltinOptions union (declaration order, NONE = 0) for the option tables we decode.</summary>
    public enum OptionsType : byte
    {
        None = 0,
        Conv2D = 1,
        DepthwiseConv2D = 2,
        Pool2D = 5,
        Softmax = 9,
        Concatenation = 10,
        Add = 11,
        ResizeBilinear = 15,
        Reshape = 17,
        Mul = 21,
        Sub = 28,
        ArgMax = 40,
    }

    // Field ids inside the option tables.
    public static class Conv2DOptions
    {
        public const int Padding = 0, StrideW = 1, StrideH = 2, Activation = 3, DilationW = 4, DilationH = 5;
    }

    public static class DepthwiseConv2DOptions
    {
        public const int Padding = 0, StrideW = 1, StrideH = 2, DepthMultiplier = 3, Activation = 4, DilationW = 5, DilationH = 6;
    }

    public static class Pool2DOptions
    {
        public const int Padding = 0, StrideW = 1, StrideH = 2, FilterWidth = 3, FilterHeight = 4, Activation = 5;
    }

    /// <summary>AddOptions, SubOptions and MulOptions all start with fused_activation_function.</summary>
    public static class ElementwiseOptions
    {
        public const int Activation = 0;
    }

    public static class ConcatenationOptions
    {
        public const int Axis = 0, Activation = 1;
    }

    public static class ResizeBilinearOptions
    {
        // Ids 0 and 1 are the deprecated new_height/new_width.
        public const int AlignCorners = 2, HalfPixelCenters = 3;
    }

    public static class ArgMaxOptions
    {
        public const int OutputType = 0;
    }

    public static class ReshapeOptions
    {
        public const int NewShape = 0;
    }

    public static class SoftmaxOptions
    {
        public const int Beta = 0;
    }
}
