namespace EdgeRuntime.Automation.Gpio;

/// <summary>Where an OTA model update stands, as the status LED shows it.</summary>
public enum OtaPhase
{
    Idle,
    InProgress,
    RolledBack,
}

/// <summary>What the status LED reads from the daemon (implemented over DaemonStatus, the publisher and the OTA agent).</summary>
public interface IDeviceStatus
{
    /// <summary>Grows while the frame loop makes progress (frames inferred or skipped by the gate).</summary>
    long FrameProgress { get; }

    /// <summary>False while MQTT is enabled and the broker is unreachable.</summary>
    bool BrokerOnline { get; }

    OtaPhase Ota { get; }
}
