using System.Device.Gpio;
using EdgeRuntime.Automation.Gpio;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRuntime.Tests.Automation;

/// <summary>Trigger inputs gate inference: only while triggered plus N frames; duty cycle and power estimate.</summary>
public sealed class TriggerGateTests
{
    private static (GpioRuntime Gate, RecordingGpioDriver Driver) Open(int trailing, double watts = 0, bool activeLow = false, string pull = PullModes.None)
    {
        var driver = new RecordingGpioDriver();
        var options = new GpioOptions
        {
            Triggers = [new GpioTriggerOptions { Name = "pir", Pin = 4, ActiveLow = activeLow, Pull = pull }],
            TriggerTrailingFrames = trailing,
            InferencePowerWatts = watts,
        };
        if (activeLow) driver.Preset(4, PinValue.High); // idle level of a pulled-up button
        var gpio = new GpioRuntime(Microsoft.Extensions.Options.Options.Create(options), new RecordingDriverFactory(driver), new FakeDeviceStatus(),
            new ManualClock(), NullLogger<GpioRuntime>.Instance);
        gpio.Open();
        return (gpio, driver);
    }

    [Fact]
    public void InfersOnlyWhileTriggered_PlusTrailingFrames()
    {
        var (gate, driver) = Open(trailing: 3);
        var decisions = new List<bool>();
        for (int frame = 0; frame < 16; frame++)
        {
            if (frame == 4) driver.SetInput(4, PinValue.High); // PIR sees motion
            if (frame == 7) driver.SetInput(4, PinValue.Low);
            decisions.Add(gate.ShouldInfer());
        }
        // Frames 4-6 triggered, 7-9 the three trailing frames, everything else idle.
        var inferred = decisions.Select((d, i) => (d, i)).Where(x => x.d).Select(x => x.i);
        Assert.Equal([4, 5, 6, 7, 8, 9], inferred);

        var stats = gate.Snapshot();
        Assert.Equal(16, stats.FramesSeen);
        Assert.Equal(6, stats.FramesInferred);
        Assert.Equal(Math.Round(6 / 16.0, 4), stats.DutyCycle);
        Assert.Null(stats.EstimatedSavingW); // no InferencePowerWatts configured
        Assert.False(stats.Triggered);
    }

    [Fact]
    public void APulseShorterThanAFrame_IsLatchedByTheEdgeCallback()
    {
        var (gate, driver) = Open(trailing: 0);
        Assert.False(gate.ShouldInfer());
        driver.SetInput(4, PinValue.High);
        driver.SetInput(4, PinValue.Low); // gone again before the next frame is read
        Assert.True(gate.ShouldInfer());
        Assert.False(gate.ShouldInfer()); // the latch is consumed once
    }

    [Fact]
    public void ActiveLowButtonWithPullUp_TriggersWhenPulledLow()
    {
        var (gate, driver) = Open(trailing: 1, activeLow: true, pull: PullModes.Up);
        Assert.Equal(PinMode.InputPullUp, driver.ModeOf(4));
        Assert.False(gate.ShouldInfer());
        driver.SetInput(4, PinValue.Low);
        Assert.True(gate.ShouldInfer());
        Assert.True(gate.Snapshot().Triggered);
        driver.SetInput(4, PinValue.High);
        Assert.True(gate.ShouldInfer()); // one trailing frame
        Assert.False(gate.ShouldInfer());
    }

    [Fact]
    public void EstimatedSaving_IsIdleShareTimesInferencePower()
    {
        var (gate, driver) = Open(trailing: 0, watts: 2.0);
        driver.SetInput(4, PinValue.High);
        Assert.True(gate.ShouldInfer());
        driver.SetInput(4, PinValue.Low);
        for (int i = 0; i < 3; i++) Assert.False(gate.ShouldInfer());
        var stats = gate.Snapshot();
        Assert.Equal(0.25, stats.DutyCycle);
        Assert.Equal(1.5, stats.EstimatedSavingW); // 75 % idle x 2 W
    }

    [Fact]
    public void WithoutTriggers_EveryFrameIsInferred()
    {
        var gpio = new GpioRuntime(Microsoft.Extensions.Options.Options.Create(new GpioOptions()), new RecordingDriverFactory(new RecordingGpioDriver()),
            new FakeDeviceStatus(), new ManualClock(), NullLogger<GpioRuntime>.Instance);
        gpio.Open();
        Assert.True(gpio.ShouldInfer());
        Assert.Null(gpio.Gate);
    }
}
