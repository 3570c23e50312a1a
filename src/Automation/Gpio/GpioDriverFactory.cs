using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>Makes the <see cref="GpioDriver"/> the controller runs on (libgpiod on the board; a test double in tests).</summary>
public interface IGpioDriverFactory
{
    GpioDriver Create(GpioOptions options);
}

/// <summary>The board's driver: libgpiod on /dev/gpiochipN (the character device; sysfs GPIO is deprecated).</summary>
public sealed class LibGpiodDriverFactory : IGpioDriverFactory
{
    public GpioDriver Create(GpioOptions options) =>
        string.Equals(options.Driver, GpioDrivers.LibGpiodV2, StringComparison.OrdinalIgnoreCase)
            ? new LibGpiodV2Driver(options.Chip)
            : new LibGpiodDriver(options.Chip);
}
