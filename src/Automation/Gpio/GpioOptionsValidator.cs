using Microsoft.Extensions.Options;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// Checks the Gpio section at start (before any pin is opened): each failure is one line naming the key, so
/// `edgert run` stops with "edgert: invalid configuration: Gpio:Outputs:0:Pin ..." and exit code 2.
/// Whether a pin exists on the chip or is taken is only known once the chip is opened (<see cref="GpioPinBank"/>).
/// </summary>
public sealed class GpioOptionsValidator : IValidateOptions<GpioOptions>
{
    public ValidateOptionsResult Validate(string? name, GpioOptions options)
    {
        var errors = Errors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Errors(GpioOptions o)
    {
        var errors = new List<string>();
        if (!IsOneOf(o.Driver, GpioDrivers.LibGpiod))
            errors.Add($"Gpio:Driver '{o.Driver}' is not supported (only {GpioDrivers.LibGpiod}: libgpiod 1.x)");
        if (o.Chip < 0) errors.Add($"Gpio:Chip {o.Chip} must be >= 0");
        if (!IsOneOf(o.Numbering, PinNumbering.Logical, PinNumbering.Board))
            errors.Add($"Gpio:Numbering '{o.Numbering}' is not one of {PinNumbering.Logical}, {PinNumbering.Board}");
        if (o.TriggerTrailingFrames < 0) errors.Add("Gpio:TriggerTrailingFrames must be >= 0");
        if (o.InferencePowerWatts < 0 || double.IsNaN(o.InferencePowerWatts)) errors.Add("Gpio:InferencePowerWatts must be >= 0");
        if (o.TickMs is < 1 or > 1000) errors.Add("Gpio:TickMs must be 1..1000");

        var usedBy = new Dictionary<int, string>();
        void Pin(string key, int pin)
        {
            if (!HeaderPinMap.TryToLogical(o.Numbering, pin, out int line, out string? error))
            {
                errors.Add($"{key}: {error}");
                return;
            }
            if (usedBy.TryGetValue(line, out string? other)) errors.Add($"{key}: line {line} is already used by {other}");
            else usedBy[line] = key;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < o.Outputs.Count; i++)
        {
            var x = o.Outputs[i];
            string key = $"Gpio:Outputs:{i}";
            if (string.IsNullOrWhiteSpace(x.Name) || !names.Add(x.Name)) errors.Add($"{key}:Name '{x.Name}' must be set and unique");
            Pin($"{key}:Pin", x.Pin);
            if (string.IsNullOrWhiteSpace(x.Zone)) errors.Add($"{key}:Zone must name the zone that drives it");
            if (!IsOneOf(x.Mode, OutputModes.Hold, OutputModes.Pulse)) errors.Add($"{key}:Mode '{x.Mode}' is not one of hold, pulse");
            if (!IsOneOf(x.Kind, "relay", "led")) errors.Add($"{key}:Kind '{x.Kind}' is not one of relay, led");
            if (x.HoldMs < 0 || x.MinOnMs < 0) errors.Add($"{key}: HoldMs and MinOnMs must be >= 0");
            if (string.Equals(x.Mode, OutputModes.Pulse, StringComparison.OrdinalIgnoreCase) && x.PulseMs <= 0) errors.Add($"{key}:PulseMs must be > 0");
        }
        for (int i = 0; i < o.Triggers.Count; i++)
        {
            var t = o.Triggers[i];
            string key = $"Gpio:Triggers:{i}";
            if (string.IsNullOrWhiteSpace(t.Name) || !names.Add(t.Name)) errors.Add($"{key}:Name '{t.Name}' must be set and unique");
            Pin($"{key}:Pin", t.Pin);
            if (!IsOneOf(t.Pull, PullModes.None, PullModes.Up, PullModes.Down)) errors.Add($"{key}:Pull '{t.Pull}' is not one of none, up, down");
        }
        if (o.StatusLed.Pin >= 0 || o.StatusLed.Pin < -1)
        {
            Pin("Gpio:StatusLed:Pin", o.StatusLed.Pin);
            if (o.StatusLed.StallMs <= 0) errors.Add("Gpio:StatusLed:StallMs must be > 0");
        }
        return errors;
    }

    private static bool IsOneOf(string value, params string[] allowed) =>
        Array.Exists(allowed, a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase));
}
