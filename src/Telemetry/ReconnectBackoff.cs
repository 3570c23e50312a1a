namespace EdgeRuntime.Telemetry;

/// <summary>
/// Exponential back-off with "equal jitter": attempt n waits a random time in
/// [b/2, b] where b = min(max, min * 2^n). The jitter spreads reconnects of a fleet after a broker restart.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly double _minMs;
    private readonly double _maxMs;
    private readonly Random _random;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
    {
        if (min <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(min));
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max));
        _minMs = min.TotalMilliseconds;
        _maxMs = max.TotalMilliseconds;
        _random = random ?? Random.Shared;
    }

    /// <summary>The ceiling of attempt <paramref name="attempt"/> (0-based) before jitter.</summary>
    public TimeSpan Ceiling(int attempt)
    {
        double ms = _minMs * Math.Pow(2, Math.Clamp(attempt, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(_maxMs, ms));
    }

    public TimeSpan NextDelay(int attempt)
    {
        double ceiling = Ceiling(attempt).TotalMilliseconds;
        return TimeSpan.FromMilliseconds(ceiling / 2 + _random.NextDouble() * ceiling / 2);
    }
}
