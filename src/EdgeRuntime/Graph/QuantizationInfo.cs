namespace EdgeRuntime.Graph;

/// <summary>
/// Affine quantization of a tensor: real = scale * (q - zeroPoint).
/// Per-tensor when <see cref="Scales"/> has one entry, else per-channel along <see cref="Axis"/>.
/// </summary>
internal sealed class QuantizationInfo
{
    public QuantizationInfo(float[] scales, long[] zeroPoints, int axis)
    {
        if (scales.Length == 0) throw new ArgumentException("quantization needs at least one scale", nameof(scales));
        if (zeroPoints.Length != scales.Length && zeroPoints.Length != 1)
            throw new ArgumentException($"{zeroPoints.Length} zero points for {scales.Length} scales", nameof(zeroPoints));
        Scales = scales;
        ZeroPoints = zeroPoints;
        Axis = axis;
    }

    public float[] Scales { get; }
    public long[] ZeroPoints { get; }
    public int Axis { get; }

    public bool IsPerChannel => Scales.Length > 1;
    public float Scale => Scales[0];
    public int ZeroPoint => (int)ZeroPoints[0];

    public static QuantizationInfo PerTensor(float scale, int zeroPoint) => new([scale], [zeroPoint], 0);

    public override string ToString() => IsPerChannel
        ? $"per-channel(axis {Axis}, {Scales.Length} scales, zp {ZeroPoints[0]})"
        : $"scale {Scale:G6} zp {ZeroPoint}";
}
