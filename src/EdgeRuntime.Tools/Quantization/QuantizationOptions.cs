namespace EdgeRuntime.Quantization;

/// <summary>Element type of the quantized model's input or output tensor.</summary>
public enum IoType
{
    /// <summary>Keep float32: a QUANTIZE (input) or DEQUANTIZE (output) operator converts.</summary>
    Float,
    /// <summary>int8 tensor; for the image input scale 1/127.5, zero point 0, so the byte is pixel - 128.</summary>
    Int8,
    /// <summary>uint8 tensor; for the image input scale 1/127.5, zero point 128, so the byte is the raw pixel.</summary>
    UInt8,
}

public sealed record QuantizationOptions
{
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.MinMax;
    /// <summary>Percentile for <see cref="CalibrationMethod.Percentile"/>.</summary>
    public double Percentile { get; init; } = 99.99;
    /// <summary>EMA momentum per image for <see cref="CalibrationMethod.Ema"/>.</summary>
    public float Momentum { get; init; } = 0.9f;
    public int HistogramBins { get; init; } = 2048;
    /// <summary>One weight scale per tensor instead of per output channel.</summary>
    public bool PerTensorWeights { get; init; }
    public IoType InputType { get; init; } = IoType.Float;
    public IoType OutputType { get; init; } = IoType.Float;
    public bool FoldBatchNorm { get; init; } = true;
    public bool BiasCorrection { get; init; }
    /// <summary>Operator indices (of the model given to the quantizer) kept in float32.</summary>
    public IReadOnlySet<int> KeepFloat { get; init; } = new HashSet<int>();
    /// <summary>Real value range the float input's pixels 0..255 map to (int8/uint8 input types).</summary>
    public float InputRangeMin { get; init; } = -1f;
    public float InputRangeMax { get; init; } = 1f;
}
