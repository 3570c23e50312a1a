using System.Text.Json;
using EdgeRuntime.Automation.Events;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Automation.HomeAssistant;

/// <summary>
/// The retained discovery configs of one device: per zone a <c>binary_sensor</c> (device_class occupancy) on the
/// zone's retained state and a coverage <c>sensor</c> per watched class; for the device fps, inference latency p95,
/// CPU temperature and model version sensors read from the telemetry topic. Every entity shares one device block and
/// is available only while the daemon's status topic says online (offline and stopped both mean unavailable).
/// Topics: &lt;discovery prefix&gt;/&lt;component&gt;/&lt;node id&gt;/&lt;object id&gt;/config.
/// </summary>
public static class DiscoveryBuilder
{
    public static IReadOnlyList<(string Topic, DiscoveryConfig Config)> Build(ZoneSet zones, TopicLayout topics, HomeAssistantOptions options, string? swVersion = null)
    {
        string node = TopicLayout.HomeAssistantId(topics.DeviceId);
        string prefix = options.DiscoveryPrefix.TrimEnd('/');
        var device = new DiscoveryDevice
        {
            Identifiers = ["edgert_" + node],
            Name = string.IsNullOrWhiteSpace(options.DeviceName) ? "edgert " + topics.DeviceId : options.DeviceName,
            Manufacturer = "EdgeRuntime",
            Model = "edgert segmentation camera",
            SwVersion = swVersion,
        };
        var availability = new List<DiscoveryAvailability>
        {
            new()
            {
                Topic = topics.Status,
                PayloadAvailable = TopicLayout.Online,
                PayloadNotAvailable = TopicLayout.Offline,
                // "stopped" (clean shutdown) is unavailable too.
                ValueTemplate = "{{ 'online' if value == 'online' else 'offline' }}",
            },
        };
        var list = new List<(string, DiscoveryConfig)>();
        DiscoveryConfig Entity(string component, string objectId, string name, string stateTopic, string template)
        {
            var c = new DiscoveryConfig
            {
                Name = name,
                UniqueId = $"edgert_{node}_{objectId}",
                StateTopic = stateTopic,
                ValueTemplate = template,
                Availability = availability,
                Device = device,
                Origin = new DiscoveryOrigin { SwVersion = swVersion },
            };
            list.Add(($"{prefix}/{component}/{node}/{objectId}/config", c));
            return c;
        }

        foreach (var zone in zones.Zones)
        {
            string zoneId = TopicLayout.HomeAssistantId(zone.Name);
            var occupancy = Entity("binary_sensor", $"zone_{zoneId}_occupancy", $"{zone.Name} occupancy", topics.Zone(zone.Name), "{{ value_json.state }}");
            occupancy.DeviceClass = "occupancy";
            occupancy.PayloadOn = ZoneStates.Occupied;
            occupancy.PayloadOff = ZoneStates.Clear;
            foreach (var cls in zone.ClassNames)
            {
                var coverage = Entity("sensor", $"zone_{zoneId}_{TopicLayout.HomeAssistantId(cls)}_coverage", $"{zone.Name} {cls} coverage",
                    topics.Zone(zone.Name), $"{{{{ (value_json.classes['{cls}'].coverage * 100) | round(1) }}}}");
                coverage.UnitOfMeasurement = "%";
                coverage.StateClass = "measurement";
                coverage.SuggestedDisplayPrecision = 1;
                coverage.Icon = "mdi:vector-square";
            }
        }

        var fps = Entity("sensor", "fps", "Frames per second", topics.Telemetry, "{{ value_json.fps }}");
        fps.UnitOfMeasurement = "fps";
        fps.StateClass = "measurement";
        fps.EntityCategory = "diagnostic";
        fps.Icon = "mdi:camera-timer";
        var latency = Entity("sensor", "inference_latency_p95", "Inference latency p95", topics.Telemetry, "{{ value_json.latency_ms.inference.p95 }}");
        latency.DeviceClass = "duration";
        latency.UnitOfMeasurement = "ms";
        latency.StateClass = "measurement";
        latency.EntityCategory = "diagnostic";
        var temperature = Entity("sensor", "cpu_temperature", "CPU temperature", topics.Telemetry,
            "{{ value_json.cpu_temperature_c if value_json.cpu_temperature_c is defined else None }}");
        temperature.DeviceClass = "temperature";
        temperature.UnitOfMeasurement = "°C";
        temperature.StateClass = "measurement";
        temperature.EntityCategory = "diagnostic";
        var model = Entity("sensor", "model_version", "Model version", topics.Telemetry, "{{ value_json.model.version }}");
        model.EntityCategory = "diagnostic";
        model.Icon = "mdi:brain";
        return list;
    }

    public static byte[] Serialize(DiscoveryConfig config) => JsonSerializer.SerializeToUtf8Bytes(config, DiscoveryJsonContext.Default.DiscoveryConfig);
}
