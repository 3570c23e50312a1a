using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Hosting;

/// <summary>
/// Entry point of the daemon (`edgert run`) and its composition root: the one place that wires the daemon's services
/// (EdgeRuntime.Daemon) and the layers built on them (EdgeRuntime.Ota), so neither needs to know the other is there. Configuration, lowest to highest precedence:
/// appsettings.json next to the binary (optional), the file given by --config PATH (or EDGERT_CONFIG),
/// environment variables prefixed EDGERT_ (EDGERT_Mqtt__Host=...), then the command line
/// (--Mqtt:Host=..., or the short switches in <see cref="SwitchMappings"/>).
/// </summary>
internal static class DaemonHost
{
    /// <summary>Short command-line switches and the configuration keys they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--source"] = "Daemon:Source",
        ["--model"] = "Daemon:ModelPath",
        ["--model-version"] = "Daemon:ModelVersion",
        ["--output"] = "Daemon:OutputDirectory",
        ["--threads"] = "Daemon:Threads",
        ["--device"] = "Daemon:DeviceId",
        ["--telemetry-interval"] = "Daemon:TelemetryIntervalMs",
        ["--publish-masks"] = "Daemon:PublishMasks",
        ["--mqtt-host"] = "Mqtt:Host",
        ["--mqtt-port"] = "Mqtt:Port",
        ["--config"] = "Daemon:ConfigFile",
        ["--zones"] = "Automation:ZonesFile",
        ["--console"] = "Console:Enabled",
        ["--console-bind"] = "Console:Bind",
        ["--console-port"] = "Console:Port",
    };

    /// <summary>
    /// Runs the daemon until SIGTERM/Ctrl+C or the end of a finite source. Returns the process exit code:
    /// 0 normally, 1 when the frame loop failed, 2 for bad configuration.
    /// </summary>
    /// <param name="args">Command-line arguments (without the "run" verb; unknown positional words are ignored).</param>
    /// <param name="segmenterFactory">Loads the model: <c>options =&gt; new Segmenter(options.ModelPath)</c>.</param>
    /// <param name="frameSourceFactory">Opens the source URI: <c>uri =&gt; FrameSourceFactory.Create(uri)</c>.</param>
    /// <param name="configure">Plugs in optional hooks (PNG writer, mask PNG encoder, decoder, watchdog).</param>
    public static int Run(
        string[] args,
        Func<DaemonOptions, ISegmenter> segmenterFactory,
        Func<string, IFrameSource> frameSourceFactory,
        Action<DaemonHooks>? configure = null)
    {
        var hooks = new DaemonHooks { CreateSegmenter = segmenterFactory, OpenSource = frameSourceFactory };
        configure?.Invoke(hooks);
        return RunAsync(args, hooks).GetAwaiter().GetResult();
    }

    /// <summary>Async form of <see cref="Run"/>.</summary>
    public static async Task<int> RunAsync(string[] args, DaemonHooks hooks, CancellationToken cancellationToken = default)
    {
        HostApplicationBuilder builder;
        try
        {
            builder = CreateBuilder(args, hooks);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"edgert: configuration error: {ex.Message}");
            return 2;
        }
        using var host = builder.Build();
        return await RunHostAsync(host, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a host made by <see cref="CreateBuilder"/> until it stops and returns the exit code.
    /// The host is not disposed (the caller owns it).
    /// </summary>
    public static async Task<int> RunHostAsync(IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var status = host.Services.GetRequiredService<DaemonStatus>();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            Console.Error.WriteLine($"edgert: invalid configuration: {string.Join("; ", ex.Failures)}");
            try { await host.StopAsync(CancellationToken.None).ConfigureAwait(false); } catch (Exception) { /* best effort */ }
            return 2;
        }
        return status.ExitCode;
    }

    /// <summary>
    /// The host builder with configuration, logging, systemd integration and the daemon's services.
    /// Tests and the CLI can add configuration sources or replace services before building.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, DaemonHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(hooks);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            DisableDefaults = true,
            ApplicationName = "edgert",
            ContentRootPath = AppContext.BaseDirectory,
        });

        var config = builder.Configuration;
        config.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        string? configFile = FindConfigFile(args) ?? NullIfEmpty(Environment.GetEnvironmentVariable("EDGERT_CONFIG"));
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full)) throw new FileNotFoundException($"config file {full} does not exist", full);
            config.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        config.AddEnvironmentVariables("EDGERT_");
        config.AddCommandLine(args, new Dictionary<string, string>(SwitchMappings, StringComparer.OrdinalIgnoreCase));

        builder.Logging.AddConfiguration(config.GetSection("Logging"));
        // A start-up failure is reported once, as one line, by RunHostAsync; the host's own "Hosting failed to start"
        // critical entry would repeat it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (SystemdHelpers.IsSystemdService())
            builder.Logging.AddConsole(); // AddSystemd switches it to the journal-friendly format
        else
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });

        // Type=notify: READY=1 once started, STOPPING=1 on shutdown, SIGTERM handling. No-op outside systemd.
        builder.Services.AddSystemd();
        // Components supervise themselves (Supervisor); should one still end with an exception, the host keeps running.
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
        AddDaemonServices(builder.Services, config, hooks);
        return builder;
    }

    /// <summary>Registers options, the MQTT service and the frame loop.</summary>
    public static void AddDaemonServices(IServiceCollection services, IConfiguration config, DaemonHooks hooks)
    {
        services.AddOptions<DaemonOptions>()
            .Bind(config.GetSection(DaemonOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Source), "Daemon:Source is required (--source URI)")
            .Validate(o => o.TelemetryIntervalMs > 0, "Daemon:TelemetryIntervalMs must be > 0")
            .Validate(o => o.MaxConsecutiveFailures > 0, "Daemon:MaxConsecutiveFailures must be > 0")
            .Validate(o => o.OutputEveryNthFrame > 0, "Daemon:OutputEveryNthFrame must be > 0")
            .PostConfigure<IOptions<MqttOptions>>((d, m) => d.DeviceId = m.Value.DeviceId)
            .ValidateOnStart();

        services.AddOptions<MqttOptions>()
            .Bind(config.GetSection(MqttOptions.SectionName))
            .PostConfigure(m => m.DeviceId = ResolveDeviceId(config))
            .Validate(m => MqttOptionsError(m) is null, "invalid Mqtt settings (see the log line above)")
            .ValidateOnStart();

        services.AddSingleton(hooks);
        services.AddSingleton<DaemonStatus>();
        services.AddSingleton<IWatchdogNotifier>(sp => hooks.Watchdog ?? new SystemdWatchdogNotifier(sp.GetService<ISystemdNotifier>()));
        services.AddSingleton<MqttHostedService>();
        services.AddSingleton<ITelemetryPublisher>(sp => sp.GetRequiredService<MqttHostedService>());
        // Order matters: MQTT starts before the frame loop and stops after it (so "stopped" is the last word).
        services.AddHostedService(sp => sp.GetRequiredService<MqttHostedService>());
        services.AddSingleton<SegmenterSwitch>();
        // OTA (when Ota:StateDirectory is set) starts after MQTT and before the frame loop: it picks the boot model.
        OtaServiceRegistration.AddOta(services, config);
        ZoneServiceRegistration.AddZones(services, config); // zones, events, Home Assistant discovery, snapshots
        // GPIO (safe outputs, trigger gate, status LED) and thermal protection start before the frame loop, stop after it.
        AutomationRegistration.AddAutomation(services, config);
        // The local console (when Console:Enabled) starts before the frame loop and stops after it; metrics always.
        WebConsole.ConsoleRegistration.AddConsole(services, config);
        services.AddHostedService<FrameLoopService>();
        services.AddHostedService<StatusLineService>();
    }

    /// <summary>Daemon:DeviceId, else Mqtt:DeviceId, else the host name (made topic-safe).</summary>
    internal static string ResolveDeviceId(IConfiguration config)
    {
        string? id = NullIfEmpty(config[$"{DaemonOptions.SectionName}:DeviceId"]) ?? NullIfEmpty(config[$"{MqttOptions.SectionName}:DeviceId"]);
        return TopicLayout.SanitizeDeviceId(id ?? Environment.MachineName);
    }

    /// <summary>The validation error of MQTT settings that do not name a host yet (embedded broker case), or null.</summary>
    internal static string? MqttOptionsError(MqttOptions m)
    {
        var probe = m.Clone();
        if (string.IsNullOrWhiteSpace(probe.Host)) probe.Host = "127.0.0.1";
        try
        {
            probe.Validate();
            return null;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"edgert: {ex.Message}");
            return ex.Message;
        }
    }

    internal static string? FindConfigFile(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (string.Equals(args[i], "--config", StringComparison.OrdinalIgnoreCase) && i + 1 < args.Length) return args[i + 1];
            if (args[i].StartsWith("--config=", StringComparison.OrdinalIgnoreCase)) return args[i]["--config=".Length..];
        }
        return null;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
