namespace EdgeRuntime.Telemetry;

/// <summary>Trigger gating (PIR/button): how much of the time inference ran ("gate" in telemetry).</summary>
public sealed record InferenceGateStats
{
    /// <summary>A trigger input is active now.</summary>
    public bool Triggered { get; init; }
    /// <summary>Frames captured while the gate was consulted.</summary>
    public long FramesSeen { get; init; }
    /// <summary>Frames the gate let through to inference.</summary>
    public long FramesInferred { get; init; }
    /// <summary>FramesInferred / FramesSeen since start (1 before any frame).</summary>
    public double DutyCycle { get; init; }
    /// <summary>(1 - duty cycle) x Gpio:InferencePowerWatts; null when that is not configured.</summary>
    public double? EstimatedSavingW { get; init; }
}

/// <summary>Thermal protection ("thermal" in telemetry).</summary>
public sealed record ThermalStats
{
    /// <summary>"ok", "throttled", "disabled" or "not available" (no CPU temperature sensor).</summary>
    public required string State { get; init; }
    public double ThrottleAboveC { get; init; }
    public double ResumeBelowC { get; init; }
    /// <summary>The frame-rate cap while throttled (null when not throttled).</summary>
    public double? MaxFps { get; init; }
    /// <summary>How many times throttling began since start.</summary>
    public long Throttles { get; init; }
}
