namespace EdgeRuntime.Ota;

/// <summary>Settings of the "Ota" configuration section. OTA is on when <see cref="StateDirectory"/> is set.</summary>
public sealed class OtaOptions
{
    public const string SectionName = "Ota";

    /// <summary>State folder (slots/a, slots/b, current, previous, ledger.json, downloads/). Empty: OTA off.</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>Group whose desired manifest this device follows (edgert/v1/groups/&lt;group&gt;/model/desired). Empty: none.</summary>
    public string Group { get; set; } = "";

    /// <summary>Trusted public keys: key id -> PEM text or path of a PEM file.</summary>
    public Dictionary<string, string> TrustedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Folder of &lt;keyid&gt;.pub.pem files (added to <see cref="TrustedKeys"/>).</summary>
    public string TrustedKeysDirectory { get; set; } = "";

    /// <summary>Largest model accepted, bytes (whatever the manifest says).</summary>
    public long MaxModelBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest interpreter arena a model may plan, bytes (0: no limit).</summary>
    public long MemoryBudgetBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Frames in the health window after activation when the manifest does not say.</summary>
    public int HealthFrames { get; set; } = 30;

    /// <summary>Give up waiting for the health window's frames after this many seconds (rolled back).</summary>
    public int HealthTimeoutSeconds { get; set; } = 120;

    /// <summary>HTTP connect/response timeout, seconds.</summary>
    public int HttpTimeoutSeconds { get; set; } = 15;

    /// <summary>A download with no byte received for this long is aborted (resumed on the next attempt), seconds.</summary>
    public int StallTimeoutSeconds { get; set; } = 15;

    /// <summary>Download attempts per manifest before giving up (rejected:download-failed).</summary>
    public int DownloadAttempts { get; set; } = 3;

    /// <summary>Wait for all MQTT chunks this long, seconds.</summary>
    public int ChunkTimeoutSeconds { get; set; } = 60;
}
