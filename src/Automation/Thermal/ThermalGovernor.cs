using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Automation.Thermal;

/// <summary>
/// Reads the CPU temperature every Thermal:CheckIntervalMs and caps the frame rate while it is hot: throttling
/// begins at ThrottleAboveC and ends only at ResumeBelowC (hysteresis, so the rate does not flap around one
/// threshold). The frame loop calls <see cref="PaceAsync"/> before each frame. Used from the frame loop's thread only.
/// </summary>
public sealed class ThermalGovernor
{
    private readonly ThermalOptions _options;
    private readonly ICpuTemperatureSource _source;
    private readonly TimeProvider _clock;
    private readonly ILogger<ThermalGovernor> _logger;
    private readonly TimeSpan _checkInterval, _throttledInterval;
    private DateTimeOffset _nextCheck = DateTimeOffset.MinValue, _lastFrameStart = DateTimeOffset.MinValue;
    private bool _warnedUnavailable;
    private long _throttles;

    public ThermalGovernor(IOptions<ThermalOptions> options, ICpuTemperatureSource source, TimeProvider clock, ILogger<ThermalGovernor> logger)
    {
        _options = options.Value;
        _source = source;
        _clock = clock;
        _logger = logger;
        _checkInterval = TimeSpan.FromMilliseconds(_options.CheckIntervalMs);
        _throttledInterval = TimeSpan.FromSeconds(1 / _options.ThrottledFps);
    }

    /// <summary>The latest reading, null when the sensor is not available.</summary>
    public double? LastCelsius { get; private set; }

    public bool Throttled { get; private set; }

    /// <summary>Reads the sensor when a check is due and updates the throttle state.</summary>
    public void Sample()
    {
        var now = _clock.GetUtcNow();
        if (now < _nextCheck) return;
        _nextCheck = now + _checkInterval;
        LastCelsius = _source.ReadCelsius();
        if (LastCelsius is not { } c)
        {
            if (!_warnedUnavailable)
            {
                _warnedUnavailable = true;
                _logger.LogWarning("CPU temperature not available (no thermal sensor readable); thermal protection is inactive");
            }
            return;
        }
        if (!_options.Enabled) return;
        if (!Throttled && c >= _options.ThrottleAboveC)
        {
            Throttled = true;
            _throttles++;
            _logger.LogWarning("CPU at {Temp} °C (>= {Limit} °C): frame rate capped at {Fps} fps until it cools below {Resume} °C",
                c, _options.ThrottleAboveC, _options.ThrottledFps, _options.ResumeBelowC);
        }
        else if (Throttled && c < _options.ResumeBelowC)
        {
            Throttled = false;
            _logger.LogInformation("CPU at {Temp} °C (< {Resume} °C): thermal throttling ended", c, _options.ResumeBelowC);
        }
    }

    /// <summary>How long the next frame must wait so that, while throttled, frames start at most ThrottledFps apart.</summary>
    public TimeSpan DelayBeforeNextFrame()
    {
        Sample();
        if (!Throttled || _lastFrameStart == DateTimeOffset.MinValue) return TimeSpan.Zero;
        var wait = _lastFrameStart + _throttledInterval - _clock.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>Waits out <see cref="DelayBeforeNextFrame"/>, then marks the frame's start.</summary>
    public async ValueTask PaceAsync(CancellationToken ct)
    {
        var wait = DelayBeforeNextFrame();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _clock, ct).ConfigureAwait(false);
        MarkFrameStart();
    }

    public void MarkFrameStart() => _lastFrameStart = _clock.GetUtcNow();

    public ThermalStats Snapshot() => new()
    {
        State = LastCelsius is null ? "not available" : !_options.Enabled ? "disabled" : Throttled ? "throttled" : "ok",
        ThrottleAboveC = _options.ThrottleAboveC,
        ResumeBelowC = _options.ResumeBelowC,
        MaxFps = Throttled ? _options.ThrottledFps : null,
        Throttles = _throttles,
    };
}
