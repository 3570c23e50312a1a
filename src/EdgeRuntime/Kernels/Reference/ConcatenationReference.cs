namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// CONCATENATION (tensorflow/lite/kernels/concatenation.cc, internal/reference/concatenation.h).
/// The output is seen as [outer, concatAxisTotal * inner]; input i owns a slice of width copySize_i = axisDim_i * inner
/// starting at column <c>columnOffset</c>. Each input is placed independently, which is equivalent to TFLite's
/// interleaved loop because every output element comes from exactly one input element.
/// </summary>
internal static class ConcatenationReference
{
    /// <summary>The same-type, same-quantization copy (TFLite's Concatenation / ConcatenationWithScaling memcpy case).</summary>
    public static void Place<T>(ReadOnlySpan<T> input, Span<T> output, int outerSize, int copySize, int outputRowSize, int columnOffset) where T : unmanaged
    {
        for (int k = 0; k < outerSize; k++)
            input.Slice(k * copySize, copySize).CopyTo(output.Slice(k * outputRowSize + columnOffset, copySize));
    }

    /// <summary>
    /// uint8 input whose scale or zero point differs from the output's (ConcatenationWithScaling, float path):
    /// scale = in_scale * (1 / out_scale); bias = -in_zp * scale; q = round(v * scale + bias) + out_zp, clamped to [0, 255].
    /// All in float32, round half away from zero.
    /// </summary>
    public static void PlaceRequantizedUInt8(ReadOnlySpan<byte> input, Span<byte> output, int outerSize, int copySize, int outputRowSize, int columnOffset,
        float inputScale, int inputZeroPoint, float outputScale, int outputZeroPoint)
    {
        if (inputScale == outputScale && inputZeroPoint == outputZeroPoint)
        {
            Place(input, output, outerSize, copySize, outputRowSize, columnOffset);
            return;
        }
        float inverseOutputScale = 1f / outputScale;
        float scale = inputScale * inverseOutputScale;
        float bias = -inputZeroPoint * scale;
        for (int k = 0; k < outerSize; k++)
        {
            ReadOnlySpan<byte> src = input.Slice(k * copySize, copySize);
            Span<byte> dst = output.Slice(k * outputRowSize + columnOffset, copySize);
            for (int j = 0; j < copySize; j++)
            {
                float product = src[j] * scale;
                int value = (int)MathF.Round(product + bias, MidpointRounding.AwayFromZero) + outputZeroPoint;
                dst[j] = (byte)Math.Clamp(value, 0, 255);
            }
        }
    }
}
