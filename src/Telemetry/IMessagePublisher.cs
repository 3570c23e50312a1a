namespace EdgeRuntime.Telemetry;

/// <summary>
/// Publishes state-like messages that are not part of the telemetry stream: zone events, retained zone states,
/// Home Assistant discovery configs. They go through their own bounded queue (<see cref="MqttOptions.StateQueueCapacity"/>),
/// so a burst of retained configs never pushes telemetry out, nor the other way round. Returns at once; false
/// (counted as dropped) while disconnected: whoever needs a retained message after a reconnect republishes it when
/// <see cref="ConnectionCount"/> grows.
/// </summary>
public interface IMessagePublisher
{
    bool IsConnected { get; }

    /// <summary>Successful connections so far (grows on every reconnect).</summary>
    long ConnectionCount { get; }

    bool TryPublish(OutgoingMessage message);
}

/// <summary>One message for <see cref="IMessagePublisher"/>. QoS 1 when <paramref name="AtLeastOnce"/>, else 0.</summary>
public sealed record OutgoingMessage(
    string Topic,
    byte[] Payload,
    string ContentType,
    bool Retain = false,
    bool AtLeastOnce = true,
    uint ExpirySeconds = 0,
    IReadOnlyList<KeyValuePair<string, string>>? UserProperties = null);

/// <summary>Publishes nothing (MQTT off).</summary>
public sealed class NullMessagePublisher : IMessagePublisher
{
    public static readonly NullMessagePublisher Instance = new();
    public bool IsConnected => false;
    public long ConnectionCount => 0;
    public bool TryPublish(OutgoingMessage message) => false;
}
