using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Gpio;
using EdgeRuntime.Automation.Thermal;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Adds GPIO (Gpio section: outputs as a zone-transition sink, trigger inputs as the inference gate, status LED)
/// and thermal protection (Thermal section) to the daemon. Tests replace <see cref="IGpioDriverFactory"/>,
/// <see cref="ICpuTemperatureSource"/> or <see cref="TimeProvider"/> by registering their own after this.
/// </summary>
public static class AutomationRegistration
{
    public static void AddAutomation(IServiceCollection services, IConfiguration config)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<ThermalOptions>().Bind(config.GetSection(ThermalOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ThermalOptions>, ThermalOptionsValidator>();
        services.TryAddSingleton<ICpuTemperatureSource, IotCpuTemperatureSource>();
        services.AddSingleton<ThermalGovernor>();

        var gpio = config.GetSection(GpioOptions.SectionName);
        services.AddOptions<GpioOptions>().Bind(gpio).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GpioOptions>, GpioOptionsValidator>();
        services.TryAddSingleton<IGpioDriverFactory, LibGpiodDriverFactory>();
        services.AddSingleton<IDeviceStatus, DaemonDeviceStatus>();
        services.AddSingleton<GpioRuntime>();
        services.AddSingleton<IZoneTransitionSink>(sp => sp.GetRequiredService<GpioRuntime>());
        // Only with trigger inputs does the frame loop skip frames.
        if (gpio.GetSection(nameof(GpioOptions.Triggers)).GetChildren().Any())
            services.AddSingleton<IInferenceGate>(sp => sp.GetRequiredService<GpioRuntime>());
        services.AddHostedService<GpioService>();
    }

    /// <summary>The one-line reasons of an invalid Thermal section.</summary>
    private sealed class ThermalOptionsValidator : IValidateOptions<ThermalOptions>
    {
        public ValidateOptionsResult Validate(string? name, ThermalOptions options)
        {
            var errors = ThermalOptions.Errors(options);
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    /// <summary>The status LED's view of the daemon: frame progress, broker connection, OTA lifecycle.</summary>
    private sealed class DaemonDeviceStatus(DaemonStatus status, ITelemetryPublisher publisher, IOptions<DaemonOptions> daemon, IServiceProvider services) : IDeviceStatus
    {
        private IModelUpdatePhase? _ota;
        private bool _otaLooked;

        public long FrameProgress => status.FramesProcessed + status.FramesGated + status.FramesCorrupt;

        public bool BrokerOnline => !daemon.Value.MqttEnabled || publisher.IsConnected;

        public OtaPhase Ota
        {
            get
            {
                if (!_otaLooked)
                {
                    _ota = services.GetService<IModelUpdatePhase>();
                    _otaLooked = true;
                }
                return _ota?.Phase ?? OtaPhase.Idle;
            }
        }
    }
}
