using System.Diagnostics;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Wiring;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;
using EdgeRuntime.WebConsole.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.WebConsole;

/// <summary>What the console's handlers read: the daemon's services (resolved from the daemon's container) and its own settings.</summary>
internal sealed class ConsoleContext(ConsoleOptions options, ConsoleAuth auth, PrometheusCollector collector, IServiceProvider services, bool https)
{
    public ConsoleOptions Options { get; } = options;
    public ConsoleAuth Auth { get; } = auth;
    public PrometheusCollector Collector { get; } = collector;
    public bool Https { get; } = https;
    public DaemonStatus Status { get; } = services.GetRequiredService<DaemonStatus>();
    public SegmenterSwitch Switch { get; } = services.GetRequiredService<SegmenterSwitch>();
    public LivePreview Preview { get; } = services.GetRequiredService<LivePreview>();
    public ZoneAutomation? Zones { get; } = services.GetService<ZoneAutomation>();
    public AutomationOptions Automation { get; } = services.GetRequiredService<IOptions<AutomationOptions>>().Value;
    public DaemonOptions Daemon { get; } = services.GetRequiredService<IOptions<DaemonOptions>>().Value;
    public IServiceProvider Services { get; } = services;
    public long StartTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>The OTA agent when Ota:StateDirectory is set (looked up late: it is optional).</summary>
    public OtaAgent? Ota => Services.GetService<OtaAgent>();

    /// <summary>Serializes zone saves (validate, write, reload) so two editors cannot interleave a file write.</summary>
    public SemaphoreSlim ZonesWrite { get; } = new(1, 1);
}
