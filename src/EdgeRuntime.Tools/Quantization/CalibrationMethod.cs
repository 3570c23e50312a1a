namespace EdgeRuntime.Quantization;

/// <summary>How calibration statistics become a tensor's real-value range.</summary>
public enum CalibrationMethod
{
    /// <summary>Global minimum and maximum over all calibration images.</summary>
    MinMax,
    /// <summary>Exponential moving average of each image's minimum and maximum (momentum per image).</summary>
    Ema,
    /// <summary>Clip each tail at the given percentile of all values (from the histograms).</summary>
    Percentile,
    /// <summary>TensorRT-style entropy calibration: the clipping threshold minimising KL(P || Q) per side.</summary>
    Kl,
}

public static class CalibrationMethods
{
    public static CalibrationMethod Parse(string s) => s.ToLowerInvariant() switch
    {
        "minmax" => CalibrationMethod.MinMax,
        "ema" => CalibrationMethod.Ema,
        "percentile" => CalibrationMethod.Percentile,
        "kl" or "entropy" => CalibrationMethod.Kl,
        _ => throw new ArgumentException($"unknown calibration method '{s}' (minmax, ema, percentile, kl)"),
    };

    public static string Name(this CalibrationMethod m) => m.ToString().ToLowerInvariant();
}
