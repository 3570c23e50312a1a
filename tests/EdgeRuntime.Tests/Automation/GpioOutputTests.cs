using System.Device.Gpio;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Gpio;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Tests.Automation;

/// <summary>Zone rules to pin writes: active-low, hold, pulse, minimum on-time, safe state at start and stop.</summary>
public sealed class GpioOutputTests
{
    private const int Line = 17;

    private static GpioOptions Options(GpioOutputOptions output) => new() { Outputs = [output] };

    private static GpioOutputOptions Relay(string mode = OutputModes.Hold, bool activeLow = false, int holdMs = 0, int pulseMs = 500, int minOnMs = 0, string cls = "") =>
        new() { Name = "relay", Pin = Line, Zone = "doorway", Class = cls, Mode = mode, ActiveLow = activeLow, HoldMs = holdMs, PulseMs = pulseMs, MinOnMs = minOnMs };

    private static (GpioRuntime Runtime, RecordingGpioDriver Driver, ManualClock Clock) Open(GpioOptions options, RecordingGpioDriver? driver = null)
    {
        driver ??= new RecordingGpioDriver();
        var clock = new ManualClock();
        var runtime = new GpioRuntime(Microsoft.Extensions.Options.Options.Create(options), new RecordingDriverFactory(driver), new FakeDeviceStatus(), clock,
            NullLogger<GpioRuntime>.Instance);
        runtime.Open();
        return (runtime, driver, clock);
    }

    private static ZoneTransition Occupied(string cls = "person", string zone = "doorway") => new(zone, cls, ZoneState.Occupied, 0.4, 1, DateTimeOffset.UnixEpoch);
    private static ZoneTransition Clear(string cls = "person", string zone = "doorway") => new(zone, cls, ZoneState.Clear, 0.0, 2, DateTimeOffset.UnixEpoch);

    [Fact]
    public void ActiveLowHold_OnAtOccupied_StaysForHold_ThenInactiveHigh()
    {
        var (gpio, driver, clock) = Open(Options(Relay(activeLow: true, holdMs: 2000)));
        Assert.Equal(PinValue.High, driver.LevelOf(Line)); // safe state at start: inactive = high for active-low
        Assert.Equal(PinMode.Output, driver.ModeOf(Line));

        gpio.OnZoneTransition(Occupied());
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));

        clock.AdvanceMs(10_000); // occupancy lasts: no timer may switch it off
        gpio.Tick();
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));

        gpio.OnZoneTransition(Clear());
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));
        clock.AdvanceMs(1999);
        gpio.Tick();
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));
        clock.AdvanceMs(1);
        gpio.Tick();
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        Assert.Equal([PinValue.High, PinValue.Low, PinValue.High], driver.WritesTo(Line).Select(w => w.Value));
    }

    [Fact]
    public void HoldWithoutHoldTime_SwitchesOffInTheClearTransitionItself()
    {
        var (gpio, driver, _) = Open(Options(Relay()));
        gpio.OnZoneTransition(Occupied());
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        gpio.OnZoneTransition(Clear());
        Assert.Equal(PinValue.Low, driver.LevelOf(Line)); // no tick needed
    }

    [Fact]
    public void Reoccupied_DuringHold_CancelsTheSwitchOff()
    {
        var (gpio, driver, clock) = Open(Options(Relay(holdMs: 1000)));
        gpio.OnZoneTransition(Occupied());
        gpio.OnZoneTransition(Clear());
        clock.AdvanceMs(500);
        gpio.OnZoneTransition(Occupied());
        clock.AdvanceMs(5000);
        gpio.Tick();
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        Assert.Equal(2, driver.WritesTo(Line).Count); // start (low) and on: no off/on flicker
    }

    [Fact]
    public void MinimumOnTime_KeepsAShortOccupancyOnUntilItEnds()
    {
        var (gpio, driver, clock) = Open(Options(Relay(minOnMs: 5000)));
        gpio.OnZoneTransition(Occupied());
        clock.AdvanceMs(1000);
        gpio.OnZoneTransition(Clear());
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        clock.AdvanceMs(3999);
        gpio.Tick();
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        clock.AdvanceMs(1);
        gpio.Tick();
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));
    }

    [Fact]
    public void Pulse_OnForPulseLength_IgnoresClear_RetriggersOnNextOccupancy()
    {
        var (gpio, driver, clock) = Open(Options(Relay(mode: OutputModes.Pulse, pulseMs: 500)));
        gpio.OnZoneTransition(Occupied());
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        gpio.OnZoneTransition(Clear());
        Assert.Equal(PinValue.High, driver.LevelOf(Line)); // a pulse runs its length
        clock.AdvanceMs(499);
        gpio.Tick();
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        clock.AdvanceMs(1);
        gpio.Tick();
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));

        clock.AdvanceMs(10_000);
        gpio.OnZoneTransition(Occupied());
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        clock.AdvanceMs(500);
        gpio.Tick();
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low, PinValue.High, PinValue.Low], driver.WritesTo(Line).Select(w => w.Value));
    }

    [Fact]
    public void Pulse_WhileStillOccupied_EndsAfterPulseLength()
    {
        var (gpio, driver, clock) = Open(Options(Relay(mode: OutputModes.Pulse, pulseMs: 300)));
        gpio.OnZoneTransition(Occupied());
        clock.AdvanceMs(300);
        gpio.Tick();
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));
    }

    [Fact]
    public void ClassFilter_And_AnyClass()
    {
        var options = new GpioOptions
        {
            Outputs =
            [
                new GpioOutputOptions { Name = "person-only", Pin = 5, Zone = "doorway", Class = "person" },
                new GpioOutputOptions { Name = "any", Pin = 6, Zone = "doorway" },
                new GpioOutputOptions { Name = "other-zone", Pin = 13, Zone = "garage" },
            ],
        };
        var (gpio, driver, _) = Open(options);
        gpio.OnZoneTransition(Occupied("dog"));
        Assert.Equal(PinValue.Low, driver.LevelOf(5));
        Assert.Equal(PinValue.High, driver.LevelOf(6));
        gpio.OnZoneTransition(Occupied("person"));
        Assert.Equal(PinValue.High, driver.LevelOf(5));
        gpio.OnZoneTransition(Clear("person"));
        Assert.Equal(PinValue.Low, driver.LevelOf(5));
        Assert.Equal(PinValue.High, driver.LevelOf(6)); // the dog is still there
        gpio.OnZoneTransition(Clear("dog"));
        Assert.Equal(PinValue.Low, driver.LevelOf(6));
        Assert.Single(driver.WritesTo(13)); // only its safe state at start
    }

    [Fact]
    public void StartAfterCrash_ForcesTheInactiveLevel_WhateverTheLineWasLeftAt()
    {
        var driver = new RecordingGpioDriver();
        driver.Preset(Line, PinValue.Low); // an active-low relay left ON by a process that died
        var (_, _, _) = Open(Options(Relay(activeLow: true)), driver);
        Assert.Equal(PinValue.High, driver.LevelOf(Line));
        Assert.Equal(PinValue.High, driver.WritesTo(Line)[0].Value);
    }

    [Fact]
    public async Task Service_StopReturnsOutputsToSafeState_AndClosesTheChip()
    {
        var driver = new RecordingGpioDriver();
        var clock = new ManualClock();
        var options = Microsoft.Extensions.Options.Options.Create(new GpioOptions
        {
            Outputs = [Relay(activeLow: true, holdMs: 60_000)],
            StatusLed = new GpioStatusLedOptions { Pin = 27 },
        });
        var runtime = new GpioRuntime(options, new RecordingDriverFactory(driver), new FakeDeviceStatus { Progress = 1 }, clock, NullLogger<GpioRuntime>.Instance);
        var service = new GpioService(runtime, options, TimeProvider.System, NullLogger<GpioService>.Instance);
        await service.StartAsync(CancellationToken.None);
        runtime.OnZoneTransition(Occupied());
        runtime.Tick();
        Assert.Equal(PinValue.Low, driver.LevelOf(Line));
        Assert.Equal(PinValue.High, driver.LevelOf(27)); // heartbeat's first flash

        await service.StopAsync(CancellationToken.None);
        Assert.Equal(PinValue.High, driver.WritesTo(Line)[^1].Value); // the hold was cut short: stopping is safe state
        Assert.Equal(PinValue.Low, driver.WritesTo(27)[^1].Value);
        Assert.Empty(driver.OpenLines);
        Assert.True(driver.Disposed);
    }
}

/// <summary>The daemon's state as the status LED sees it, set by the test.</summary>
internal sealed class FakeDeviceStatus : IDeviceStatus
{
    public long Progress { get; set; }
    public long FrameProgress => Progress;
    public bool BrokerOnline { get; set; } = true;
    public OtaPhase Ota { get; set; }
}
