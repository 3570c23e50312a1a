namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// Physical pins of the Raspberry Pi 40-pin header and the GPIO line (BCM number) each carries. GpioController only
/// knows line offsets, so "board" numbering in configuration is translated here, once, at start.
/// </summary>
public static class HeaderPinMap
{
    // Index: physical pin 1..40; value: BCM line, or -1 for power and ground pins.
    private static readonly sbyte[] BoardToBcm =
    [
        -1, // (no pin 0)
        -1, -1, 2, -1, 3, -1, 4, 14, -1, 15,      // 1-10
        17, 18, 27, -1, 22, 23, -1, 24, 10, -1,   // 11-20
        9, 25, 11, 8, -1, 7, 0, 1, 5, -1,         // 21-30
        6, 12, 13, -1, 19, 16, 26, 20, -1, 21,    // 31-40
    ];

    /// <summary>The line offset for <paramref name="pin"/> in <paramref name="numbering"/>, or an error sentence.</summary>
    public static bool TryToLogical(string numbering, int pin, out int logical, out string? error)
    {
        logical = pin;
        error = null;
        if (pin < 0)
        {
            error = $"pin {pin} is not a pin number";
            return false;
        }
        if (string.Equals(numbering, PinNumbering.Logical, StringComparison.OrdinalIgnoreCase)) return true;
        if (pin == 0 || pin >= BoardToBcm.Length)
        {
            error = $"board pin {pin} is not on the 40-pin header (1-40)";
            return false;
        }
        logical = BoardToBcm[pin];
        if (logical < 0)
        {
            error = $"board pin {pin} is a power or ground pin, not a GPIO";
            return false;
        }
        return true;
    }
}
