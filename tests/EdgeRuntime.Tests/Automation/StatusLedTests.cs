using System.Device.Gpio;
using EdgeRuntime.Automation.Gpio;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRuntime.Tests.Automation;

/// <summary>Status LED blink codes, driven by a manual clock (no sleeps): flashes per period are counted on the driver's writes.</summary>
public sealed class StatusLedTests
{
    private const int Led = 27;

    private static (GpioRuntime Gpio, RecordingGpioDriver Driver, ManualClock Clock, FakeDeviceStatus Status) Open(bool activeLow = false)
    {
        var driver = new RecordingGpioDriver();
        var clock = new ManualClock();
        var status = new FakeDeviceStatus();
        var options = new GpioOptions { StatusLed = new GpioStatusLedOptions { Pin = Led, ActiveLow = activeLow, StallMs = 3000 } };
        var gpio = new GpioRuntime(Microsoft.Extensions.Options.Options.Create(options), new RecordingDriverFactory(driver), status, clock, NullLogger<GpioRuntime>.Instance);
        gpio.Open();
        return (gpio, driver, clock, status);
    }

    /// <summary>Ticks every 10 ms for <paramref name="ms"/>, frames progressing when asked; returns the flashes (turn-ons) seen.</summary>
    private static int Run(GpioRuntime gpio, RecordingGpioDriver driver, ManualClock clock, FakeDeviceStatus status, int ms, bool progress = true, bool activeLow = false)
    {
        int before = Flashes(driver, activeLow);
        for (int t = 0; t < ms; t += 10)
        {
            if (progress) status.Progress++;
            gpio.Tick();
            clock.AdvanceMs(10);
        }
        return Flashes(driver, activeLow) - before;
    }

    private static int Flashes(RecordingGpioDriver driver, bool activeLow) =>
        driver.WritesTo(Led).Count(w => w.Value == (activeLow ? PinValue.Low : PinValue.High));

    [Fact]
    public void Heartbeat_OneShortFlashPerSecond_WhileFramesProgress()
    {
        var (gpio, driver, clock, status) = Open();
        Assert.Equal(5, Run(gpio, driver, clock, status, 5000));
        Assert.Equal(StatusCode.Heartbeat, gpio.Led!.Code);
        // Lit for 100 ms of each second: sample one period.
        int litTicks = 0;
        for (int t = 0; t < 1000; t += 10)
        {
            status.Progress++;
            gpio.Tick();
            if (driver.LevelOf(Led) == PinValue.High) litTicks++;
            clock.AdvanceMs(10);
        }
        Assert.Equal(10, litTicks);
    }

    [Fact]
    public void NoFrameProgress_GoesDarkAfterStallTime()
    {
        var (gpio, driver, clock, status) = Open();
        Run(gpio, driver, clock, status, 1000);
        Run(gpio, driver, clock, status, 3000, progress: false);
        Assert.Equal(StatusCode.Stalled, gpio.Led!.Code);
        Assert.Equal(0, Run(gpio, driver, clock, status, 5000, progress: false));
        Assert.Equal(PinValue.Low, driver.LevelOf(Led));
        Run(gpio, driver, clock, status, 20);
        Assert.Equal(StatusCode.Heartbeat, gpio.Led.Code); // frames again: heartbeat again
    }

    [Fact]
    public void BrokerOffline_TwoFlashesEveryTwoSeconds()
    {
        var (gpio, driver, clock, status) = Open();
        status.BrokerOnline = false;
        Assert.Equal(6, Run(gpio, driver, clock, status, 6000));
        Assert.Equal(StatusCode.BrokerOffline, gpio.Led!.Code);
    }

    [Fact]
    public void OtaInProgress_FastEvenBlink()
    {
        var (gpio, driver, clock, status) = Open();
        status.Ota = OtaPhase.InProgress;
        status.BrokerOnline = false; // OTA outranks a broker outage
        Assert.Equal(10, Run(gpio, driver, clock, status, 2000));
        Assert.Equal(StatusCode.OtaInProgress, gpio.Led!.Code);
    }

    [Fact]
    public void Rollback_ThreeFlashesEveryTwoAndAHalfSeconds_ActiveLow()
    {
        var (gpio, driver, clock, status) = Open(activeLow: true);
        status.Ota = OtaPhase.RolledBack;
        Assert.Equal(6, Run(gpio, driver, clock, status, 5000, activeLow: true));
        Assert.Equal(StatusCode.Rollback, gpio.Led!.Code);
        Assert.Equal(PinValue.High, driver.WritesTo(Led)[0].Value); // off at start = high for an active-low LED
    }

    [Fact]
    public void EveryCode_HasItsOwnPattern()
    {
        var patterns = Enum.GetValues<StatusCode>().Select(c => string.Join(',', BlinkCodes.Pattern(c).ToArray())).ToList();
        Assert.Equal(patterns.Count, patterns.Distinct().Count());
    }
}
