using Iot.Device.CpuTemperature;

namespace EdgeRuntime.Automation.Thermal;

/// <summary>Where the CPU temperature comes from; null means "not available" (no sensor, unreadable).</summary>
public interface ICpuTemperatureSource
{
    double? ReadCelsius();
}

/// <summary>
/// Iot.Device.Bindings' <see cref="CpuTemperature"/> (on Linux /sys/class/thermal/thermal_zone0/temp). Boxes and
/// containers without the node report "not available" rather than a number.
/// </summary>
public sealed class IotCpuTemperatureSource : ICpuTemperatureSource, IDisposable
{
    private readonly CpuTemperature _sensor = new();

    public double? ReadCelsius()
    {
        try
        {
            if (!_sensor.IsAvailable) return null;
            return Celsius(_sensor.Temperature);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose() => _sensor.Dispose();

    /// <summary>
    /// The binding's value in °C to 0.1, or null when it is not a finite °C value. The binding builds the value in °C;
    /// reading it as is avoids UnitsNet's converter and formatter (blanked in the AOT build, ILLink.Substitutions.xml).
    /// </summary>
    internal static double? Celsius(UnitsNet.Temperature t)
    {
        double c = t.Unit == UnitsNet.Units.TemperatureUnit.DegreeCelsius ? (double)t.Value : double.NaN;
        return double.IsFinite(c) ? Math.Round(c, 1) : null;
    }

    /// <summary>
    /// Null when this build can still make and read the binding's temperature value, else what went wrong. The AOT
    /// build blanks the parts of UnitsNet the daemon never uses; if a blanked method were reached on the way from the
    /// sensor to <see cref="ReadCelsius"/>, a board would silently report "not available". `edgert selftest thermal`
    /// runs this in the published binaries (CI: scripts/test.d/10-aot-publish.sh, and under qemu for arm64).
    /// </summary>
    public static string? CheckConversion()
    {
        try
        {
            double? c = Celsius(UnitsNet.Temperature.FromDegreesCelsius(41.57));
            return c == 41.6 ? null : $"41.57 °C read back as {(c is null ? "not available" : c.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }
}
