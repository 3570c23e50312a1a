using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>Makes the <see cref="GpioDriver"/> the controller runs on (libgpiod on the board; a test double in tests).</summary>
public interface IGpioDriverFactory
{
    GpioDriver Create(GpioOptions options);
}

/// <summary>
/// The board's driver: libgpiod 1.x on /dev/gpiochipN (the character device; sysfs GPIO is deprecated).
/// System.Device.Gpio's libgpiod 2.x driver is left out: it is not trim-safe (IL2091 in its UnmanagedArray), and
/// the NativeAOT build must stay free of warnings.
/// </summary>
public sealed class LibGpiodDriverFactory : IGpioDriverFactory
{
    public GpioDriver Create(GpioOptions options) => new LibGpiodDriver(options.Chip);
}
