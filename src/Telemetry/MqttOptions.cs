namespace EdgeRuntime.Telemetry;

/// <summary>
/// MQTT connection and publishing settings. Plain settable properties so the configuration binder
/// (source-generated under NativeAOT) can fill them from the "Mqtt" section.
/// </summary>
public sealed class MqttOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Mqtt";

    /// <summary>Broker host name or address. Empty means "no external broker" (the daemon then starts <see cref="EmbeddedBroker"/>).</summary>
    public string Host { get; set; } = "";

    /// <summary>Broker port (1883 plain, 8883 usually for TLS).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Device id used in topic names. Must not contain '/', '+', '#'. Empty: the daemon fills in the host name.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>MQTT client id. Empty: "edgert-&lt;DeviceId&gt;".</summary>
    public string ClientId { get; set; } = "";

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Connect over TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>PEM file with the CA certificate(s) that signed the broker certificate. Empty: the system trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS (requires <see cref="ClientKeyFile"/>).</summary>
    public string? ClientCertFile { get; set; }

    /// <summary>PEM private key of <see cref="ClientCertFile"/> (unencrypted PKCS#8, PKCS#1 or SEC1).</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Accept any broker certificate. For tests only: never in production.</summary>
    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>MQTT keep-alive in seconds.</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>Connect / disconnect timeout in seconds.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Topic prefix; topics are &lt;prefix&gt;/&lt;device&gt;/status etc.</summary>
    public string TopicPrefix { get; set; } = TopicLayout.DefaultPrefix;

    /// <summary>Publish segmentation masks on .../mask (opt-in: they are large).</summary>
    public bool PublishMasks { get; set; }

    /// <summary>At most this many masks per second (further masks are skipped and counted).</summary>
    public double MaxMaskRatePerSecond { get; set; } = 1.0;

    /// <summary>Mask payload encoding: "rle" (<see cref="RunLengthMaskCodec"/>) or "png" (needs a PNG encoder hook).</summary>
    public string MaskEncoding { get; set; } = MaskEncodings.RunLength;

    /// <summary>Publish per-class pixel counts on .../classes with every telemetry message.</summary>
    public bool PublishClassCounts { get; set; }

    /// <summary>Message expiry for telemetry (and class counts), seconds.</summary>
    public uint TelemetryExpirySeconds { get; set; } = 60;

    /// <summary>Message expiry for masks, seconds.</summary>
    public uint MaskExpirySeconds { get; set; } = 10;

    /// <summary>First reconnect delay, milliseconds.</summary>
    public int ReconnectMinDelayMs { get; set; } = 500;

    /// <summary>Largest reconnect delay, milliseconds.</summary>
    public int ReconnectMaxDelayMs { get; set; } = 30_000;

    /// <summary>Capacity of the send queue between the frame loop and the sender (oldest dropped when full).</summary>
    public int SendQueueCapacity { get; set; } = 4;

    /// <summary>Queue for events, retained zone states and discovery configs (oldest dropped when full).</summary>
    public int StateQueueCapacity { get; set; } = 256;

    /// <summary>Port of the embedded broker when <see cref="Host"/> is empty (0 = pick a free port).</summary>
    public int EmbeddedBrokerPort { get; set; } = 1883;

    /// <summary>
    /// Users of the embedded broker (JSON, 0600; device, fleet and viewer logins generated at first start). Empty:
    /// $STATE_DIRECTORY/broker-users.json (systemd), else Ota:StateDirectory/broker-users.json, else ~/.local/state/edgert/broker-users.json.
    /// </summary>
    public string EmbeddedBrokerCredentialsFile { get; set; } = "";

    /// <summary>Run the embedded broker without logins and ACLs (anyone on this host may read, write and spoof). Tests and demos only.</summary>
    public bool EmbeddedBrokerOpen { get; set; }

    /// <summary>Largest message the embedded broker accepts, bytes.</summary>
    public int EmbeddedBrokerMaxPacketBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Largest retained message on a device/desired topic the embedded broker keeps, bytes (chunk topics: 1 MiB).</summary>
    public int EmbeddedBrokerMaxRetainedBytes { get; set; } = 128 * 1024;

    /// <summary>Most retained messages the embedded broker keeps.</summary>
    public int EmbeddedBrokerMaxRetainedMessages { get; set; } = 4096;

    /// <summary>The effective client id.</summary>
    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? "edgert-" + DeviceId : ClientId;

    /// <summary>Throws <see cref="ArgumentException"/> when the settings cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("Mqtt:Host is empty");
        if (Port is <= 0 or > 65535) throw new ArgumentException($"Mqtt:Port {Port} is out of range");
        TopicLayout.ValidateSegment(DeviceId, "Mqtt:DeviceId");
        if (KeepAliveSeconds is < 0 or > 65535) throw new ArgumentException("Mqtt:KeepAliveSeconds is out of range");
        if (ReconnectMinDelayMs <= 0 || ReconnectMaxDelayMs < ReconnectMinDelayMs)
            throw new ArgumentException("Mqtt:ReconnectMinDelayMs must be > 0 and <= ReconnectMaxDelayMs");
        if (SendQueueCapacity < 1) throw new ArgumentException("Mqtt:SendQueueCapacity must be >= 1");
        if (StateQueueCapacity is < 1 or > 65536) throw new ArgumentException("Mqtt:StateQueueCapacity must be in 1..65536");
        if (MaxMaskRatePerSecond <= 0) throw new ArgumentException("Mqtt:MaxMaskRatePerSecond must be > 0");
        if (!MaskEncodings.IsKnown(MaskEncoding)) throw new ArgumentException($"Mqtt:MaskEncoding '{MaskEncoding}' is not rle or png");
        if (string.IsNullOrEmpty(ClientCertFile) != string.IsNullOrEmpty(ClientKeyFile))
            throw new ArgumentException("Mqtt:ClientCertFile and Mqtt:ClientKeyFile must be given together");
        if (!UseTls && (!string.IsNullOrEmpty(ClientCertFile) || !string.IsNullOrEmpty(CaFile)))
            throw new ArgumentException("Mqtt:CaFile / ClientCertFile need Mqtt:UseTls=true");
    }

    /// <summary>A copy (options objects are shared through DI; the daemon adjusts host/port for the embedded broker).</summary>
    public MqttOptions Clone() => (MqttOptions)MemberwiseClone();
}

/// <summary>Names of the mask payload encodings (also sent as the "encoding" user property).</summary>
public static class MaskEncodings
{
    /// <summary><see cref="RunLengthMaskCodec"/> format, version 1.</summary>
    public const string RunLength = "rle";
    /// <summary>8-bit grayscale PNG whose pixel values are class ids.</summary>
    public const string Png = "png";

    public static bool IsKnown(string? name) =>
        string.Equals(name, RunLength, StringComparison.OrdinalIgnoreCase) || string.Equals(name, Png, StringComparison.OrdinalIgnoreCase);

    public static string ContentType(string encoding) =>
        string.Equals(encoding, Png, StringComparison.OrdinalIgnoreCase) ? "image/png" : RunLengthMaskCodec.ContentType;
}
