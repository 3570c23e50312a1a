using System.Text.Json.Serialization;

namespace EdgeRuntime.Telemetry;

/// <summary>One telemetry message (JSON on .../telemetry, snake_case, nulls omitted).</summary>
public sealed record TelemetrySnapshot
{
    /// <summary>Schema version of this JSON.</summary>
    public int Schema { get; init; } = 1;
    public required string Device { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required ModelInfo Model { get; init; }
    /// <summary>Frame source description.</summary>
    public string? Source { get; init; }
    /// <summary>Processed frames per second since the previous message.</summary>
    public double Fps { get; init; }
    public long FramesProcessed { get; init; }
    /// <summary>Frames lost: gaps in the source's frame ids plus frames whose segmentation failed.</summary>
    public long FramesDropped { get; init; }
    /// <summary>Frames that failed to decode and were skipped.</summary>
    public long FramesCorrupt { get; init; }
    /// <summary>Per-stage latency over the last window of frames, keyed by stage name (capture, decode, preprocess, inference, postprocess, publish).</summary>
    public required Dictionary<string, StageLatency> LatencyMs { get; init; }
    /// <summary>Managed heap size (GC.GetTotalMemory(false)).</summary>
    public long GcHeapBytes { get; init; }
    /// <summary>Resident set size from /proc/self/status VmRSS (null where unavailable).</summary>
    public long? RssBytes { get; init; }
    /// <summary>CPU temperature from Iot.Device.Bindings' CpuTemperature (null where not available; see <see cref="Thermal"/>).</summary>
    public double? CpuTemperatureC { get; init; }
    /// <summary>Thermal protection state; null when the daemon runs without it.</summary>
    public ThermalStats? Thermal { get; init; }
    /// <summary>Trigger gating (Gpio:Triggers); null when no trigger input is configured.</summary>
    public InferenceGateStats? Gate { get; init; }
    public double UptimeS { get; init; }
    public MqttStats? Mqtt { get; init; }
    /// <summary>Restarts per daemon component (frame-loop, ota) since start; null when none failed.</summary>
    public Dictionary<string, long>? Restarts { get; init; }
    /// <summary>The latest component fault ("component: Type: message"), null when none.</summary>
    public string? LastFault { get; init; }
}

/// <summary>Model identity.</summary>
public sealed record ModelInfo(string Name, string Version, string Sha256);

/// <summary>Latency percentiles of one stage, milliseconds.</summary>
public sealed record StageLatency(double P50, double P95, double P99, double Mean, double Max, long Count)
{
    public static StageLatency From(LatencySummary s) =>
        new(Math.Round(s.P50, 3), Math.Round(s.P95, 3), Math.Round(s.P99, 3), Math.Round(s.Mean, 3), Math.Round(s.Max, 3), s.Count);
}

/// <summary>Publisher counters.</summary>
public sealed record MqttStats
{
    public bool Connected { get; init; }
    public long Reconnects { get; init; }
    public long Published { get; init; }
    /// <summary>Telemetry/masks dropped because the broker was unreachable.</summary>
    public long DroppedDisconnected { get; init; }
    /// <summary>Messages dropped because the send queue was full (oldest goes).</summary>
    public long DroppedQueueFull { get; init; }
    /// <summary>Masks skipped by the rate limit.</summary>
    public long MasksRateLimited { get; init; }
    public long PublishErrors { get; init; }
}

/// <summary>Per-class pixel counts of one frame (JSON on .../classes).</summary>
public sealed record ClassCountsMessage(string Device, long FrameId, DateTimeOffset Timestamp, int Width, int Height, long[] Counts);

/// <summary>Source-generated (reflection-free, AOT-safe) JSON for telemetry payloads.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(TelemetrySnapshot))]
[JsonSerializable(typeof(ClassCountsMessage))]
public sealed partial class TelemetryJsonContext : JsonSerializerContext;
