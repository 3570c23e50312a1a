using MQTTnet.Protocol;

namespace EdgeRuntime.Telemetry;

/// <summary>
/// The topic tree of one device: &lt;prefix&gt;/&lt;device&gt;/{status,telemetry,mask,classes}.
/// QoS, retain and expiry per topic are in <see cref="Specs"/> (and docs/mqtt.md).
/// </summary>
public sealed class TopicLayout
{
    public const string DefaultPrefix = "edgert/v1";

    /// <summary>Status payloads (UTF-8 text).</summary>
    public const string Online = "online";
    public const string Offline = "offline";
    public const string Stopped = "stopped";

    public TopicLayout(string prefix, string deviceId)
    {
        prefix = (prefix ?? "").Trim().TrimEnd('/');
        if (prefix.Length == 0) prefix = DefaultPrefix;
        if (prefix.StartsWith('/') || prefix.Contains('+') || prefix.Contains('#') || prefix.Contains("//", StringComparison.Ordinal))
            throw new ArgumentException($"topic prefix '{prefix}' is not a valid MQTT topic prefix", nameof(prefix));
        ValidateSegment(deviceId, nameof(deviceId));
        Prefix = prefix;
        DeviceId = deviceId;
        Root = prefix + "/" + deviceId;
        Status = Root + "/status";
        Telemetry = Root + "/telemetry";
        Mask = Root + "/mask";
        Classes = Root + "/classes";
        Events = Root + "/events";
        EventSnapshots = Root + "/events/snapshot";
    }

    public string Prefix { get; }
    public string DeviceId { get; }
    public string Root { get; }
    public string Status { get; }
    public string Telemetry { get; }
    public string Mask { get; }
    public string Classes { get; }

    /// <summary>Zone transitions (JSON, QoS 1, not retained).</summary>
    public string Events { get; }

    /// <summary>Redacted snapshots attached to events (opt-in, PNG).</summary>
    public string EventSnapshots { get; }

    /// <summary>Retained state of one zone (JSON).</summary>
    public string Zone(string zone) => Root + "/zones/" + zone;

    /// <summary>
    /// A Home Assistant node / object id: only [a-zA-Z0-9_-] are allowed there, anything else becomes '_'.
    /// </summary>
    public static string HomeAssistantId(string value)
    {
        var chars = value.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' or '-')) chars[i] = '_';
        return chars.Length == 0 ? "edge" : new string(chars);
    }

    /// <summary>Default Home Assistant MQTT discovery prefix.</summary>
    public const string DefaultDiscoveryPrefix = "homeassistant";

    /// <summary>The publishing rules per topic (the table in docs/mqtt.md is this list).</summary>
    public static IReadOnlyList<TopicSpec> Specs { get; } =
    [
        new("status", MqttQualityOfServiceLevel.AtLeastOnce, Retain: true, ExpirySeconds: 0,
            "text/plain", "online on connect, stopped on clean shutdown, offline as Last Will (broker publishes it when the connection dies)"),
        new("telemetry", MqttQualityOfServiceLevel.AtMostOnce, Retain: false, ExpirySeconds: 60,
            "application/json", "TelemetrySnapshot every Daemon:TelemetryIntervalMs; while disconnected only the latest is kept"),
        new("mask", MqttQualityOfServiceLevel.AtMostOnce, Retain: false, ExpirySeconds: 10,
            "application/vnd.edgert.rle or image/png", "opt-in (Mqtt:PublishMasks), rate-limited (Mqtt:MaxMaskRatePerSecond); dropped while disconnected"),
        new("classes", MqttQualityOfServiceLevel.AtMostOnce, Retain: false, ExpirySeconds: 60,
            "application/json", "opt-in (Mqtt:PublishClassCounts): per-class pixel counts of the latest frame"),
        new("events", MqttQualityOfServiceLevel.AtLeastOnce, Retain: false, ExpirySeconds: 0,
            "application/json", "a zone's class became occupied or clear (Automation:ZonesFile); in the frame's publish step"),
        new("events/snapshot", MqttQualityOfServiceLevel.AtMostOnce, Retain: false, ExpirySeconds: 60,
            "image/png", "opt-in (Automation:Snapshot:Enabled): the event's frame with the chosen classes redacted"),
        new("zones/<zone>", MqttQualityOfServiceLevel.AtLeastOnce, Retain: true, ExpirySeconds: 0,
            "application/json", "state of one zone: on every change, every Automation:StateIntervalMs and after every (re)connect"),
    ];

    /// <summary>Throws when <paramref name="segment"/> cannot be one topic level.</summary>
    public static void ValidateSegment(string? segment, string what)
    {
        if (string.IsNullOrWhiteSpace(segment))
            throw new ArgumentException($"{what} is empty");
        foreach (char c in segment)
        {
            if (c is '/' or '+' or '#' || char.IsControl(c))
                throw new ArgumentException($"{what} '{segment}' must not contain '/', '+', '#' or control characters");
        }
    }

    /// <summary>Turns a host name into a usable device id (invalid characters become '-').</summary>
    public static string SanitizeDeviceId(string name)
    {
        var chars = name.Trim().ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (chars[i] is '/' or '+' or '#' || char.IsControl(chars[i]) || char.IsWhiteSpace(chars[i])) chars[i] = '-';
        var s = new string(chars);
        return s.Length == 0 ? "edge" : s;
    }
}

/// <summary>How one topic is published.</summary>
public sealed record TopicSpec(string Suffix, MqttQualityOfServiceLevel Qos, bool Retain, uint ExpirySeconds, string ContentType, string Notes);
