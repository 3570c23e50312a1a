namespace EdgeRuntime.WebConsole;

/// <summary>Settings of the "Console" configuration section: the local operator console (pages, MJPEG preview, /metrics).</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>Off by default: a device shows nothing over HTTP until asked to (--console).</summary>
    public bool Enabled { get; set; }

    /// <summary>Address to listen on. 127.0.0.1 by default; 0.0.0.0 (or a LAN address) exposes it, which wants TLS.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 8780;

    /// <summary>The access token (created 0600 at first start). Empty: ~/.local/state/edgert/console-token.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>PKCS#12 (.pfx) certificate: HTTPS instead of HTTP. Empty: plain HTTP.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>Password of <see cref="CertificatePath"/> (or put it in EDGERT_Console__CertificatePassword).</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>Concurrent MJPEG streams; one more gets 429.</summary>
    public int MaxStreams { get; set; } = 2;

    /// <summary>Preview frames per second (a cap: at most one JPEG per this period is encoded, whatever the camera rate).</summary>
    public double StreamFps { get; set; } = 5;

    /// <summary>JPEG quality of the preview (1-100).</summary>
    public int JpegQuality { get; set; } = 75;

    /// <summary>Largest request body (zones JSON, login form), bytes; larger gets 413.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Redact the snapshot classes (Automation:Snapshot:Classes, Mode, BlockSize) in preview frames even when MQTT snapshots are off.
    /// With Automation:Snapshot:Enabled the preview is always redacted like the snapshots.</summary>
    public bool Redact { get; set; }

    /// <summary>Seconds without a processed frame after which /readyz says not ready.</summary>
    public int ReadyStallSeconds { get; set; } = 30;

    /// <summary>The one-line reasons these settings cannot be used (empty: fine).</summary>
    public List<string> Errors()
    {
        var errors = new List<string>();
        if (!Enabled) return errors;
        if (!System.Net.IPAddress.TryParse(Bind, out _) && Bind is not ("localhost" or "*"))
            errors.Add($"Console:Bind '{Bind}' must be an IP address (127.0.0.1, 0.0.0.0, ::) or localhost");
        if (Port is < 0 or > 65535) errors.Add("Console:Port must be in 0..65535");
        if (MaxStreams is < 1 or > 64) errors.Add("Console:MaxStreams must be in 1..64");
        if (!(StreamFps > 0 && StreamFps <= 30)) errors.Add("Console:StreamFps must be in (0, 30]");
        if (JpegQuality is < 1 or > 100) errors.Add("Console:JpegQuality must be in 1..100");
        if (MaxBodyBytes is < 1024 or > 1 << 20) errors.Add("Console:MaxBodyBytes must be in 1024..1048576");
        if (ReadyStallSeconds < 1) errors.Add("Console:ReadyStallSeconds must be >= 1");
        if (!string.IsNullOrEmpty(CertificatePath) && !File.Exists(CertificatePath)) errors.Add($"Console:CertificatePath {CertificatePath} does not exist");
        return errors;
    }

    /// <summary>Whether the bind address reaches beyond this machine.</summary>
    public bool IsLoopbackOnly => Bind is "localhost" || (System.Net.IPAddress.TryParse(Bind, out var a) && System.Net.IPAddress.IsLoopback(a));

    public string EffectiveTokenFile => !string.IsNullOrWhiteSpace(TokenFile) ? TokenFile
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "edgert", "console-token");
}
