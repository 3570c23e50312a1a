namespace EdgeRuntime.Graph;

/// <summary>Element types the interpreter knows. Values follow the TFLite schema's TensorType enum.</summary>
public enum TensorType : sbyte
{
    /// <summary>32-bit IEEE float.</summary>
    Float32 = 0,
    /// <summary>16-bit IEEE float.</summary>
    Float16 = 1,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 2,
    /// <summary>Unsigned 8-bit integer (asymmetric quantization).</summary>
    UInt8 = 3,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 4,
    /// <summary>Variable-length strings (not run by this interpreter).</summary>
    String = 5,
    /// <summary>One byte per boolean.</summary>
    Bool = 6,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 7,
    /// <summary>Two 32-bit floats (not run by this interpreter).</summary>
    Complex64 = 8,
    /// <summary>Signed 8-bit integer (int8 quantization).</summary>
    Int8 = 9,
    /// <summary>64-bit IEEE float.</summary>
    Float64 = 10,
}

/// <summary>Helpers on <see cref="TensorType"/> values (element size).</summary>
internal static class TensorTypeExtensions
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
