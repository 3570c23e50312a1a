namespace EdgeRuntime.Graph;

/// <summary>Element types the interpreter knows. Values follow the TFLite schema's TensorType enum.</summary>
public enum TensorType : sbyte
{
    Float32 = 0,
    Float16 = 1,
    Int32 = 2,
    UInt8 = 3,
    Int64 = 4,
    String = 5,
    Bool = 6,
    Int16 = 7,
    Complex64 = 8,
    Int8 = 9,
    Float64 = 10,
}

/// <summary>Helpers on <see cref="TensorType"/> values (element size).</summary>
public static class TensorTypeExtensions
{
    /// <summary>Bytes per element, or throws for types without a fixed size (strings).</summary>
    public static int ElementSize(this TensorType type) => type switch
    {
        TensorType.Float32 or TensorType.Int32 => 4,
        TensorType.UInt8 or TensorType.Int8 or TensorType.Bool => 1,
        TensorType.Int16 or TensorType.Float16 => 2,
        TensorType.Int64 or TensorType.Float64 or TensorType.Complex64 => 8,
        _ => throw new NotSupportedException($"tensor type {type} has no fixed element size"),
    };

    public static bool IsQuantized8(this TensorType type) => type is TensorType.UInt8 or TensorType.Int8;
}
