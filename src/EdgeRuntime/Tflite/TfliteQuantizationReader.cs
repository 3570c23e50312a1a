using EdgeRuntime.Graph;
using Q = EdgeRuntime.Tflite.TfliteSchema.Quantization;

namespace EdgeRuntime.Tflite;

/// <summary>
/// Decodes a tensor's QuantizationParameters with the checks TFLite's InterpreterBuilder makes, plus the ones
/// our integer kernels rely on (positive finite scales, zero points inside the type's range).
/// </summary>
internal static class TfliteQuantizationReader
{
    public static QuantizationInfo? Read(FbTable tensor, TensorType type, int[] shape)
    {
        FbTable? qt = tensor.Table(TfliteSchema.Tensor.Quantization, "quantization");
        if (qt is not { } q) return null;
        // Float tensors often carry a table with only min/max (or nothing): no affine quantization.
        FbVector scaleVec = q.Vector(Q.Scale, "scale", 4);
        if (scaleVec.Count == 0) return null;
        if (q.U8(Q.DetailsType, "details_type") != 0)
            throw FlatBufferReader.Fail(FlatBufferReader.Join(q.Path, "details"), "custom quantization is not supported");

        FbVector zpVec = q.Vector(Q.ZeroPoint, "zero_point", 8);
        if (zpVec.Count != scaleVec.Count)
            throw FlatBufferReader.Fail(q.Path, $"{zpVec.Count} zero points for {scaleVec.Count} scales");

        int axis = q.I32(Q.QuantizedDimension, "quantized_dimension");
        if (scaleVec.Count > 1)
        {
            // Checked before copying the scales, so the copy is bounded by the tensor's shape.
            if (axis < 0 || axis >= shape.Length)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(q.Path, "quantized_dimension"), $"quantized_dimension {axis} is outside rank {shape.Length}");
            if (shape[axis] != scaleVec.Count)
                throw FlatBufferReader.Fail(scaleVec.Path, $"{scaleVec.Count} per-channel scales but dimension {axis} has size {shape[axis]}");
        }

        float[] scales = scaleVec.ToFloatArray();
        long[] zeroPoints = zpVec.ToInt64Array();
        if (IsAffineInteger(type))
        {
            for (int i = 0; i < scales.Length; i++)
                if (!float.IsFinite(scales[i]) || scales[i] <= 0 || float.IsSubnormal(scales[i]))
                    throw FlatBufferReader.Fail($"{scaleVec.Path}[{i}]", $"scale {scales[i]} of a {type} tensor is not a finite, normal float > 0");
            (long lo, long hi) = ZeroPointRange(type);
            for (int i = 0; i < zeroPoints.Length; i++)
                if (zeroPoints[i] < lo || zeroPoints[i] > hi)
                    throw FlatBufferReader.Fail($"{zpVec.Path}[{i}]", $"zero point {zeroPoints[i]} is outside the {type} range [{lo}, {hi}]");
        }
        return new QuantizationInfo(scales, zeroPoints, axis);
    }

    /// <summary>Types whose values are q with real = scale * (q - zero_point) when a scale is given.</summary>
    private static bool IsAffineInteger(TensorType type) =>
        type is TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 or TensorType.Int32;

    private static (long Lo, long Hi) ZeroPointRange(TensorType type) => type switch
    {
        TensorType.UInt8 => (byte.MinValue, byte.MaxValue),
        TensorType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        TensorType.Int16 => (short.MinValue, short.MaxValue),
        _ => (int.MinValue, int.MaxValue),
    };
}
