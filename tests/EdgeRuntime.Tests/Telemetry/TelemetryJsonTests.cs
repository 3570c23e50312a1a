using System.Text.Json;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Telemetry;

public sealed class TelemetryJsonTests
{
    [Fact]
    public void Snapshot_SerializesWithSourceGen_SnakeCase_NullsOmitted()
    {
        var rec = new LatencyRecorder(16);
        rec.Record(PipelineStage.Inference, 40);
        var snapshot = new TelemetrySnapshot
        {
            Device = "pi4",
            Timestamp = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Model = new ModelInfo("deeplabv3_mnv2", "1.0", "ab12"),
            Source = "synthetic",
            Fps = 9.5,
            FramesProcessed = 100,
            FramesDropped = 2,
            FramesCorrupt = 1,
            LatencyMs = rec.Snapshot(),
            GcHeapBytes = 1234,
            RssBytes = 5678,
            CpuTemperatureC = null,
            UptimeS = 12.5,
            Mqtt = new MqttStats { Connected = true, Reconnects = 3 },
        };
        string json = JsonSerializer.Serialize(snapshot, TelemetryJsonContext.Default.TelemetrySnapshot);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("schema").GetInt32());
        Assert.Equal("pi4", root.GetProperty("device").GetString());
        Assert.Equal("2025-01-02T03:04:05+00:00", root.GetProperty("timestamp").GetString());
        Assert.Equal("deeplabv3_mnv2", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal("1.0", root.GetProperty("model").GetProperty("version").GetString());
        Assert.Equal("ab12", root.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(9.5, root.GetProperty("fps").GetDouble());
        Assert.Equal(100, root.GetProperty("frames_processed").GetInt64());
        Assert.Equal(2, root.GetProperty("frames_dropped").GetInt64());
        Assert.Equal(1, root.GetProperty("frames_corrupt").GetInt64());
        var inference = root.GetProperty("latency_ms").GetProperty("inference");
        Assert.Equal(40, inference.GetProperty("p50").GetDouble());
        Assert.Equal(40, inference.GetProperty("p95").GetDouble());
        Assert.Equal(40, inference.GetProperty("p99").GetDouble());
        Assert.Equal(1, inference.GetProperty("count").GetInt64());
        Assert.True(root.GetProperty("latency_ms").TryGetProperty("capture", out _));
        Assert.Equal(1234, root.GetProperty("gc_heap_bytes").GetInt64());
        Assert.Equal(5678, root.GetProperty("rss_bytes").GetInt64());
        Assert.False(root.TryGetProperty("cpu_temperature_c", out _));
        Assert.Equal(12.5, root.GetProperty("uptime_s").GetDouble());
        Assert.Equal(3, root.GetProperty("mqtt").GetProperty("reconnects").GetInt64());
        Assert.True(root.GetProperty("mqtt").GetProperty("connected").GetBoolean());
    }

    [Fact]
    public void ClassCounts_Serialize()
    {
        var msg = new ClassCountsMessage("pi4", 7, DateTimeOffset.UnixEpoch, 2, 2, [3, 0, 1]);
        string json = JsonSerializer.Serialize(msg, TelemetryJsonContext.Default.ClassCountsMessage);
        Assert.Equal("""{"device":"pi4","frame_id":7,"timestamp":"1970-01-01T00:00:00+00:00","width":2,"height":2,"counts":[3,0,1]}""", json);
    }

    [Fact]
    public void SystemMetrics_ReadRss()
    {
        long? rss = SystemMetrics.ReadRssBytes();
        if (OperatingSystem.IsLinux())
            Assert.True(rss > 1_000_000, $"VmRSS {rss}");
        Assert.Equal(2048L * 1024, SystemMetrics.ParseKbLine("    2048 kB"));
        Assert.Null(SystemMetrics.ParseKbLine("abc kB"));
    }

    [Fact]
    public void TopicLayout_BuildsTopics_AndRejectsWildcards()
    {
        var t = new TopicLayout("edgert/v1/", "pi-kitchen");
        Assert.Equal("edgert/v1/pi-kitchen/status", t.Status);
        Assert.Equal("edgert/v1/pi-kitchen/telemetry", t.Telemetry);
        Assert.Equal("edgert/v1/pi-kitchen/mask", t.Mask);
        Assert.Equal("edgert/v1/pi-kitchen/classes", t.Classes);
        Assert.Throws<ArgumentException>(() => new TopicLayout("edgert/v1", "a/b"));
        Assert.Throws<ArgumentException>(() => new TopicLayout("edgert/v1", "a+"));
        Assert.Throws<ArgumentException>(() => new TopicLayout("edgert/#", "a"));
        Assert.Throws<ArgumentException>(() => new TopicLayout("edgert/v1", ""));
        Assert.Equal("my-pi-4", TopicLayout.SanitizeDeviceId("my/pi 4"));
        Assert.Equal(7, TopicLayout.Specs.Count);
        Assert.Equal("edgert/v1/pi-kitchen/events", t.Events);
        Assert.Equal("edgert/v1/pi-kitchen/zones/door", t.Zone("door"));
        Assert.True(TopicLayout.Specs.Single(s => s.Suffix == "zones/<zone>").Retain);
        Assert.False(TopicLayout.Specs.Single(s => s.Suffix == "events").Retain);
        Assert.True(TopicLayout.Specs.Single(s => s.Suffix == "status").Retain);
    }

    [Fact]
    public void MqttOptions_Validate()
    {
        var ok = TelemetryTestData.Options("127.0.0.1", 1883);
        ok.Validate();
        Assert.Equal("edgert-x", new MqttOptions { DeviceId = "x" }.EffectiveClientId);
        Assert.Throws<ArgumentException>(() => new MqttOptions { Host = "", DeviceId = "x" }.Validate());
        Assert.Throws<ArgumentException>(() => new MqttOptions { Host = "h", DeviceId = "x", ClientCertFile = "c.pem", UseTls = true }.Validate());
        Assert.Throws<ArgumentException>(() => new MqttOptions { Host = "h", DeviceId = "x", CaFile = "ca.pem" }.Validate());
        Assert.Throws<ArgumentException>(() => new MqttOptions { Host = "h", DeviceId = "x", MaskEncoding = "jpeg" }.Validate());
    }
}
