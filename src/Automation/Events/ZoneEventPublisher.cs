using System.Globalization;
using System.Text.Json;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRuntime.Automation.Events;

/// <summary>
/// The MQTT sink of zone transitions: one JSON event per transition on .../events (QoS 1, not retained), queued
/// within the frame's publish step. When snapshots are on it also asks for a redacted snapshot of this frame
/// (<see cref="TakeSnapshotRequest"/>, served by <c>Wiring.ZoneAutomation</c>, a layer above, which holds the frame).
/// </summary>
public sealed class ZoneEventPublisher : IZoneTransitionSink
{
    private readonly IMessagePublisher _publisher;
    private readonly TopicLayout _topics;
    private readonly ILogger _logger;
    private readonly bool _snapshots;
    private string? _pendingSnapshotEvent;
    private long _published, _dropped;

    public ZoneEventPublisher(IMessagePublisher publisher, TopicLayout topics, bool snapshotsEnabled = false, ILogger<ZoneEventPublisher>? logger = null)
    {
        _publisher = publisher;
        _topics = topics;
        _snapshots = snapshotsEnabled;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public long Published => Interlocked.Read(ref _published);
    public long Dropped => Interlocked.Read(ref _dropped);

    public void OnZoneTransition(in ZoneTransition transition)
    {
        try
        {
            string eventId = string.Create(CultureInfo.InvariantCulture, $"{transition.FrameId}-{transition.Zone}-{transition.ClassName}");
            var message = new ZoneEventMessage
            {
                EventId = eventId,
                Device = _topics.DeviceId,
                Zone = transition.Zone,
                Class = transition.ClassName,
                State = ZoneStates.Text(transition.State),
                Coverage = Math.Round(transition.Coverage, 4),
                FrameId = transition.FrameId,
                Since = transition.Since,
                Timestamp = DateTimeOffset.UtcNow,
                Snapshot = _snapshots ? _topics.EventSnapshots : null,
            };
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, AutomationJsonContext.Default.ZoneEventMessage);
            if (_publisher.TryPublish(new OutgoingMessage(_topics.Events, json, "application/json")))
                Interlocked.Increment(ref _published);
            else
                Interlocked.Increment(ref _dropped);
            if (_snapshots) _pendingSnapshotEvent = eventId;
            // One line per transition (rare by design: hysteresis and debounce), so a person at the console sees it.
            if (_logger.IsEnabled(LogLevel.Information))
                _logger.LogInformation("zone {Zone}: {Class} {State} at frame {FrameId} (coverage {Coverage:P1})",
                    transition.Zone, transition.ClassName, message.State, transition.FrameId, transition.Coverage);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _dropped);
            _logger.LogWarning("Zone event {Zone}/{Class} not published: {Error}", transition.Zone, transition.ClassName, ex.Message);
        }
    }

    /// <summary>The id of the last event of this frame that wants a snapshot, or null; clears the request.</summary>
    public string? TakeSnapshotRequest()
    {
        var id = _pendingSnapshotEvent;
        _pendingSnapshotEvent = null;
        return id;
    }
}

/// <summary>The wire names of <see cref="ZoneState"/>.</summary>
public static class ZoneStates
{
    public const string Occupied = "occupied";
    public const string Clear = "clear";

    public static string Text(ZoneState state) => state == ZoneState.Occupied ? Occupied : Clear;
}
