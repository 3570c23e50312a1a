namespace EdgeRuntime.Automation.Thermal;

/// <summary>The "Thermal" configuration section: frame-rate throttling above a CPU temperature, with hysteresis.</summary>
public sealed class ThermalOptions
{
    public const string SectionName = "Thermal";

    /// <summary>Throttle at all (the temperature is reported either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Throttling starts when the CPU reaches this temperature (°C). Pi 4/5 firmware throttles at 80-85.</summary>
    public double ThrottleAboveC { get; set; } = 75;

    /// <summary>Throttling ends when the CPU has cooled to this temperature (°C); below ThrottleAboveC (hysteresis).</summary>
    public double ResumeBelowC { get; set; } = 68;

    /// <summary>Frame-rate cap while throttled (frames per second).</summary>
    public double ThrottledFps { get; set; } = 2;

    /// <summary>How often the temperature is read, milliseconds.</summary>
    public int CheckIntervalMs { get; set; } = 2000;

    public static List<string> Errors(ThermalOptions o)
    {
        var errors = new List<string>();
        if (!(o.ResumeBelowC < o.ThrottleAboveC)) errors.Add($"Thermal:ResumeBelowC ({o.ResumeBelowC}) must be below Thermal:ThrottleAboveC ({o.ThrottleAboveC})");
        if (!(o.ThrottledFps > 0 && o.ThrottledFps <= 1000)) errors.Add("Thermal:ThrottledFps must be in (0, 1000]");
        if (o.CheckIntervalMs is < 10 or > 600_000) errors.Add("Thermal:CheckIntervalMs must be 10..600000");
        return errors;
    }
}
