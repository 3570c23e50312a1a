namespace EdgeRuntime.Quantization;

/// <summary>
/// Running statistics of one float tensor over the calibration images: global min/max, an exponential moving
/// average of per-image min/max, magnitude histograms of the negative and the positive values (for percentile
/// and entropy calibration) and the per-channel (last axis) mean, used by bias correction. Fixed-size: nothing
/// grows with the number of images.
/// </summary>
public sealed class TensorStatistics
{
    private readonly double[] _channelSums;
    private long _channelCount;

    public TensorStatistics(int channels, int bins = 2048)
    {
        _channelSums = new double[channels];
        Negative = new MagnitudeHistogram(bins);
        Positive = new MagnitudeHistogram(bins);
    }

    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public float EmaMin { get; private set; }
    public float EmaMax { get; private set; }
    public int Images { get; private set; }
    public MagnitudeHistogram Negative { get; }
    public MagnitudeHistogram Positive { get; }

    public double ChannelMean(int c) => _channelCount == 0 ? 0 : _channelSums[c] / _channelCount;

    public int Channels => _channelSums.Length;

    /// <summary>Adds one image's values of the tensor (channels-last layout).</summary>
    public void Add(ReadOnlySpan<float> values, float momentum)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (values.IsEmpty || float.IsNaN(min) || float.IsNaN(max)) return;
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
        if (Images == 0) (EmaMin, EmaMax) = (min, max);
        else
        {
            EmaMin = momentum * EmaMin + (1 - momentum) * min;
            EmaMax = momentum * EmaMax + (1 - momentum) * max;
        }
        Images++;

        Negative.Reserve(-min);
        Positive.Reserve(max);
        int channels = _channelSums.Length;
        int c = 0;
        foreach (float v in values)
        {
            if (v < 0) Negative.Add(-v);
            else Positive.Add(v);
            _channelSums[c] += v;
            if (++c == channels) c = 0;
        }
        _channelCount += values.Length / channels;
    }
}
