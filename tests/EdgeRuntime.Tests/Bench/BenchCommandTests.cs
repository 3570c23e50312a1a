using System.Text.Json;
using EdgeRuntime.Bench;
using EdgeRuntime.Cli;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Bench;

/// <summary>
/// `edgert bench` end to end on the Coral dm0.5 model, both runtimes, few iterations. Serial: ORT's working memory is
/// the process's RSS growth, which other tests running meanwhile would blur (or make negative).
/// </summary>
[Collection(EdgeRuntime.Tests.Models.SerialModelCollection.Name)]
public class BenchCommandTests(ITestOutputHelper log)
{
    private static string Image => SharedData.Path("data", "voc2012_val", "JPEGImages", "2007_000033.jpg");

    [Fact]
    public void BenchOnCoralDm05WithOnnxRuntime_PrintsASaneTableAndJson()
    {
        string json = Path.Combine(Path.GetTempPath(), $"edgert-bench-{Guid.NewGuid():N}.json");
        var output = new StringWriter();
        try
        {
            int rc = BenchCommand.Run(
                [SharedData.Model(SharedData.CoralDm05), "--compare", "onnxruntime", "--warmup", "1", "--iterations", "3",
                 "--profile-invokes", "1", "--input", Image, "--json", json],
                output, TextWriter.Null);
            string text = output.ToString();
            log.WriteLine(text);
            Assert.Equal(0, rc);

            // The printed table: both runtimes, the per-op table, memory and the ratios.
            Assert.Contains("edgert ", text);
            Assert.Contains("onnxruntime ", text);
            Assert.Contains("CONV_2D", text);
            Assert.Contains("DEPTHWISE_CONV_2D", text);
            Assert.Contains("working memory", text);
            Assert.Contains("process peak RSS", text);
            Assert.Contains("latency p50 end to end", text);

            BenchReport report = JsonSerializer.Deserialize(File.ReadAllText(json), BenchJsonContext.Default.BenchReport)!;
            Assert.Equal(500, report.ClassMapWidth);
            Assert.Equal(366, report.ClassMapHeight);
            Assert.NotNull(report.OnnxRuntime);
            foreach (RuntimeResult rt in new[] { report.EdgeRt, report.OnnxRuntime! })
            {
                AssertSane(rt.EndToEnd, 3, rt.Name);
                AssertSane(rt.Inference, 3, rt.Name);
                Assert.True(rt.Preprocess.P50Ms > 0 && rt.ClassMap.P50Ms > 0, rt.Name);
                // End to end is the sum of the stages, each timed on the same iteration.
                Assert.True(rt.EndToEnd.MeanMs >= rt.Inference.MeanMs, rt.Name);
                Assert.True(rt.Memory.WorkingMemoryBytes > 0, rt.Name);
                Assert.True(rt.Memory.PhasePeakRssBytes > 0, rt.Name);
                Assert.True(rt.Memory.ModelConstantBytes > 0, rt.Name);
                Assert.Equal(500L * 366, rt.ClassHistogram.Sum());
                Assert.True(rt.ClassHistogram[0] < 500L * 366, $"{rt.Name}: all background"); // 2007_000033 shows aeroplanes
            }
            Assert.True(report.EdgeRt.Memory.ArenaBytes > 0);
            Assert.Equal(report.EdgeRt.Memory.ArenaBytes + report.EdgeRt.Memory.PackedWeightBytes, report.EdgeRt.Memory.WorkingMemoryBytes);
            Assert.True(report.ProcessPeakRssBytes >= report.EdgeRt.Memory.PhasePeakRssBytes);
            Assert.True(report.ProcessPeakRssBytes >= report.OnnxRuntime!.Memory.PhasePeakRssBytes);

            // Per-op table: every operator of the model counted once (a fused row stands for the nodes it names), shares add up to 100 %.
            Assert.Equal(72, report.Operators.Sum(o => o.Count * o.Op.Split('+').Length));
            Assert.Contains(report.Operators, o => o.Op == "RESIZE_BILINEAR+ARG_MAX" && o.Count == 1);
            Assert.All(report.Operators, o => Assert.True(o.TotalMs >= 0));
            Assert.InRange(report.Operators.Sum(o => o.Percent), 99.9, 100.1);
            // Sorted by time, most expensive first (which op that is depends on the kernels and the CPU).
            Assert.Equal(report.Operators.OrderByDescending(o => o.TotalMs).Select(o => o.TotalMs), report.Operators.Select(o => o.TotalMs));
            Assert.Contains(report.Operators, o => o.Op == "CONV_2D");

            Comparison c = report.Comparison!;
            Assert.True(c.LatencyP50Ratio is > 0 and < double.PositiveInfinity, $"latency ratio {c.LatencyP50Ratio}");
            Assert.True(c.WorkingMemoryRatio is > 0 and < double.PositiveInfinity, $"working memory ratio {c.WorkingMemoryRatio}");
            Assert.True(c.ClassMapAgreement > 0.98, $"class maps agree on {c.ClassMapAgreement:P3}");
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void BenchWithoutCompare_ReportsEdgertOnly()
    {
        var output = new StringWriter();
        int rc = BenchCommand.Run(
            [SharedData.Model(SharedData.CoralDm05), "--warmup", "0", "--iterations", "1", "--profile-invokes", "1",
             "--input", SharedData.Path("golden", "raw", "deeplabv3_mnv2_dm05_pascal_quant", "2007_000033.input.bin")],
            output, TextWriter.Null);
        Assert.Equal(0, rc);
        string text = output.ToString();
        Assert.Contains("raw input tensor", text);
        Assert.Contains("class map 513x513", text);
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex("^onnxruntime", System.Text.RegularExpressions.RegexOptions.Multiline), text);
        Assert.DoesNotContain("latency p50 end to end", text);
    }

    [Theory]
    [InlineData("--compare", "tflite")]
    [InlineData("--iterations", "0")]
    [InlineData("--threads", "0")]
    [InlineData("--bogus", "1")]
    public void BadOptionsAreUsageErrors(string option, string value)
    {
        Assert.Throws<CliException>(() => BenchCommand.Run([SharedData.Model(SharedData.CoralDm05), option, value], TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void ComparisonWithoutAMeaningfulMemoryRatio_IsWrittenAsNull()
    {
        // ORT's RSS growth is not positive when other threads freed memory during its phase: no NaN reaches the JSON.
        var c = new Comparison(0.6, 0.62, null, null, 0.99);
        string json = JsonSerializer.Serialize(c, BenchJsonContext.Default.Comparison);
        Assert.DoesNotContain("working_memory_ratio", json);
        Comparison back = JsonSerializer.Deserialize(json, BenchJsonContext.Default.Comparison)!;
        Assert.Null(back.WorkingMemoryRatio);
        Assert.Equal(0.6, back.LatencyP50Ratio);
    }

    [Fact]
    public void Percentiles_InterpolateBetweenClosestRanks()
    {
        var s = LatencyStats.From([4.0, 1.0, 3.0, 2.0]);
        Assert.Equal(2.5, s.P50Ms, 12);
        Assert.Equal(3.85, s.P95Ms, 12);
        Assert.Equal(3.97, s.P99Ms, 12);
        Assert.Equal(2.5, s.MeanMs, 12);
        Assert.Equal(1.0, s.MinMs);
        Assert.Equal(4.0, s.MaxMs);
        var one = LatencyStats.From([7.0]);
        Assert.Equal(7.0, one.P50Ms);
        Assert.Equal(7.0, one.P99Ms);
    }

    [Fact]
    public void Spread_PicksEvenlyIncludingTheFirst()
    {
        int[] items = Enumerable.Range(0, 200).ToArray();
        Assert.Equal([0, 25, 50, 75, 100, 125, 150, 175], OrtAgreement.Spread(items, 8));
        Assert.Same(items, OrtAgreement.Spread(items, 500));
    }

    private static void AssertSane(LatencyStats s, int count, string who)
    {
        Assert.Equal(count, s.Count);
        Assert.True(s.MinMs > 0, $"{who}: min {s.MinMs}");
        Assert.True(s.MinMs <= s.P50Ms && s.P50Ms <= s.P95Ms && s.P95Ms <= s.P99Ms && s.P99Ms <= s.MaxMs,
            $"{who}: percentiles out of order {s}");
        Assert.InRange(s.MeanMs, s.MinMs, s.MaxMs);
    }
}
