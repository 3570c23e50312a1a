using System.Device.Gpio;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// One output pin and its timing: hold (on while demanded, plus HoldMs), pulse (PulseMs from the moment demand
/// starts) and a minimum on-time. Writes go to the pin at once when the decision can be made now (so a transition
/// switches the pin inside the frame's publish step); delayed switch-offs are made by <see cref="Tick"/>.
/// Not thread-safe: <see cref="OutputBank"/> serialises calls.
/// </summary>
public sealed class OutputChannel
{
    private readonly GpioController _controller;
    private readonly int _line;
    private readonly bool _pulse;
    private readonly TimeSpan _hold, _pulseLength, _minOn;
    private bool _demanded;
    private DateTimeOffset _onSince;
    private DateTimeOffset? _offAt;

    public OutputChannel(GpioController controller, int line, GpioOutputOptions options)
    {
        _controller = controller;
        _line = line;
        Options = options;
        ActiveLow = options.ActiveLow;
        _pulse = string.Equals(options.Mode, OutputModes.Pulse, StringComparison.OrdinalIgnoreCase);
        _hold = TimeSpan.FromMilliseconds(options.HoldMs);
        _pulseLength = TimeSpan.FromMilliseconds(options.PulseMs);
        _minOn = TimeSpan.FromMilliseconds(options.MinOnMs);
    }

    public GpioOutputOptions Options { get; }
    public bool ActiveLow { get; }
    public int Line => _line;
    public bool IsOn { get; private set; }

    /// <summary>The rule's condition (zone occupied) became true or false at <paramref name="now"/>.</summary>
    public void SetDemand(bool demanded, DateTimeOffset now)
    {
        bool rising = demanded && !_demanded;
        _demanded = demanded;
        if (_pulse)
        {
            if (!rising) return;
            if (!IsOn) SwitchOn(now);
            _offAt = Later(now + _pulseLength, _onSince + _minOn);
            return;
        }
        if (demanded)
        {
            if (!IsOn) SwitchOn(now);
            _offAt = null;
            return;
        }
        if (!IsOn) return;
        _offAt = Later(now + _hold, _onSince + _minOn);
        Tick(now);
    }

    /// <summary>Switches off when a hold, pulse or minimum on-time has run out.</summary>
    public void Tick(DateTimeOffset now)
    {
        if (IsOn && _offAt is { } offAt && now >= offAt && (_pulse || !_demanded))
        {
            _offAt = null;
            IsOn = false;
            Write(false);
        }
    }

    /// <summary>The inactive level, whatever the timers say (shutdown).</summary>
    public void SafeState()
    {
        IsOn = false;
        _offAt = null;
        _demanded = false;
        Write(false);
    }

    private void SwitchOn(DateTimeOffset now)
    {
        IsOn = true;
        _onSince = now;
        Write(true);
    }

    private void Write(bool on) => _controller.Write(_line, GpioPinBank.Level(on, ActiveLow));

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
