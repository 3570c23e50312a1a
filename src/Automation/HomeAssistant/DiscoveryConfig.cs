using System.Text.Json.Serialization;

namespace EdgeRuntime.Automation.HomeAssistant;

/// <summary>
/// One Home Assistant MQTT discovery payload (binary_sensor or sensor), in HA's documented long key names.
/// Null members are left out.
/// </summary>
public sealed class DiscoveryConfig
{
    public string Name { get; set; } = "";
    public string UniqueId { get; set; } = "";
    public string StateTopic { get; set; } = "";
    public string ValueTemplate { get; set; } = "";
    public string? DeviceClass { get; set; }
    public string? UnitOfMeasurement { get; set; }
    public string? StateClass { get; set; }
    public string? EntityCategory { get; set; }
    public string? PayloadOn { get; set; }
    public string? PayloadOff { get; set; }
    public int? SuggestedDisplayPrecision { get; set; }
    public int? ExpireAfter { get; set; }
    public string? Icon { get; set; }
    public List<DiscoveryAvailability> Availability { get; set; } = [];
    public string AvailabilityMode { get; set; } = "all";
    public DiscoveryDevice Device { get; set; } = new();
    public DiscoveryOrigin Origin { get; set; } = new();
}

public sealed class DiscoveryAvailability
{
    public string Topic { get; set; } = "";
    public string PayloadAvailable { get; set; } = "";
    public string PayloadNotAvailable { get; set; } = "";
    public string? ValueTemplate { get; set; }
}

public sealed class DiscoveryDevice
{
    public List<string> Identifiers { get; set; } = [];
    public string Name { get; set; } = "";
    public string Manufacturer { get; set; } = "";
    public string Model { get; set; } = "";
    public string? SwVersion { get; set; }
}

public sealed class DiscoveryOrigin
{
    public string Name { get; set; } = "edgert";
    public string? SwVersion { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DiscoveryConfig))]
public sealed partial class DiscoveryJsonContext : JsonSerializerContext;
