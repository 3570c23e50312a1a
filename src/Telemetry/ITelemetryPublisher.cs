namespace EdgeRuntime.Telemetry;

/// <summary>
/// What the frame loop needs from telemetry publishing. Every method returns at once: nothing
/// here blocks the frame loop on the network.
/// </summary>
public interface ITelemetryPublisher
{
    bool IsConnected { get; }

    /// <summary>Whether masks are to be published at all (Mqtt:PublishMasks).</summary>
    bool MasksEnabled { get; }

    /// <summary>Mask payload encoding (<see cref="MaskEncodings"/>).</summary>
    string MaskEncoding { get; }

    /// <summary>Whether per-class pixel counts are to be published (Mqtt:PublishClassCounts).</summary>
    bool ClassCountsEnabled { get; }

    /// <summary>Queues a telemetry message. While disconnected only the latest one is kept (sent on reconnect).</summary>
    bool TryPublishTelemetry(TelemetrySnapshot snapshot);

    /// <summary>
    /// Asks the rate limiter for a mask slot (call before encoding a mask). False when masks are
    /// disabled, the rate limit says not yet, or the broker is unreachable (counted as dropped).
    /// </summary>
    bool TryReserveMaskSlot();

    /// <summary>Queues an encoded mask. False (counted) when disconnected.</summary>
    bool TryPublishMask(MaskMessage mask);

    /// <summary>Queues per-class pixel counts. False (counted) when disconnected.</summary>
    bool TryPublishClassCounts(ClassCountsMessage message);

    MqttStats GetStats();
}

/// <summary>An encoded class map with its metadata (sent as MQTT 5 user properties).</summary>
public sealed record MaskMessage(long FrameId, DateTimeOffset Timestamp, int Width, int Height, string ModelVersion, string Encoding, byte[] Payload);

/// <summary>A publisher that publishes nothing (MQTT disabled).</summary>
public sealed class NullTelemetryPublisher : ITelemetryPublisher
{
    public static readonly NullTelemetryPublisher Instance = new();
    public bool IsConnected => false;
    public bool MasksEnabled => false;
    public string MaskEncoding => MaskEncodings.RunLength;
    public bool ClassCountsEnabled => false;
    public bool TryPublishTelemetry(TelemetrySnapshot snapshot) => false;
    public bool TryReserveMaskSlot() => false;
    public bool TryPublishMask(MaskMessage mask) => false;
    public bool TryPublishClassCounts(ClassCountsMessage message) => false;
    public MqttStats GetStats() => new();
}
