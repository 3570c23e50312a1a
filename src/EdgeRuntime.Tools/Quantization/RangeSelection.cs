namespace EdgeRuntime.Quantization;

/// <summary>Chooses a tensor's [min, max] from its <see cref="TensorStatistics"/> with a <see cref="CalibrationMethod"/>.</summary>
public static class RangeSelection
{
    public static (float Min, float Max) Select(TensorStatistics s, CalibrationMethod method, double percentile = 99.99)
    {
        if (s.Images == 0) return (0f, 0f);
        switch (method)
        {
            case CalibrationMethod.MinMax:
                return (s.Min, s.Max);
            case CalibrationMethod.Ema:
                return (s.EmaMin, s.EmaMax);
            case CalibrationMethod.Percentile:
                {
                    double tail = (1 - percentile / 100) * (s.Negative.Total + s.Positive.Total);
                    float lo = -(float)Upper(s.Negative, tail);
                    float hi = (float)Upper(s.Positive, tail);
                    return (Math.Max(s.Min, lo), Math.Min(s.Max, hi));
                }
            case CalibrationMethod.Kl:
                {
                    // A one-sided tensor (e.g. after ReLU) spends all 255 steps on one side, a two-sided one about half.
                    bool twoSided = s.Min < 0 && s.Max > 0 && s.Negative.Total > 0.001 * (s.Negative.Total + s.Positive.Total);
                    int levels = twoSided ? 128 : 255;
                    float lo = s.Min < 0 ? -(float)EntropyCalibration.Threshold(s.Negative, levels) : s.Min;
                    float hi = s.Max > 0 ? (float)EntropyCalibration.Threshold(s.Positive, levels) : s.Max;
                    return (Math.Max(s.Min, lo), Math.Min(s.Max, hi));
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(method));
        }
    }

    /// <summary>Smallest magnitude with at most <paramref name="tail"/> values above it.</summary>
    private static double Upper(MagnitudeHistogram h, double tail)
    {
        if (h.Total == 0) return 0;
        if (tail >= h.Total) return 0;
        return h.Quantile(1 - tail / h.Total);
    }
}
