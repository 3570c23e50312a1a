using System.Device.Gpio;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>A pin that could not be set up: the message is one line naming the configuration key.</summary>
public sealed class GpioSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The opened GPIO controller and its pins. Opening checks each configured pin against the chip (exists, free) and
/// drives every output to its inactive level straight away: that is the safe state at start, and so also after a
/// crash and restart, whatever the previous process left on the line.
/// </summary>
public sealed class GpioPinBank : IDisposable
{
    private readonly GpioController _controller;
    private readonly string _chipName;

    private GpioPinBank(GpioController controller, string chipName)
    {
        _controller = controller;
        _chipName = chipName;
    }

    public GpioController Controller => _controller;

    /// <summary>Opens the chip with <paramref name="factory"/>'s driver. Throws <see cref="GpioSetupException"/>.</summary>
    public static GpioPinBank Open(GpioOptions options, IGpioDriverFactory factory)
    {
        string chip = $"gpiochip{options.Chip}";
        GpioDriver driver;
        try
        {
            driver = factory.Create(options);
        }
        catch (Exception ex)
        {
            throw new GpioSetupException($"Gpio: cannot open {chip} with the {options.Driver} driver ({Flatten(ex)})", ex);
        }
        var bank = new GpioPinBank(new GpioController(driver), chip);
        try
        {
            foreach (var (o, i) in options.Outputs.Select((o, i) => (o, i)))
                bank.OpenOutput($"Gpio:Outputs:{i}:Pin ({o.Name})", ToLine(options, o.Pin), o.ActiveLow);
            foreach (var (t, i) in options.Triggers.Select((t, i) => (t, i)))
                bank.OpenInput($"Gpio:Triggers:{i}:Pin ({t.Name})", ToLine(options, t.Pin), t.Pull);
            if (options.StatusLed.Pin >= 0)
                bank.OpenOutput("Gpio:StatusLed:Pin", ToLine(options, options.StatusLed.Pin), options.StatusLed.ActiveLow);
        }
        catch
        {
            bank.Dispose();
            throw;
        }
        return bank;
    }

    /// <summary>The line offset of a configured pin (the validator has already rejected unmappable ones).</summary>
    public static int ToLine(GpioOptions options, int pin) =>
        HeaderPinMap.TryToLogical(options.Numbering, pin, out int line, out string? error) ? line : throw new GpioSetupException(error!);

    public static PinValue Level(bool on, bool activeLow) => on != activeLow ? PinValue.High : PinValue.Low;

    private void OpenOutput(string key, int line, bool activeLow)
    {
        CheckExists(key, line);
        Open(key, line, () => _controller.OpenPin(line, PinMode.Output, Level(false, activeLow)));
    }

    private void OpenInput(string key, int line, string pull)
    {
        CheckExists(key, line);
        var mode = pull.ToLowerInvariant() switch
        {
            PullModes.Up => PinMode.InputPullUp,
            PullModes.Down => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
        Open(key, line, () =>
        {
            if (!_controller.IsPinModeSupported(line, mode)) throw new NotSupportedException($"{mode} is not supported");
            _controller.OpenPin(line, mode);
        });
    }

    private void CheckExists(string key, int line)
    {
        int count;
        try
        {
            count = _controller.PinCount;
        }
        catch (Exception ex)
        {
            throw new GpioSetupException($"{key}: cannot read the lines of {_chipName} ({Flatten(ex)})", ex);
        }
        if (line >= count)
            throw new GpioSetupException($"{key}: line {line} does not exist on {_chipName} ({count} lines, 0-{count - 1})");
    }

    private void Open(string key, int line, Action open)
    {
        try
        {
            open();
        }
        catch (Exception ex)
        {
            throw new GpioSetupException($"{key}: line {line} on {_chipName} cannot be opened; is it taken by another program or overlay? ({Flatten(ex)})", ex);
        }
    }

    private static string Flatten(Exception ex) => ex.Message.ReplaceLineEndings(" ");

    public void Dispose() => _controller.Dispose();
}
