using Microsoft.Extensions.Configuration;
using EdgeRuntime.Daemon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Ota;

/// <summary>Adds the OTA agent to the daemon when Ota:StateDirectory is configured.</summary>
public static class OtaServiceRegistration
{
    public static void AddOta(IServiceCollection services, IConfiguration config)
    {
        var section = config.GetSection(OtaOptions.SectionName);
        services.AddOptions<OtaOptions>().Bind(section)
            .Validate(o => o.HealthFrames > 0, "Ota:HealthFrames must be > 0")
            .Validate(o => o.MaxModelBytes > 0, "Ota:MaxModelBytes must be > 0");
        // The state folder is the OTA setting the daemon's MQTT service also needs (broker credentials).
        services.AddSingleton(sp => new StateDirectory(sp.GetRequiredService<IOptions<OtaOptions>>().Value.StateDirectory));
        if (string.IsNullOrWhiteSpace(section["StateDirectory"])) return;
        services.AddSingleton<OtaAgent>();
        services.AddSingleton<IModelUpdatePhase>(sp => sp.GetRequiredService<OtaAgent>());
        services.AddHostedService(sp => sp.GetRequiredService<OtaAgent>());
    }
}
