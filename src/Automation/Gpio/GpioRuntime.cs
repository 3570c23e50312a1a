using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// The daemon's GPIO: opened by <see cref="GpioService"/> at start, then the zone-transition sink (outputs), the
/// inference gate (trigger inputs) and the status LED. Registered once in DI under both contracts, so the zone
/// rules and the frame loop need not know about pins. Before it is opened (or with no pins) it does nothing and
/// lets every frame through.
/// </summary>
public sealed class GpioRuntime : IZoneTransitionSink, IInferenceGate, IInferenceGateTelemetry, IDisposable
{
    private readonly GpioOptions _options;
    private readonly IGpioDriverFactory _drivers;
    private readonly IDeviceStatus _status;
    private readonly TimeProvider _clock;
    private readonly ILogger<GpioRuntime> _logger;
    private GpioPinBank? _bank;
    private OutputBank? _outputs;
    private TriggerGate? _gate;
    private StatusLed? _led;

    public GpioRuntime(IOptions<GpioOptions> options, IGpioDriverFactory drivers, IDeviceStatus status, TimeProvider clock, ILogger<GpioRuntime> logger)
    {
        _options = options.Value;
        _drivers = drivers;
        _status = status;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The chip is open and every configured pin is set up.</summary>
    public bool IsOpen => _bank is not null;

    public OutputBank? Outputs => _outputs;
    public TriggerGate? Gate => _gate;
    public StatusLed? Led => _led;

    /// <summary>Opens the chip and every configured pin, outputs at their inactive level. Throws <see cref="GpioSetupException"/>.</summary>
    public void Open()
    {
        if (!_options.AnyPin || _bank is not null) return;
        var bank = GpioPinBank.Open(_options, _drivers);
        var controller = bank.Controller;
        _outputs = new OutputBank(
            [.. _options.Outputs.Select(o => new OutputChannel(controller, GpioPinBank.ToLine(_options, o.Pin), o))], _clock, _logger);
        if (_options.Triggers.Count > 0)
            _gate = new TriggerGate(controller, [.. _options.Triggers.Select(t => (GpioPinBank.ToLine(_options, t.Pin), t.ActiveLow))],
                _options.TriggerTrailingFrames, _options.InferencePowerWatts);
        if (_options.StatusLed.Pin >= 0)
            _led = new StatusLed(controller, GpioPinBank.ToLine(_options, _options.StatusLed.Pin), _options.StatusLed.ActiveLow,
                _options.StatusLed.StallMs, _status, _clock);
        _bank = bank;
        _logger.LogInformation("GPIO on gpiochip{Chip} ({Driver}, {Numbering} numbering): {Outputs} outputs, {Triggers} triggers, status LED {Led}",
            _options.Chip, _options.Driver, _options.Numbering, _options.Outputs.Count, _options.Triggers.Count, _led is null ? "none" : "on");
    }

    public void OnZoneTransition(in ZoneTransition transition) => _outputs?.OnZoneTransition(transition);

    public bool ShouldInfer() => _gate?.ShouldInfer() ?? true;

    public InferenceGateStats Snapshot() => _gate?.Snapshot() ?? new InferenceGateStats { DutyCycle = 1 };

    /// <summary>Timers of outputs and the status LED (called every Gpio:TickMs).</summary>
    public void Tick()
    {
        _outputs?.Tick();
        try
        {
            _led?.Tick();
        }
        catch (Exception ex)
        {
            _logger.LogDebug("Status LED write failed: {Error}", ex.Message);
        }
    }

    /// <summary>Outputs and LED to their inactive level (shutdown); pins stay open until <see cref="Dispose"/>.</summary>
    public void SafeState()
    {
        _outputs?.SafeState();
        try
        {
            _led?.Off();
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Status LED could not be switched off: {Error}", ex.Message);
        }
    }

    public void Dispose()
    {
        _gate?.Dispose();
        _bank?.Dispose();
        _bank = null;
    }
}
