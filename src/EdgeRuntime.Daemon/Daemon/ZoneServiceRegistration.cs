using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Wiring;
using EdgeRuntime.Automation.Events;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Zones, events, Home Assistant discovery and snapshots in the daemon. <see cref="ZoneAutomation"/> is registered only
/// when a zones file (Automation:ZonesFile, --zones, EDGERT_ZONES) or discovery is configured, so the frame loop's
/// optional dependency stays null otherwise. Transition sinks: the MQTT event publisher plus whatever else registers
/// <see cref="IZoneTransitionSink"/> (GPIO outputs).
/// </summary>
internal static class ZoneServiceRegistration
{
    /// <summary>EDGERT_ZONES (the environment provider strips the EDGERT_ prefix).</summary>
    private const string ZonesVariable = "ZONES";

    /// <summary>
    /// Registers the services and checks the settings and the zones file now, while the host is built: a bad file is a
    /// <see cref="ZoneConfigException"/> (a FormatException), which `edgert run` prints as one line with exit code 2.
    /// </summary>
    public static void AddZones(IServiceCollection services, IConfiguration config)
    {
        var settings = config.GetSection(AutomationOptions.SectionName).Get<AutomationOptions>() ?? new AutomationOptions();
        if (string.IsNullOrWhiteSpace(settings.ZonesFile)) settings.ZonesFile = config[ZonesVariable] ?? "";
        var zones = Validate(settings);
        services.AddSingleton(Options.Create(settings));
        services.AddSingleton<IMessagePublisher>(sp => sp.GetRequiredService<MqttHostedService>());

        if (zones is null && !settings.HomeAssistant.Enabled) return;

        services.AddSingleton(zones ?? ZoneSet.Empty);
        services.AddSingleton(sp => Topics(sp));
        services.AddSingleton<IZoneTransitionSink>(sp => new ZoneEventPublisher(
            sp.GetRequiredService<IMessagePublisher>(), Topics(sp),
            sp.GetRequiredService<IOptions<AutomationOptions>>().Value.Snapshot.Enabled,
            sp.GetRequiredService<ILogger<ZoneEventPublisher>>()));
        services.AddSingleton(sp => new ZoneAutomation(
            sp.GetRequiredService<ZoneSet>(),
            sp.GetRequiredService<IOptions<AutomationOptions>>().Value,
            Topics(sp),
            sp.GetRequiredService<IMessagePublisher>(),
            sp.GetServices<IZoneTransitionSink>(),
            sp.GetRequiredService<ILoggerFactory>(),
            typeof(ZoneServiceRegistration).Assembly.GetName().Version?.ToString()));
    }

    /// <summary>The zones (null without a zones file); throws <see cref="ZoneConfigException"/> with a one-line reason.</summary>
    internal static ZoneSet? Validate(AutomationOptions options)
    {
        if (options.Error() is { } error) throw new ZoneConfigException(error);
        ZoneSet? zones = string.IsNullOrWhiteSpace(options.ZonesFile) ? null : ZoneSet.Load(options.ZonesFile);
        if (options.Snapshot.Enabled)
        {
            var labels = (zones ?? ZoneSet.Empty).Labels;
            foreach (var cls in options.Snapshot.EffectiveClasses)
                if (!labels.Contains(cls, StringComparer.OrdinalIgnoreCase))
                    throw new ZoneConfigException($"Automation:Snapshot:Classes: unknown class '{cls}'");
        }
        return zones;
    }

    private static TopicLayout Topics(IServiceProvider sp)
    {
        var mqtt = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
        return new TopicLayout(mqtt.TopicPrefix, mqtt.DeviceId);
    }
}
