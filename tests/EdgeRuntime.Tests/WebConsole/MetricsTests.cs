using System.Diagnostics.Metrics;
using System.Net;
using EdgeRuntime.Daemon;
using EdgeRuntime.Tests.Telemetry;
using EdgeRuntime.WebConsole.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>/metrics: a strict parse of the daemon's exposition, and the collector's format on instruments made here.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task DaemonMetrics_ParseStrictly_AndCountFrames()
    {
        await using var d = await ConsoleDaemon.StartAsync();
        await d.WaitForFramesAsync(10);
        using var c = d.Client();
        using var r = await c.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", r.Content.Headers.ContentType?.ToString());
        var families = PrometheusTextParser.Parse(await r.Content.ReadAsStringAsync());

        Assert.Equal("counter", families["edgert_frames_processed"].Type);
        double frames = families["edgert_frames_processed"].Samples.Single().Value;
        Assert.InRange(frames, 10, d.Status.FramesProcessed);
        Assert.Equal(0, families["edgert_frames_corrupt"].Samples.Single().Value);
        Assert.Contains("edgert_frames_dropped", families.Keys);
        Assert.Contains("edgert_fps", families.Keys);
        Assert.True(families["edgert_process_resident_memory_bytes"].Samples.Single().Value > 1_000_000);

        var model = families["edgert_model_info"].Samples.Single();
        Assert.Equal("threshold-test-double", model.Labels["name"]);
        Assert.Equal("0123456789ab", model.Labels["version"]);

        var stages = families["edgert_stage_duration_seconds"];
        Assert.Equal("histogram", stages.Type);
        var stageNames = stages.Samples.Select(s => s.Labels["stage"]).ToHashSet();
        foreach (var stage in new[] { "decode", "preprocess", "inference", "postprocess", "publish" }) Assert.Contains(stage, stageNames);
        double inferenceCount = stages.Samples.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal) && s.Labels["stage"] == "inference").Value;
        Assert.True(inferenceCount >= 10);
    }

    [Fact]
    public async Task OtaTransitionsAndASwap_ShowInMetrics_WhichNeedTheToken()
    {
        await using var d = await ConsoleDaemon.StartAsync();
        await d.WaitForFramesAsync(2);
        using var c = d.Client();
        using (var anonymous = d.Client(authorized: false))
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);

        async Task<Dictionary<string, PrometheusTextParser.Family>> ScrapeAsync() => PrometheusTextParser.Parse(await c.GetStringAsync("/metrics"));
        static double Transitions(Dictionary<string, PrometheusTextParser.Family> f, string state) =>
            f.TryGetValue("edgert_ota_transitions", out var t) ? t.Samples.Where(s => s.Labels["state"] == state).Sum(s => s.Value) : 0;

        var before = await ScrapeAsync();
        double swapsBefore = before["edgert_ota_swaps"].Samples.Single().Value;
        Assert.Equal("0123456789ab", before["edgert_model_info"].Samples.Single().Labels["version"]);

        // What OtaAgent does on an update: report each lifecycle state to DaemonMetrics, and offer the verified model to the
        // frame loop through the SegmenterSwitch with the manifest's identity (OtaAgent.Info).
        var metrics = d.Services.GetRequiredService<DaemonMetrics>();
        foreach (var state in new[] { "received", "downloading", "verifying", "activating", "active", "received", "rejected:signature" })
            metrics.RecordOtaState(state, 7);
        var next = new EdgeRuntime.Telemetry.ModelInfo("tiny-v7", "7", new string('a', 64));
        long firstFrame = await d.Services.GetRequiredService<SegmenterSwitch>().OfferAsync(new ThresholdTestSegmenter(), next).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(firstFrame > 0);

        var after = await ScrapeAsync();
        Assert.Equal("counter", after["edgert_ota_transitions"].Type);
        Assert.Equal(Transitions(before, "received") + 2, Transitions(after, "received"));
        foreach (var state in new[] { "downloading", "verifying", "activating", "active", "rejected" })
            Assert.Equal(Transitions(before, state) + 1, Transitions(after, state));
        Assert.DoesNotContain(after["edgert_ota_transitions"].Samples, s => s.Labels["state"].Contains(':', StringComparison.Ordinal)); // the reason is not a label
        Assert.Equal(swapsBefore + 1, after["edgert_ota_swaps"].Samples.Single().Value);
        var model = after["edgert_model_info"].Samples.Single(); // one serving model, the new one
        Assert.Equal("tiny-v7", model.Labels["name"]);
        Assert.Equal("7", model.Labels["version"]);
        Assert.Equal(new string('a', 64), model.Labels["sha256"]);
    }

    [Fact]
    public void Collector_WritesCountersGaugesHistograms_WithEscapedLabels()
    {
        using var meter = new Meter("edgert.test." + Guid.NewGuid().ToString("N"));
        using var other = new Meter("edgert.test.other");
        using var collector = new PrometheusCollector(meter);
        var counter = meter.CreateCounter<long>("requests", description: "Requests\nwith a newline in the help");
        var histogram = meter.CreateHistogram<double>("wait", "s", "Wait time");
        meter.CreateObservableGauge("temperature", () => 41.5, "Cel", "Temperature");
        other.CreateCounter<long>("foreign").Add(5); // another meter's instrument is not ours
        counter.Add(2, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        counter.Add(3, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        counter.Add(1, new KeyValuePair<string, object?>("path", "plain"));
        foreach (var v in new[] { 0.0005, 0.003, 0.003, 0.2, 42.0 }) histogram.Record(v);

        string text = collector.Scrape();
        var families = PrometheusTextParser.Parse(text);
        Assert.DoesNotContain("foreign", text, StringComparison.Ordinal);
        Assert.Contains("requests_total{path=\"a\\\"b\\\\c\\nd\"} 5\n", text, StringComparison.Ordinal);
        Assert.Equal(5, families["requests"].Samples.Single(s => s.Labels["path"] == "a\"b\\c\nd").Value);
        Assert.Equal(1, families["requests"].Samples.Single(s => s.Labels["path"] == "plain").Value);
        Assert.Equal(41.5, families["temperature_celsius"].Samples.Single().Value);

        var wait = families["wait_seconds"].Samples;
        double Bucket(string le) => wait.Single(s => s.Name == "wait_seconds_bucket" && s.Labels["le"] == le).Value;
        Assert.Equal(1, Bucket("0.001"));
        Assert.Equal(3, Bucket("0.005"));
        Assert.Equal(4, Bucket("0.25"));
        Assert.Equal(4, Bucket("10"));
        Assert.Equal(5, Bucket("+Inf"));
        Assert.Equal(0.0005 + 0.003 + 0.003 + 0.2 + 42.0, wait.Single(s => s.Name == "wait_seconds_sum").Value, 9);
    }

    [Theory]
    [InlineData("# TYPE x counter\nx_total 1\n")] // TYPE without HELP
    [InlineData("# HELP x h\n# TYPE x counter\nx 1\n")] // counter sample without _total
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n")] // unterminated label
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"\\t\"} 1\n")] // bad escape
    [InlineData("# HELP x h\n# TYPE x histogram\nx_bucket{le=\"1\"} 2\nx_bucket{le=\"+Inf\"} 1\nx_sum 1\nx_count 1\n")] // decreasing buckets
    [InlineData("# HELP x h\n# TYPE x histogram\nx_bucket{le=\"1\"} 1\nx_sum 1\nx_count 1\n")] // no +Inf
    [InlineData("# HELP x h\n# TYPE x gauge\nx 1")] // no final newline
    public void Parser_RejectsMalformedExpositions(string text) => Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));
}
