using System.Device.Gpio;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// Drives the status LED from <see cref="IDeviceStatus"/>: each <see cref="Tick"/> picks the code (rollback, OTA,
/// broker offline, stalled when no frame progress for StallMs, else heartbeat), restarts the pattern when the code
/// changes, and writes the pin only when its level changes. Time comes from the clock, so tests step it.
/// </summary>
public sealed class StatusLed
{
    private readonly GpioController _controller;
    private readonly int _line;
    private readonly bool _activeLow;
    private readonly IDeviceStatus _status;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _stall;
    private long _lastProgress = -1;
    private DateTimeOffset _lastProgressAt, _patternStart;
    private bool? _lit;

    public StatusLed(GpioController controller, int line, bool activeLow, int stallMs, IDeviceStatus status, TimeProvider clock)
    {
        _controller = controller;
        _line = line;
        _activeLow = activeLow;
        _status = status;
        _clock = clock;
        _stall = TimeSpan.FromMilliseconds(stallMs);
        _lastProgressAt = _patternStart = clock.GetUtcNow();
    }

    public StatusCode Code { get; private set; } = StatusCode.Heartbeat;

    public bool IsLit => _lit == true;

    public void Tick()
    {
        var now = _clock.GetUtcNow();
        long progress = _status.FrameProgress;
        if (progress != _lastProgress)
        {
            _lastProgress = progress;
            _lastProgressAt = now;
        }
        var code = _status.Ota switch
        {
            OtaPhase.RolledBack => StatusCode.Rollback,
            OtaPhase.InProgress => StatusCode.OtaInProgress,
            _ when !_status.BrokerOnline => StatusCode.BrokerOffline,
            _ when now - _lastProgressAt >= _stall => StatusCode.Stalled,
            _ => StatusCode.Heartbeat,
        };
        if (code != Code)
        {
            Code = code;
            _patternStart = now;
        }
        bool lit = BlinkCodes.IsOn(code, (long)(now - _patternStart).TotalMilliseconds);
        if (_lit == lit) return;
        _lit = lit;
        _controller.Write(_line, GpioPinBank.Level(lit, _activeLow));
    }

    /// <summary>LED off (shutdown).</summary>
    public void Off()
    {
        _lit = false;
        _controller.Write(_line, GpioPinBank.Level(false, _activeLow));
    }
}
