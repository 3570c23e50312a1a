using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeRuntime.Tests.Automation;

/// <summary>
/// Home Assistant's documented MQTT discovery schema for the two components edgert announces, written from the
/// MQTT integration documentation (home-assistant.io/integrations/mqtt, binary_sensor.mqtt, sensor.mqtt, and the
/// sensor / binary_sensor device-class tables): the discovery topic format, the configuration variables each
/// component accepts, the allowed device_class / unit / state_class / entity_category values and the rules that tie
/// them (a device block needs a unique_id and identifiers or connections; availability entries need a topic; ...).
/// <see cref="Check"/> returns every violation, so a test can print them all.
/// </summary>
public static partial class HomeAssistantDiscoverySchema
{
    [GeneratedRegex("^(?<prefix>.+)/(?<component>[a-z_]+)/(?:(?<node>[a-zA-Z0-9_-]+)/)?(?<object>[a-zA-Z0-9_-]+)/config$")]
    public static partial Regex TopicPattern();

    private static readonly HashSet<string> Common =
    [
        "availability", "availability_mode", "availability_template", "availability_topic", "device", "device_class",
        "enabled_by_default", "encoding", "entity_category", "entity_picture", "expire_after", "force_update", "icon",
        "json_attributes_template", "json_attributes_topic", "name", "object_id", "default_entity_id", "origin",
        "payload_available", "payload_not_available", "platform", "qos", "state_topic", "unique_id", "value_template",
    ];

    private static readonly Dictionary<string, HashSet<string>> ComponentKeys = new()
    {
        ["binary_sensor"] = [.. Common, "off_delay", "payload_off", "payload_on"],
        ["sensor"] = [.. Common, "last_reset_value_template", "options", "state_class", "suggested_display_precision", "unit_of_measurement"],
    };

    public static readonly HashSet<string> BinarySensorDeviceClasses =
    [
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat",
        "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem",
        "running", "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
    ];

    /// <summary>Sensor device classes with the units HA accepts for them (the ones a camera device could use, plus neighbours).</summary>
    public static readonly Dictionary<string, string[]> SensorDeviceClassUnits = new()
    {
        ["temperature"] = ["°C", "°F", "K"],
        ["duration"] = ["d", "h", "min", "s", "ms", "μs"],
        ["data_rate"] = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "kB/s", "MB/s", "GB/s", "KiB/s", "MiB/s", "GiB/s"],
        ["data_size"] = ["bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"],
        ["frequency"] = ["Hz", "kHz", "MHz", "GHz"],
        ["power_factor"] = ["%"],
        ["humidity"] = ["%"],
        ["battery"] = ["%"],
        ["illuminance"] = ["lx"],
        ["timestamp"] = [],
        ["enum"] = [],
    };

    public static readonly HashSet<string> StateClasses = ["measurement", "measurement_angle", "total", "total_increasing"];

    public static readonly HashSet<string> EntityCategories = ["config", "diagnostic"];

    public static List<string> Check(string topic, JsonElement config)
    {
        var errors = new List<string>();
        void Fail(string why) => errors.Add($"{topic}: {why}");
        var match = TopicPattern().Match(topic);
        if (!match.Success) { Fail("topic is not <prefix>/<component>/[<node_id>/]<object_id>/config with ids of [a-zA-Z0-9_-]"); return errors; }
        string component = match.Groups["component"].Value;
        if (!ComponentKeys.TryGetValue(component, out var allowed)) { Fail($"component '{component}' is not one this schema covers"); return errors; }
        if (config.ValueKind != JsonValueKind.Object) { Fail("payload is not a JSON object"); return errors; }

        foreach (var p in config.EnumerateObject())
            if (!allowed.Contains(p.Name)) Fail($"'{p.Name}' is not a {component} configuration variable");

        string? Str(string key) => config.TryGetProperty(key, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : null) : null;
        bool Has(string key) => config.TryGetProperty(key, out _);
        void MustBeString(string key)
        {
            if (Has(key) && config.GetProperty(key).ValueKind != JsonValueKind.String) Fail($"'{key}' must be a string");
        }
        foreach (var key in new[] { "name", "unique_id", "state_topic", "value_template", "device_class", "unit_of_measurement", "state_class",
                     "entity_category", "payload_on", "payload_off", "availability_mode", "icon", "availability_topic" })
            MustBeString(key);

        // Required: a state topic that is a concrete topic (no wildcards).
        string? state = Str("state_topic");
        if (string.IsNullOrEmpty(state)) Fail("state_topic is required");
        else if (state.Contains('+') || state.Contains('#')) Fail("state_topic must not contain wildcards");

        if (Str("value_template") is { } template && !(template.Contains("{{", StringComparison.Ordinal) && template.Contains("}}", StringComparison.Ordinal)))
            Fail("value_template is not a template");

        string? deviceClass = Str("device_class");
        string? unit = Str("unit_of_measurement");
        if (component == "binary_sensor")
        {
            if (deviceClass is not null && !BinarySensorDeviceClasses.Contains(deviceClass)) Fail($"binary_sensor device_class '{deviceClass}' is not valid");
            if (Str("payload_on") is { } on && on == Str("payload_off")) Fail("payload_on equals payload_off");
        }
        else
        {
            if (deviceClass is not null)
            {
                if (!SensorDeviceClassUnits.TryGetValue(deviceClass, out var units)) Fail($"sensor device_class '{deviceClass}' is not one of the known classes");
                else if (units.Length > 0 && (unit is null || !units.Contains(unit))) Fail($"unit '{unit}' is not valid for device_class {deviceClass} ({string.Join(", ", units)})");
            }
            if (Str("state_class") is { } sc)
            {
                if (!StateClasses.Contains(sc)) Fail($"state_class '{sc}' is not valid");
                if (deviceClass is "enum" or "timestamp") Fail($"state_class is not allowed with device_class {deviceClass}");
            }
            if (Str("entity_category") == "config") Fail("a sensor cannot have entity_category config");
            if (Has("suggested_display_precision") && config.GetProperty("suggested_display_precision").ValueKind != JsonValueKind.Number)
                Fail("suggested_display_precision must be a number");
        }
        if (Str("entity_category") is { } category && !EntityCategories.Contains(category)) Fail($"entity_category '{category}' is not valid");

        // Availability: a list of {topic, payload_available?, payload_not_available?, value_template?}; not with availability_topic.
        if (Has("availability"))
        {
            if (Has("availability_topic")) Fail("availability and availability_topic must not be used together");
            var list = config.GetProperty("availability");
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0) Fail("availability must be a non-empty list");
            else
                foreach (var a in list.EnumerateArray())
                {
                    if (a.ValueKind != JsonValueKind.Object || !a.TryGetProperty("topic", out var t) || t.ValueKind != JsonValueKind.String || t.GetString()!.Length == 0)
                        Fail("every availability entry needs a topic");
                    else
                        foreach (var p in a.EnumerateObject())
                            if (p.Name is not ("topic" or "payload_available" or "payload_not_available" or "value_template"))
                                Fail($"availability entry key '{p.Name}' is not valid");
                }
        }
        if (Str("availability_mode") is { } mode && mode is not ("all" or "any" or "latest")) Fail($"availability_mode '{mode}' is not valid");

        // Device registry: only with a unique_id, and it needs identifiers or connections.
        if (Has("device"))
        {
            if (string.IsNullOrEmpty(Str("unique_id"))) Fail("a device block needs a unique_id");
            var d = config.GetProperty("device");
            bool ids = d.TryGetProperty("identifiers", out var i) && (i.ValueKind == JsonValueKind.String || (i.ValueKind == JsonValueKind.Array && i.GetArrayLength() > 0));
            bool connections = d.TryGetProperty("connections", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0;
            if (!ids && !connections) Fail("device needs identifiers or connections");
            foreach (var p in d.EnumerateObject())
                if (p.Name is not ("configuration_url" or "connections" or "hw_version" or "identifiers" or "manufacturer" or "model" or "model_id"
                    or "name" or "serial_number" or "suggested_area" or "sw_version" or "via_device"))
                    Fail($"device key '{p.Name}' is not valid");
        }
        if (Has("origin"))
        {
            var o = config.GetProperty("origin");
            if (!o.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String) Fail("origin needs a name");
            foreach (var p in o.EnumerateObject())
                if (p.Name is not ("name" or "sw_version" or "support_url")) Fail($"origin key '{p.Name}' is not valid");
        }
        return errors;
    }
}
