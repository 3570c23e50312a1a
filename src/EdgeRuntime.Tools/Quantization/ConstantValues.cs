using System.Runtime.InteropServices;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Quantization;

/// <summary>Reads constant tensors as float32 values.</summary>
internal static class ConstantValues
{
    public static float[] ToFloat(WorkTensor t)
    {
        byte[] data = t.Data ?? throw new InvalidOperationException($"tensor {t.Name} is not a constant");
        switch (t.Type)
        {
            case TensorType.Float32:
                return MemoryMarshal.Cast<byte, float>(data).ToArray();
            case TensorType.Float16:
                return MemoryMarshal.Cast<byte, Half>(data).ToArray().Select(h => (float)h).ToArray();
            case TensorType.Int8:
            case TensorType.UInt8:
                return Dequantize(t, data);
            default:
                throw new NotSupportedException($"constant {t.Name} of type {t.Type} cannot be read as float");
        }
    }

    private static float[] Dequantize(WorkTensor t, byte[] data)
    {
        QuantizationInfo q = t.Quantization ?? throw new NotSupportedException($"quantized constant {t.Name} has no quantization parameters");
        var result = new float[data.Length];
        int axis = q.IsPerChannel ? q.Axis : 0;
        int channels = q.IsPerChannel ? t.Shape[axis] : 1;
        int inner = 1;
        if (q.IsPerChannel)
            for (int d = axis + 1; d < t.Shape.Length; d++) inner *= t.Shape[d];
        for (int i = 0; i < data.Length; i++)
        {
            int c = q.IsPerChannel ? i / inner % channels : 0;
            int v = t.Type == TensorType.Int8 ? (sbyte)data[i] : data[i];
            long zp = q.ZeroPoints.Length == 1 ? q.ZeroPoints[0] : q.ZeroPoints[c];
            result[i] = q.Scales[c] * (v - zp);
        }
        return result;
    }
}
