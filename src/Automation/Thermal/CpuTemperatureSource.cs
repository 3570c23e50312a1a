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
            // The binding builds the value in °C; reading it as is avoids UnitsNet's converter (stubbed in the AOT build).
            var t = _sensor.Temperature;
            double c = t.Unit == UnitsNet.Units.TemperatureUnit.DegreeCelsius ? (double)t.Value : double.NaN;
            return double.IsFinite(c) ? Math.Round(c, 1) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose() => _sensor.Dispose();
}
