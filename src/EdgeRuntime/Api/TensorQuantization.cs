using EdgeRuntime.Graph;

namespace EdgeRuntime;

/// <summary>
/// How a quantized tensor maps to real numbers: <c>real = scale * (q - zeroPoint)</c>, per tensor or, for weights,
/// per channel along <see cref="Axis"/>.
/// </summary>
public sealed class TensorQuantization
{
    private readonly float[] _scales;
    private readonly long[] _zeroPoints;

    internal TensorQuantization(QuantizationInfo info)
    {
        _scales = (float[])info.Scales.Clone();
        _zeroPoints = (long[])info.ZeroPoints.Clone();
        Axis = info.Axis;
    }

    /// <summary>The scale of the first (for a per-tensor tensor: the only) channel.</summary>
    public float Scale => _scales[0];

    /// <summary>The zero point of the first (for a per-tensor tensor: the only) channel.</summary>
    public int ZeroPoint => (int)_zeroPoints[0];

    /// <summary>All scales: one per channel, or one for the whole tensor.</summary>
    public IReadOnlyList<float> Scales => _scales;

    /// <summary>All zero points, parallel to <see cref="Scales"/>.</summary>
    public IReadOnlyList<long> ZeroPoints => _zeroPoints;

    /// <summary>The channel dimension of per-channel parameters (0 for per-tensor ones).</summary>
    public int Axis { get; }

    /// <summary>True when there is one scale per channel.</summary>
    public bool IsPerChannel => _scales.Length > 1;

    /// <summary>The real value of the quantized value <paramref name="quantized"/> with the per-tensor parameters.</summary>
    public float Dequantize(int quantized) => Scale * (quantized - ZeroPoint);

    /// <summary>The quantized value nearest to <paramref name="value"/> with the per-tensor parameters (not clamped).</summary>
    public int Quantize(float value) => (int)MathF.Round(value / Scale) + ZeroPoint;

    /// <inheritdoc/>
    public override string ToString() => IsPerChannel
        ? $"per-channel ({_scales.Length} scales, axis {Axis})"
        : FormattableString.Invariant($"scale {Scale:G6}, zero point {ZeroPoint}");
}
