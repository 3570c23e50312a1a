using System.Text.Json.Serialization;

namespace EdgeRuntime.Automation.Events;

/// <summary>A zone transition on .../events (docs/mqtt.md "Zone events").</summary>
public sealed class ZoneEventMessage
{
    public int Schema { get; set; } = 1;
    public string Type { get; set; } = "zone";
    public string EventId { get; set; } = "";
    public string Device { get; set; } = "";
    public string Zone { get; set; } = "";
    public string Class { get; set; } = "";
    public string State { get; set; } = "";
    public double Coverage { get; set; }
    public long FrameId { get; set; }
    public DateTimeOffset Since { get; set; }
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>Topic of the redacted snapshot published with this event (only when snapshots are on).</summary>
    public string? Snapshot { get; set; }
}

/// <summary>Retained state of one zone on .../zones/&lt;zone&gt;.</summary>
public sealed class ZoneStateMessage
{
    public int Schema { get; set; } = 1;
    public string Device { get; set; } = "";
    public string Zone { get; set; } = "";

    /// <summary>occupied when any watched class is.</summary>
    public string State { get; set; } = "";
    public DateTimeOffset Since { get; set; }
    public long FrameId { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public Dictionary<string, ZoneClassState> Classes { get; set; } = [];
}

public sealed class ZoneClassState
{
    public string State { get; set; } = "";
    public double Coverage { get; set; }
    public DateTimeOffset Since { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ZoneEventMessage))]
[JsonSerializable(typeof(ZoneStateMessage))]
public sealed partial class AutomationJsonContext : JsonSerializerContext;
