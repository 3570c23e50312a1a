namespace EdgeRuntime.Quantization;

/// <summary>
/// Fixed-size histogram of non-negative magnitudes over [0, Range). When a value beyond the range arrives the
/// range doubles and neighbouring bins merge pairwise, which is exact, so the histogram never allocates after
/// construction and the result does not depend on how values were batched.
/// </summary>
public sealed class MagnitudeHistogram
{
    public MagnitudeHistogram(int bins = 2048)
    {
        if (bins < 2 || bins % 2 != 0) throw new ArgumentOutOfRangeException(nameof(bins), "bins must be even and >= 2");
        Counts = new long[bins];
    }

    public long[] Counts { get; }
    /// <summary>Upper end of the last bin; 0 until the first non-zero value.</summary>
    public double Range { get; private set; }
    public long Total { get; private set; }
    public double BinWidth => Range / Counts.Length;

    /// <summary>Makes sure values up to <paramref name="max"/> fit, doubling the range as often as needed.</summary>
    public void Reserve(double max)
    {
        if (!(max > 0) || !double.IsFinite(max)) return;
        if (Range == 0)
        {
            // Start at a power of two so ranges of different tensors stay comparable; the first batch decides.
            Range = Math.Pow(2, Math.Ceiling(Math.Log2(max * 1.0001)));
            return;
        }
        while (max >= Range) Double();
    }

    private void Double()
    {
        long[] c = Counts;
        int half = c.Length / 2;
        for (int i = 0; i < half; i++) c[i] = c[2 * i] + c[2 * i + 1];
        Array.Clear(c, half, half);
        Range *= 2;
    }

    /// <summary>Adds a magnitude; call <see cref="Reserve"/> with the batch maximum first.</summary>
    public void Add(float magnitude)
    {
        Total++;
        if (Range == 0) { Counts[0]++; return; }
        int bin = (int)(magnitude / Range * Counts.Length);
        Counts[Math.Min(bin, Counts.Length - 1)]++;
    }

    /// <summary>The smallest threshold below which at least <paramref name="fraction"/> of the values lie.</summary>
    public double Quantile(double fraction)
    {
        if (Total == 0 || Range == 0) return 0;
        double target = fraction * Total;
        long cum = 0;
        for (int i = 0; i < Counts.Length; i++)
        {
            cum += Counts[i];
            if (cum >= target) return (i + 1) * BinWidth;
        }
        return Range;
    }
}
