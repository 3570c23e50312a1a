using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Daemon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// Adds the metrics (always: they cost nothing unscraped) and, with Console:Enabled, the preview holder and the console
/// server. Without the console the frame loop's preview dependency stays null and it never copies a frame.
/// </summary>
internal static class ConsoleRegistration
{
    public static void AddConsole(IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(sp => new DaemonMetrics(sp.GetRequiredService<DaemonStatus>(), sp.GetRequiredService<SegmenterSwitch>(),
            sp.GetService<Telemetry.ITelemetryPublisher>(), sp));
        var options = new ConsoleOptions();
        config.GetSection(ConsoleOptions.SectionName).Bind(options);
        services.AddSingleton(Options.Create(options));
        if (!options.Enabled) return;
        services.AddSingleton(sp => new LivePreview(options, sp.GetRequiredService<IOptions<AutomationOptions>>().Value, sp.GetService<ZoneSet>()));
        services.AddSingleton<IFramePreview>(sp => sp.GetRequiredService<LivePreview>());
        services.AddSingleton<ConsoleServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsoleServer>());
    }
}
