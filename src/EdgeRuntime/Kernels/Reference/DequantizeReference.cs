using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// DEQUANTIZE (tensorflow/lite/kernels/dequantize.cc, internal/reference/dequantize.h).
/// Per-tensor: (float)(scale_double * (q - zp)). Per-channel: (q - zp[c]) * scale[c] in float. Both equal the correctly
/// rounded product (the exact product of a 9-bit integer and a 24-bit significand fits a double), so the NEON
/// float path gives the same bits. float16 -> float32 is exact.
/// </summary>
internal static class DequantizeReference
{
    public static void PerTensor<T>(ReadOnlySpan<T> input, Span<float> output, float scale, int zeroPoint) where T : unmanaged, IBinaryInteger<T>
    {
        double s = scale;
        for (int i = 0; i < input.Length; i++)
            output[i] = (float)(s * (int.CreateTruncating(input[i]) - zeroPoint));
    }

    /// <summary>The input seen as [outer, channels, inner] around the quantized dimension.</summary>
    public static void PerChannel<T>(ReadOnlySpan<T> input, Span<float> output, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints, int outerSize, int channels, int innerSize)
        where T : unmanaged, IBinaryInteger<T>
    {
        int i = 0;
        for (int o = 0; o < outerSize; o++)
            for (int c = 0; c < channels; c++)
            {
                float s = scales[c];
                int zp = zeroPoints[c];
                for (int k = 0; k < innerSize; k++, i++)
                    output[i] = (int.CreateTruncating(input[i]) - zp) * s;
            }
    }

    public static void Float16(ReadOnlySpan<Half> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = (float)input[i];
    }
}
