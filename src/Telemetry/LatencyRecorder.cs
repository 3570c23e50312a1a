using System.Globalization;
using System.Text;

namespace EdgeRuntime.Telemetry;

/// <summary>The timed stages of one frame.</summary>
public enum PipelineStage
{
    /// <summary>Waiting for and reading the frame from the source.</summary>
    Capture,
    /// <summary>Decoding the frame bytes into RGB.</summary>
    Decode,
    /// <summary>Resize/normalize into the model input tensor.</summary>
    Preprocess,
    /// <summary>The interpreter.</summary>
    Inference,
    /// <summary>Upsample + argmax into the class map.</summary>
    Postprocess,
    /// <summary>Handing telemetry/masks to the publisher (and writing outputs).</summary>
    Publish,
}

/// <summary>Percentiles of one stage over the last <see cref="StageStats.Capacity"/> samples, in milliseconds.</summary>
public readonly record struct LatencySummary(long Count, int WindowCount, double P50, double P95, double P99, double Mean, double Max);

/// <summary>
/// A fixed ring of the latest samples of one stage. <see cref="Record"/> allocates nothing;
/// <see cref="Summarize"/> sorts into a preallocated scratch buffer (no allocation either).
/// Thread-safe (a lock; the frame loop is the only writer in practice).
/// </summary>
public sealed class StageStats
{
    private readonly double[] _ring;
    private readonly double[] _scratch;
    private readonly Lock _lock = new();
    private int _next;
    private int _filled;
    private long _count;

    public StageStats(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new double[capacity];
        _scratch = new double[capacity];
    }

    public int Capacity => _ring.Length;

    /// <summary>Samples recorded since creation (not only those still in the window).</summary>
    public long Count { get { lock (_lock) return _count; } }

    public void Record(double milliseconds)
    {
        if (double.IsNaN(milliseconds) || milliseconds < 0) milliseconds = 0;
        lock (_lock)
        {
            _ring[_next] = milliseconds;
            _next = _next + 1 == _ring.Length ? 0 : _next + 1;
            if (_filled < _ring.Length) _filled++;
            _count++;
        }
    }

    public void Reset()
    {
        lock (_lock) { _next = 0; _filled = 0; _count = 0; }
    }

    public LatencySummary Summarize()
    {
        lock (_lock)
        {
            int n = _filled;
            if (n == 0) return new LatencySummary(_count, 0, 0, 0, 0, 0, 0);
            var window = _scratch.AsSpan(0, n);
            _ring.AsSpan(0, n).CopyTo(window);
            window.Sort();
            double sum = 0;
            foreach (double v in window) sum += v;
            return new LatencySummary(_count, n,
                Percentile(window, 50), Percentile(window, 95), Percentile(window, 99),
                sum / n, window[n - 1]);
        }
    }

    /// <summary>
    /// Percentile of ascending-sorted samples with linear interpolation between closest ranks
    /// (rank = p/100 * (n-1), the same as numpy's default "linear" method).
    /// </summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.IsEmpty) return 0;
        if (p <= 0) return sorted[0];
        if (p >= 100) return sorted[^1];
        double rank = p / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        double frac = rank - lo;
        return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
    }
}

/// <summary>One <see cref="StageStats"/> per <see cref="PipelineStage"/>.</summary>
public sealed class LatencyRecorder
{
    private static readonly PipelineStage[] AllStages = Enum.GetValues<PipelineStage>();
    private readonly StageStats[] _stages;

    public LatencyRecorder(int windowSize = 1024)
    {
        _stages = new StageStats[AllStages.Length];
        for (int i = 0; i < _stages.Length; i++) _stages[i] = new StageStats(windowSize);
    }

    public static IReadOnlyList<PipelineStage> Stages => AllStages;

    public StageStats this[PipelineStage stage] => _stages[(int)stage];

    public void Record(PipelineStage stage, double milliseconds) => _stages[(int)stage].Record(milliseconds);

    /// <summary>Lower-case stage name as used in telemetry JSON and the latency table.</summary>
    public static string StageName(PipelineStage stage) => stage switch
    {
        PipelineStage.Capture => "capture",
        PipelineStage.Decode => "decode",
        PipelineStage.Preprocess => "preprocess",
        PipelineStage.Inference => "inference",
        PipelineStage.Postprocess => "postprocess",
        PipelineStage.Publish => "publish",
        _ => stage.ToString().ToLowerInvariant(),
    };

    /// <summary>Summaries of every stage, keyed by <see cref="StageName"/>.</summary>
    public Dictionary<string, StageLatency> Snapshot()
    {
        var result = new Dictionary<string, StageLatency>(AllStages.Length);
        foreach (var stage in AllStages)
            result[StageName(stage)] = StageLatency.From(_stages[(int)stage].Summarize());
        return result;
    }

    /// <summary>A fixed-width text table: stage, p50, p95, p99 (ms), count.</summary>
    public string FormatTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"stage",-12} {"p50 ms",10} {"p95 ms",10} {"p99 ms",10} {"count",10}");
        foreach (var stage in AllStages)
        {
            var s = _stages[(int)stage].Summarize();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{StageName(stage),-12} {s.P50,10:F2} {s.P95,10:F2} {s.P99,10:F2} {s.Count,10}");
        }
        return sb.ToString();
    }
}
