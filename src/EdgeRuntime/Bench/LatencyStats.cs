namespace EdgeRuntime.Bench;

/// <summary>
/// Summary of a latency sample in milliseconds. Percentiles interpolate linearly between the closest ranks
/// (numpy's default, "type 7"): p50 of [1, 2, 3, 4] is 2.5; with few iterations p99 is close to the maximum.
/// </summary>
internal sealed record LatencyStats(int Count, double MeanMs, double P50Ms, double P95Ms, double P99Ms, double MinMs, double MaxMs)
{
    public static LatencyStats From(IReadOnlyList<double> samplesMs)
    {
        ArgumentNullException.ThrowIfNull(samplesMs);
        if (samplesMs.Count == 0) throw new ArgumentException("no samples", nameof(samplesMs));
        double[] sorted = [.. samplesMs];
        Array.Sort(sorted);
        return new LatencyStats(sorted.Length, sorted.Average(), Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[0], sorted[^1]);
    }

    /// <summary>Percentile <paramref name="p"/> (0..100) of an ascending array.</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.IsEmpty) throw new ArgumentException("no samples", nameof(sorted));
        if (p is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(p));
        double rank = p / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
