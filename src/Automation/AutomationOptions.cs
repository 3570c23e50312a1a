namespace EdgeRuntime.Automation;

/// <summary>The "Automation" configuration section (EDGERT_Automation__X; the zones file also from EDGERT_ZONES / --zones).</summary>
public sealed class AutomationOptions
{
    public const string SectionName = "Automation";

    /// <summary>Zones file (JSON, see docs/mqtt.md "Zones"). Empty: no zones, no events.</summary>
    public string ZonesFile { get; set; } = "";

    /// <summary>Retained zone states are refreshed (with the latest coverage) at this period, milliseconds.</summary>
    public int StateIntervalMs { get; set; } = 1000;

    public HomeAssistantOptions HomeAssistant { get; set; } = new();

    public SnapshotOptions Snapshot { get; set; } = new();

    /// <summary>A one-line error, or null when the settings (not the zones file) are usable.</summary>
    public string? Error()
    {
        if (StateIntervalMs is < 50 or > 3_600_000) return "Automation:StateIntervalMs must be in 50..3600000";
        if (HomeAssistant.Enabled)
        {
            string p = HomeAssistant.DiscoveryPrefix;
            if (string.IsNullOrWhiteSpace(p) || p.Contains('+') || p.Contains('#') || p.StartsWith('/') || p.EndsWith('/'))
                return $"Automation:HomeAssistant:DiscoveryPrefix '{p}' is not a valid topic prefix";
        }
        if (Snapshot.Enabled)
        {
            if (Snapshot.Mode is not ("pixelate" or "fill")) return $"Automation:Snapshot:Mode '{Snapshot.Mode}' must be pixelate or fill";
            if (Snapshot.BlockSize is < 2 or > 256) return "Automation:Snapshot:BlockSize must be in 2..256";
            if (Snapshot.MinIntervalMs < 0) return "Automation:Snapshot:MinIntervalMs must be >= 0";
        }
        return null;
    }
}

/// <summary>Home Assistant MQTT discovery (off by default).</summary>
public sealed class HomeAssistantOptions
{
    public bool Enabled { get; set; }

    public string DiscoveryPrefix { get; set; } = Telemetry.TopicLayout.DefaultDiscoveryPrefix;

    /// <summary>Device name shown in Home Assistant. Empty: "edgert &lt;device id&gt;".</summary>
    public string DeviceName { get; set; } = "";
}

/// <summary>
/// The redacted snapshot attached to events. Off by default: with it off no image of a frame ever leaves the device.
/// When on, pixels of <see cref="Classes"/> are pixelated or filled before the PNG is encoded.
/// </summary>
public sealed class SnapshotOptions
{
    public bool Enabled { get; set; }

    /// <summary>Classes whose pixels are redacted. Empty: person. (Empty by default because the configuration binder
    /// appends to a list that already holds items.)</summary>
    public List<string> Classes { get; set; } = [];

    public IReadOnlyList<string> EffectiveClasses => Classes.Count == 0 ? ["person"] : Classes;

    /// <summary>pixelate (blocks that touch a redacted pixel become their mean colour) or fill (redacted pixels black).</summary>
    public string Mode { get; set; } = "pixelate";

    public int BlockSize { get; set; } = 16;

    /// <summary>At most one snapshot per this many milliseconds.</summary>
    public int MinIntervalMs { get; set; } = 5000;
}
