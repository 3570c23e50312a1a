using EdgeRuntime.Automation.Thermal;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRuntime.Tests.Automation;

/// <summary>Thermal protection with an injected temperature source and a manual clock.</summary>
public sealed class ThermalGovernorTests
{
    private sealed class FakeTemperature : ICpuTemperatureSource
    {
        public double? Celsius { get; set; }
        public int Reads { get; private set; }
        public double? ReadCelsius()
        {
            Reads++;
            return Celsius;
        }
    }

    private static (ThermalGovernor Governor, FakeTemperature Sensor, ManualClock Clock) Create(ThermalOptions? options = null)
    {
        var sensor = new FakeTemperature();
        var clock = new ManualClock();
        options ??= new ThermalOptions { ThrottleAboveC = 75, ResumeBelowC = 68, ThrottledFps = 2, CheckIntervalMs = 1000 };
        return (new ThermalGovernor(Microsoft.Extensions.Options.Options.Create(options), sensor, clock, NullLogger<ThermalGovernor>.Instance), sensor, clock);
    }

    [Fact]
    public void ThrottlesAboveLimit_WithHysteresis_AndCapsTheFrameRate()
    {
        var (governor, sensor, clock) = Create();
        sensor.Celsius = 60;
        Assert.Equal(TimeSpan.Zero, governor.DelayBeforeNextFrame());
        governor.MarkFrameStart();
        Assert.Equal("ok", governor.Snapshot().State);

        sensor.Celsius = 76;
        clock.AdvanceMs(1000);
        governor.MarkFrameStart();
        clock.AdvanceMs(100); // the frame took 100 ms; at 2 fps the next one waits 400 ms more
        Assert.Equal(TimeSpan.FromMilliseconds(400), governor.DelayBeforeNextFrame());
        var hot = governor.Snapshot();
        Assert.Equal("throttled", hot.State);
        Assert.Equal(2, hot.MaxFps);
        Assert.Equal(76, governor.LastCelsius);

        sensor.Celsius = 70; // below the limit but above ResumeBelowC: still throttled
        clock.AdvanceMs(1000);
        governor.Sample();
        Assert.True(governor.Throttled);

        sensor.Celsius = 67;
        clock.AdvanceMs(1000);
        governor.Sample();
        Assert.False(governor.Throttled);
        Assert.Equal(TimeSpan.Zero, governor.DelayBeforeNextFrame());
        Assert.Null(governor.Snapshot().MaxFps);
        Assert.Equal(1, governor.Snapshot().Throttles);

        sensor.Celsius = 80;
        clock.AdvanceMs(1000);
        governor.Sample();
        Assert.Equal(2, governor.Snapshot().Throttles);
    }

    [Fact]
    public void ReadsTheSensorOncePerCheckInterval()
    {
        var (governor, sensor, clock) = Create();
        sensor.Celsius = 50;
        for (int i = 0; i < 100; i++)
        {
            governor.DelayBeforeNextFrame();
            clock.AdvanceMs(25); // 40 fps for 2.5 s
        }
        Assert.Equal(3, sensor.Reads); // at 0, 1000 and 2000 ms
    }

    [Fact]
    public void SensorMissing_ReportsNotAvailable_AndNeverThrottles()
    {
        var (governor, sensor, clock) = Create();
        sensor.Celsius = null;
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(TimeSpan.Zero, governor.DelayBeforeNextFrame());
            governor.MarkFrameStart();
            clock.AdvanceMs(1000);
        }
        Assert.Null(governor.LastCelsius);
        Assert.Equal("not available", governor.Snapshot().State);
    }

    [Fact]
    public void Disabled_ReportsTheTemperature_ButDoesNotThrottle()
    {
        var (governor, sensor, _) = Create(new ThermalOptions { Enabled = false });
        sensor.Celsius = 95;
        governor.Sample();
        Assert.False(governor.Throttled);
        Assert.Equal(95, governor.LastCelsius);
        Assert.Equal("disabled", governor.Snapshot().State);
    }

    [Fact]
    public void IotBindingSource_IsNotAvailable_WhereTheThermalZoneIsMissing()
    {
        using var source = new IotCpuTemperatureSource();
        double? c = source.ReadCelsius();
        if (File.Exists("/sys/class/thermal/thermal_zone0/temp"))
            Assert.InRange(c ?? double.NaN, -40, 150); // a board: a plausible SoC temperature
        else
            Assert.Null(c); // this build box and most containers: "not available", not a number
    }

    [Fact]
    public void BindingValue_IsReadAsCelsius_AndOtherUnitsAreNotGuessed()
    {
        Assert.Null(IotCpuTemperatureSource.CheckConversion());
        Assert.Equal(41.6, IotCpuTemperatureSource.Celsius(UnitsNet.Temperature.FromDegreesCelsius(41.57)));
        Assert.Null(IotCpuTemperatureSource.Celsius(UnitsNet.Temperature.FromKelvins(300)));
    }

    [Fact]
    public void OptionErrors_NameTheKeys()
    {
        var errors = ThermalOptions.Errors(new ThermalOptions { ThrottleAboveC = 70, ResumeBelowC = 72, ThrottledFps = 0, CheckIntervalMs = 1 });
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Thermal:ResumeBelowC", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Thermal:ThrottledFps", StringComparison.Ordinal));
        Assert.Empty(ThermalOptions.Errors(new ThermalOptions()));
    }
}
