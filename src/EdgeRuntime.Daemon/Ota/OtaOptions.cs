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

    /// <summary>One download (one URL, one attempt) may take at most this long, seconds.</summary>
    public int DownloadDeadlineSeconds { get; set; } = 900;

    /// <summary>A download slower than this over <see cref="RateWindowSeconds"/> is aborted (resumed on the next attempt), bytes/s.</summary>
    public long MinDownloadBytesPerSecond { get; set; } = 2048;

    /// <summary>Window of the minimum-rate check, seconds.</summary>
    public int RateWindowSeconds { get; set; } = 20;

    /// <summary>HTTP redirects followed (http and https targets only).</summary>
    public int MaxRedirects { get; set; } = 3;

    /// <summary>A release whose download (or another transient step) failed is tried again after this long, doubling per failure, seconds.</summary>
    public int RetryMinSeconds { get; set; } = 5;

    /// <summary>Longest delay between retries of a failed release, seconds.</summary>
    public int RetryMaxSeconds { get; set; } = 900;

    /// <summary>A desired-manifest message larger than this is dropped unread, bytes.</summary>
    public int MaxManifestBytes { get; set; } = 64 * 1024;

    /// <summary>An MQTT chunk larger than this is dropped, bytes.</summary>
    public int MaxChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>A model on trial that failed to start this many times (the process died before its health window passed) is rolled back.</summary>
    public int MaxTrialStarts { get; set; } = 3;

    /// <summary>PEM CA bundle for HTTPS downloads. Empty: Mqtt:CaFile when set, else the system trust store.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>Sign the retained model state with the per-device key (StateDirectory/device.key.pem, created 0600 at first start).</summary>
    public bool SignState { get; set; } = true;
}
