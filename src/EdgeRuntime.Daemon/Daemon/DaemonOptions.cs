namespace EdgeRuntime.Daemon;

/// <summary>Settings of the "Daemon" configuration section (appsettings.json, EDGERT_Daemon__X, --Daemon:X).</summary>
public sealed class DaemonOptions
{
    public const string SectionName = "Daemon";

    /// <summary>Frame source URI, handed to the frame source factory (e.g. "v4l2:/dev/video0", "files:/data/*.jpg").</summary>
    public string Source { get; set; } = "";

    /// <summary>Model file, handed to the segmenter factory.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Model version reported in telemetry and masks. Empty: the first 12 hex digits of the model's SHA-256.</summary>
    public string ModelVersion { get; set; } = "";

    /// <summary>Device id (topic level and telemetry "device"). Empty: Mqtt:DeviceId, else the host name.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>Folder for overlay/mask images. Empty: write none.</summary>
    public string OutputDirectory { get; set; } = "";

    /// <summary>Write outputs for every Nth processed frame (1 = all).</summary>
    public int OutputEveryNthFrame { get; set; } = 1;

    /// <summary>Telemetry period in milliseconds.</summary>
    public int TelemetryIntervalMs { get; set; } = 1000;

    /// <summary>Publish masks (same as Mqtt:PublishMasks; either turns it on).</summary>
    public bool PublishMasks { get; set; }

    /// <summary>Publish over MQTT at all.</summary>
    public bool MqttEnabled { get; set; } = true;

    /// <summary>When Mqtt:Host is empty, run the in-process broker on 127.0.0.1:Mqtt:EmbeddedBrokerPort.</summary>
    public bool EmbeddedBroker { get; set; } = true;

    /// <summary>Stop with an error after this many frames in a row failed to decode or segment.</summary>
    public int MaxConsecutiveFailures { get; set; } = 100;

    /// <summary>Samples kept per stage for the latency percentiles.</summary>
    public int LatencyWindow { get; set; } = 1024;

    /// <summary>Seconds between the one-line status on the console (fps, latency, drops, MQTT, model); 0 turns it off.</summary>
    public int StatusIntervalSeconds { get; set; } = 5;

    /// <summary>Intra-op threads of the interpreter (a fixed worker pool created once).</summary>
    public int Threads { get; set; } = 1;

    /// <summary>First delay before a failed component (frame loop, OTA) is restarted, milliseconds (doubles per failure).</summary>
    public int RestartMinDelayMs { get; set; } = 500;

    /// <summary>Largest restart delay, milliseconds (kept below the systemd watchdog period).</summary>
    public int RestartMaxDelayMs { get; set; } = 10_000;

    /// <summary>A copy (OTA builds segmenters for other model paths from it).</summary>
    public DaemonOptions Clone() => (DaemonOptions)MemberwiseClone();
}
