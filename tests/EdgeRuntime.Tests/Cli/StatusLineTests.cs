using EdgeRuntime.Daemon;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Cli;

/// <summary>The periodic one-line status of `edgert run`.</summary>
public sealed class StatusLineTests
{
    [Fact]
    public void StatusLineHasFpsLatencyDropsMqttAndModel()
    {
        var t = new TelemetrySnapshot
        {
            Device = "dev",
            Timestamp = DateTimeOffset.UnixEpoch,
            Model = new ModelInfo("deeplab", "v7", "abc"),
            Fps = 12.345,
            FramesProcessed = 310,
            FramesDropped = 2,
            FramesCorrupt = 1,
            LatencyMs = new Dictionary<string, StageLatency> { ["inference"] = new StageLatency(71.04, 80.26, 90, 72, 95, 310) },
        };
        string line = StatusLineService.Format(t, mqttConnected: true, dropped: 2);
        Assert.Equal("status: 12.3 fps, inference p50 71.0 ms p95 80.3 ms, 310 frames, 2 dropped, 1 corrupt, mqtt connected, model deeplab v7", line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("mqtt not connected", StatusLineService.Format(t, mqttConnected: false, dropped: 2), StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeTheFirstFrameTheStatusSaysSo() =>
        Assert.Equal("status: no frame yet, 0 dropped, mqtt not connected", StatusLineService.Format(null, false, 0));
}
