using EdgeRuntime.Automation;
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
internal static class AutomationRegistration
{
    /// <summary>EDGERT_ZONES (the environment provider strips the EDGERT_ prefix).</summary>
    private const string ZonesVariable = "ZONES";

    public static void Add(IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<AutomationOptions>()
            .Bind(config.GetSection(AutomationOptions.SectionName))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.ZonesFile)) o.ZonesFile = config[ZonesVariable] ?? "";
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AutomationOptions>, AutomationOptionsValidator>();
        services.AddSingleton<IMessagePublisher>(sp => sp.GetRequiredService<MqttHostedService>());

        bool zones = !string.IsNullOrWhiteSpace(config[$"{AutomationOptions.SectionName}:ZonesFile"]) || !string.IsNullOrWhiteSpace(config[ZonesVariable]);
        bool discovery = string.Equals(config[$"{AutomationOptions.SectionName}:HomeAssistant:Enabled"], "true", StringComparison.OrdinalIgnoreCase);
        if (!zones && !discovery) return;

        services.AddSingleton(sp =>
        {
            var file = sp.GetRequiredService<IOptions<AutomationOptions>>().Value.ZonesFile;
            return string.IsNullOrWhiteSpace(file) ? ZoneSet.Empty : ZoneSet.Load(file);
        });
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
            typeof(AutomationRegistration).Assembly.GetName().Version?.ToString()));
    }

    private static TopicLayout Topics(IServiceProvider sp)
    {
        var mqtt = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
        return new TopicLayout(mqtt.TopicPrefix, mqtt.DeviceId);
    }
}

/// <summary>Checks the Automation settings and the zones file at start: a one-line reason, exit code 2.</summary>
internal sealed class AutomationOptionsValidator : IValidateOptions<AutomationOptions>
{
    public ValidateOptionsResult Validate(string? name, AutomationOptions options)
    {
        if (options.Error() is { } error) return ValidateOptionsResult.Fail(error);
        var labels = ZoneSet.PascalVocLabels;
        if (!string.IsNullOrWhiteSpace(options.ZonesFile))
        {
            try
            {
                labels = ZoneSet.Load(options.ZonesFile).Labels;
            }
            catch (ZoneConfigException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
        if (options.Snapshot.Enabled)
        {
            foreach (var cls in options.Snapshot.Classes)
                if (!labels.Contains(cls, StringComparer.OrdinalIgnoreCase))
                    return ValidateOptionsResult.Fail($"Automation:Snapshot:Classes: unknown class '{cls}'");
        }
        return ValidateOptionsResult.Success;
    }
}
