using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// QUANTIZE (tensorflow/lite/kernels/quantize.cc).
/// float -> uint8/int8: AffineQuantize: q = round(x / scale) + zp (float32 division, round half away from zero), clamped.
/// uint8/int8 -> uint8/int8: Requantize: q = MultiplyByQuantizedMultiplier(x - in_zp, M, shift) + out_zp, clamped, with
/// M, shift = QuantizeMultiplier((double)in_scale / (double)out_scale). TFLite's uint8&lt;-&gt;int8 same-scale shortcut
/// (xor 0x80) gives the identical result (the multiplier is exactly 1), so it needs no separate path.
/// </summary>
internal static class QuantizeReference
{
    public static void AffineQuantize<T>(ReadOnlySpan<float> input, Span<T> output, float scale, int zeroPoint)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        double min = double.CreateTruncating(T.MinValue), max = double.CreateTruncating(T.MaxValue);
        for (int i = 0; i < input.Length; i++)
        {
            double unclamped = (double)MathF.Round(input[i] / scale, MidpointRounding.AwayFromZero) + zeroPoint;
            double clamped = Math.Min(Math.Max(unclamped, min), max);
            output[i] = T.CreateTruncating((int)clamped);
        }
    }

    /// <summary>The requantization multiplier TFLite's Prepare computes.</summary>
    public static void RequantizeMultiplier(float inputScale, float outputScale, out int multiplier, out int shift) =>
        FixedPoint.QuantizeMultiplier((double)inputScale / outputScale, out multiplier, out shift);

    public static void Requantize<TIn, TOut>(ReadOnlySpan<TIn> input, Span<TOut> output, int inputZeroPoint, int outputZeroPoint, int multiplier, int shift)
        where TIn : unmanaged, IBinaryInteger<TIn>
        where TOut : unmanaged, IBinaryInteger<TOut>, IMinMaxValue<TOut>
    {
        int min = int.CreateTruncating(TOut.MinValue), max = int.CreateTruncating(TOut.MaxValue);
        for (int i = 0; i < input.Length; i++)
        {
            int x = int.CreateTruncating(input[i]) - inputZeroPoint;
            int q = FixedPoint.MultiplyByQuantizedMultiplier(x, multiplier, shift) + outputZeroPoint;
            output[i] = TOut.CreateTruncating(Math.Clamp(q, min, max));
        }
    }
}
