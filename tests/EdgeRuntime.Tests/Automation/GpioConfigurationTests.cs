using System.Device.Gpio;
using EdgeRuntime.Automation.Gpio;

namespace EdgeRuntime.Tests.Automation;

/// <summary>Bad pin configuration: caught at start, one line each, naming the key.</summary>
public sealed class GpioConfigurationTests
{
    private static GpioOutputOptions Output(string name, int pin) => new() { Name = name, Pin = pin, Zone = "doorway" };

    [Fact]
    public void Validator_ReportsEachProblemOnOneLine()
    {
        var options = new GpioOptions
        {
            Numbering = PinNumbering.Board,
            Outputs =
            [
                Output("relay", 11),
                Output("lamp", 6),                                   // ground pin
                new GpioOutputOptions { Name = "relay", Pin = 41, Zone = "", Mode = "blink" },
            ],
            Triggers = [new GpioTriggerOptions { Name = "pir", Pin = 11, Pull = "sideways" }], // board 11 is taken by "relay"
        };
        var errors = GpioOptionsValidator.Errors(options);
        Assert.All(errors, e => Assert.DoesNotContain('\n', e));
        Assert.Contains("Gpio:Outputs:1:Pin: board pin 6 is a power or ground pin, not a GPIO", errors);
        Assert.Contains("Gpio:Outputs:2:Pin: board pin 41 is not on the 40-pin header (1-40)", errors);
        Assert.Contains(errors, e => e.StartsWith("Gpio:Outputs:2:Name 'relay'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gpio:Outputs:2:Zone", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gpio:Outputs:2:Mode 'blink'", StringComparison.Ordinal));
        Assert.Contains("Gpio:Triggers:0:Pin: line 17 is already used by Gpio:Outputs:0:Pin", errors);
        Assert.Contains(errors, e => e.StartsWith("Gpio:Triggers:0:Pull 'sideways'", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void Validator_AcceptsAGoodConfiguration()
    {
        var options = new GpioOptions
        {
            Outputs = [Output("relay", 17), new GpioOutputOptions { Name = "chime", Pin = 27, Zone = "porch", Mode = OutputModes.Pulse, PulseMs = 300 }],
            Triggers = [new GpioTriggerOptions { Name = "pir", Pin = 4, Pull = PullModes.Down }],
            StatusLed = new GpioStatusLedOptions { Pin = 22 },
        };
        Assert.Empty(GpioOptionsValidator.Errors(options));
    }

    [Fact]
    public void BoardNumbering_OpensTheBcmLineBehindTheHeaderPin()
    {
        var driver = new RecordingGpioDriver();
        using var bank = GpioPinBank.Open(new GpioOptions { Numbering = PinNumbering.Board, Outputs = [Output("relay", 11)] }, new RecordingDriverFactory(driver));
        Assert.Equal([17], driver.OpenLines);
        Assert.Equal(PinMode.Output, driver.ModeOf(17));
    }

    [Fact]
    public void PinThatDoesNotExistOnTheChip_OneLineError()
    {
        var driver = new RecordingGpioDriver(pinCount: 28);
        var ex = Assert.Throws<GpioSetupException>(() => GpioPinBank.Open(new GpioOptions { Outputs = [Output("relay", 40)] }, new RecordingDriverFactory(driver)));
        Assert.Equal("Gpio:Outputs:0:Pin (relay): line 40 does not exist on gpiochip0 (28 lines, 0-27)", ex.Message);
        Assert.True(driver.Disposed); // nothing left open
    }

    [Fact]
    public void PinTakenByAnotherProgram_OneLineError()
    {
        var driver = new RecordingGpioDriver(28, takenLines: 4);
        var options = new GpioOptions { Outputs = [Output("relay", 17)], Triggers = [new GpioTriggerOptions { Name = "pir", Pin = 4 }] };
        var ex = Assert.Throws<GpioSetupException>(() => GpioPinBank.Open(options, new RecordingDriverFactory(driver)));
        Assert.StartsWith("Gpio:Triggers:0:Pin (pir): line 4 on gpiochip0 cannot be opened", ex.Message);
        Assert.Contains("busy", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Empty(driver.OpenLines); // the relay opened before it was released again
    }

    [Fact]
    public void RealLibgpiodDriver_ChipThatDoesNotExist_OneLineError()
    {
        // No board has /dev/gpiochip99; on this box libgpiod itself may be missing too. Either way: one line, no trace.
        var options = new GpioOptions { Chip = 99, Outputs = [Output("relay", 17)] };
        var ex = Assert.Throws<GpioSetupException>(() => GpioPinBank.Open(options, new LibGpiodDriverFactory()));
        Assert.StartsWith("Gpio", ex.Message);
        Assert.Contains("gpiochip99", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
