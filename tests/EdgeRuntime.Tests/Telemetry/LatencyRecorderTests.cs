using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Telemetry;

public sealed class LatencyRecorderTests
{
    [Fact]
    public void Percentiles_OneToHundred_MatchLinearInterpolation()
    {
        var stats = new StageStats(1024);
        // Insert out of order: the window is sorted for the summary.
        foreach (int v in Enumerable.Range(1, 100).Reverse()) stats.Record(v);
        var s = stats.Summarize();
        Assert.Equal(100, s.Count);
        Assert.Equal(100, s.WindowCount);
        Assert.Equal(50.5, s.P50, 9);
        Assert.Equal(95.05, s.P95, 9);
        Assert.Equal(99.01, s.P99, 9);
        Assert.Equal(50.5, s.Mean, 9);
        Assert.Equal(100, s.Max);
    }

    [Fact]
    public void Percentile_EdgeCases()
    {
        Assert.Equal(0, StageStats.Percentile([], 50));
        Assert.Equal(7, StageStats.Percentile([7], 99));
        Assert.Equal(1.5, StageStats.Percentile([1, 2], 50));
        Assert.Equal(1, StageStats.Percentile([1, 2], 0));
        Assert.Equal(2, StageStats.Percentile([1, 2], 100));
    }

    [Fact]
    public void Ring_KeepsOnlyTheLatestWindow()
    {
        var stats = new StageStats(8);
        for (int i = 0; i < 1000; i++) stats.Record(1000); // old, slow samples
        for (int i = 0; i < 8; i++) stats.Record(2);       // the latest window
        var s = stats.Summarize();
        Assert.Equal(1008, s.Count);
        Assert.Equal(8, s.WindowCount);
        Assert.Equal(2, s.P50);
        Assert.Equal(2, s.P99);
        Assert.Equal(2, s.Max);
    }

    [Fact]
    public void Record_And_Summarize_DoNotAllocate()
    {
        var stats = new StageStats(1024);
        // Warm up with the measured loop itself: its first run may be compiled on stack replacement (tiered JIT),
        // which allocates on this thread (6.8 KB seen once in CI) though Record and Summarize do not.
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 10_000; i++) stats.Record(i % 17);
            stats.Summarize();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) stats.Record(i % 13);
        var s = stats.Summarize();
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.Equal(12, s.Max);
    }

    [Fact]
    public void NegativeAndNaN_AreClampedToZero()
    {
        var stats = new StageStats(4);
        stats.Record(-5);
        stats.Record(double.NaN);
        Assert.Equal(0, stats.Summarize().Max);
    }

    [Fact]
    public void Recorder_Table_ListsEveryStage()
    {
        var rec = new LatencyRecorder(32);
        rec.Record(PipelineStage.Inference, 12.5);
        rec.Record(PipelineStage.Inference, 14.5);
        var table = rec.FormatTable();
        foreach (var stage in LatencyRecorder.Stages) Assert.Contains(LatencyRecorder.StageName(stage), table);
        Assert.Contains("p95 ms", table);
        var inference = table.Split('\n').Single(l => l.StartsWith("inference"));
        Assert.Contains("13.50", inference); // p50 of {12.5, 14.5}
        Assert.EndsWith("2", inference.TrimEnd());
        var snap = rec.Snapshot();
        Assert.Equal(6, snap.Count);
        Assert.Equal(2, snap["inference"].Count);
    }

    [Fact]
    public void Backoff_GrowsExponentially_WithJitterWithinBounds()
    {
        var b = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), new Random(1));
        Assert.Equal(100, b.Ceiling(0).TotalMilliseconds);
        Assert.Equal(800, b.Ceiling(3).TotalMilliseconds);
        Assert.Equal(5000, b.Ceiling(10).TotalMilliseconds);
        Assert.Equal(5000, b.Ceiling(int.MaxValue).TotalMilliseconds);
        var seen = new HashSet<double>();
        for (int i = 0; i < 50; i++)
        {
            double d = b.NextDelay(3).TotalMilliseconds;
            Assert.InRange(d, 400, 800);
            seen.Add(d);
        }
        Assert.True(seen.Count > 10, "jitter should vary the delay");
    }
}
