using System.Diagnostics;
using System.Text.Json;
using EdgeRuntime.Automation.Events;
using EdgeRuntime.Automation.HomeAssistant;
using EdgeRuntime.Automation.Privacy;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRuntime.Automation.Wiring;

/// <summary>
/// What the frame loop calls in each frame's publish step (<see cref="OnFrame"/>): zone coverage and rules
/// (<see cref="ZoneEngine"/>, transitions to every sink, MQTT events among them), the opt-in redacted snapshot,
/// retained zone states (on change, every Automation:StateIntervalMs and after every reconnect) and the Home
/// Assistant discovery configs (after every connect). Never throws: a failure here is logged and the loop goes on.
/// </summary>
public sealed class ZoneAutomation
{
    private ZoneEngine _engine;
    private ZoneSet? _pendingZones;
    private readonly List<IZoneTransitionSink> _sinks;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ZoneEventPublisher? _events;
    private readonly IMessagePublisher _publisher;
    private readonly TopicLayout _topics;
    private readonly AutomationOptions _options;
    private readonly ILogger _logger;
    private bool[] _redactClass;
    private readonly long _stateIntervalTicks;
    private readonly long _snapshotIntervalTicks;
    private long _nextStateTicks;
    private long _nextSnapshotTicks;
    private long _publishedForConnection;
    private long _failures;
    private byte[] _snapshotPixels = [];
    private PngEncoder? _png;

    public ZoneAutomation(ZoneSet zones, AutomationOptions options, TopicLayout topics, IMessagePublisher publisher,
        IEnumerable<IZoneTransitionSink> sinks, ILoggerFactory? loggerFactory = null, string? swVersion = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        _options = options;
        _topics = topics;
        _publisher = publisher;
        _logger = loggerFactory.CreateLogger<ZoneAutomation>();
        var sinkList = sinks.ToList();
        _sinks = sinkList;
        _loggerFactory = loggerFactory;
        _events = sinkList.OfType<ZoneEventPublisher>().FirstOrDefault();
        _engine = new ZoneEngine(zones, sinkList, loggerFactory.CreateLogger<ZoneEngine>());
        _stateIntervalTicks = (long)(options.StateIntervalMs / 1000.0 * Stopwatch.Frequency);
        _snapshotIntervalTicks = (long)(options.Snapshot.MinIntervalMs / 1000.0 * Stopwatch.Frequency);
        _redactClass = RedactedClasses(zones, options);
        SwVersion = swVersion;
    }

    public ZoneEngine Engine => _engine;

    /// <summary>The zones in force, or the ones a <see cref="Reload"/> will bring in on the next frame.</summary>
    public ZoneSet Zones => Volatile.Read(ref _pendingZones) ?? _engine.Zones;

    /// <summary>
    /// New zones (validated by <see cref="ZoneSet.Validate"/>) from any thread: the frame loop swaps them in before its next
    /// frame, so one frame never sees half of each. Rule states start over (clear); every zone's state is republished
    /// and Home Assistant discovery sent again (zones may have been added or removed).
    /// </summary>
    public void Reload(ZoneSet zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        Volatile.Write(ref _pendingZones, zones);
    }

    /// <summary>Zones reloaded since start.</summary>
    public long Reloads { get; private set; }

    private void ApplyPendingZones()
    {
        if (Interlocked.Exchange(ref _pendingZones, null) is not { } zones) return;
        _engine = new ZoneEngine(zones, _sinks, _loggerFactory.CreateLogger<ZoneEngine>());
        _redactClass = RedactedClasses(zones, _options);
        _nextStateTicks = 0;
        _publishedForConnection = -1; // discovery again on the next connected frame
        Reloads++;
        _logger.LogInformation("Zones reloaded: {Count} zones ({Names})", zones.Zones.Count, string.Join(", ", zones.Zones.Select(z => z.Name)));
    }

    private static bool[] RedactedClasses(ZoneSet zones, AutomationOptions options)
    {
        var redact = new bool[256];
        foreach (var name in options.Snapshot.EffectiveClasses)
        {
            for (int i = 0; i < zones.Labels.Count; i++)
                if (string.Equals(zones.Labels[i], name, StringComparison.OrdinalIgnoreCase)) redact[i] = true;
        }
        return redact;
    }
    public string? SwVersion { get; set; }
    public long Failures => Interlocked.Read(ref _failures);
    public long SnapshotsPublished { get; private set; }

    public void OnFrame(ReadOnlySpan<byte> classMap, int width, int height, long frameId, DateTimeOffset timestamp, RgbImage? image = null)
    {
        try
        {
            if (timestamp == default) timestamp = DateTimeOffset.UtcNow;
            if (Volatile.Read(ref _pendingZones) is not null) ApplyPendingZones();
            _engine.Process(classMap, width, height, frameId, timestamp);
            if (_events?.TakeSnapshotRequest() is { } eventId && image is not null) PublishSnapshot(eventId, classMap, image, frameId);

            long now = Stopwatch.GetTimestamp();
            long connections = _publisher.ConnectionCount;
            bool reconnected = _publisher.IsConnected && connections != _publishedForConnection;
            if (reconnected && _options.HomeAssistant.Enabled) PublishDiscovery();
            bool periodic = now >= _nextStateTicks;
            if (periodic) _nextStateTicks = now + _stateIntervalTicks;
            for (int z = 0; z < _engine.Zones.Zones.Count; z++)
                if (reconnected || periodic || _engine.ZoneChanged(z)) PublishState(z);
            if (reconnected) _publishedForConnection = connections;
        }
        catch (Exception ex)
        {
            if (Interlocked.Increment(ref _failures) <= 10 || _failures % 1000 == 0)
                _logger.LogError(ex, "Zone automation failed on frame {FrameId} ({Count} failures so far); the frame loop goes on", frameId, _failures);
        }
    }

    /// <summary>The retained state of zone <paramref name="zone"/> as published.</summary>
    public ZoneStateMessage StateOf(int zone) => StateOf(_engine, zone);

    /// <summary>Every zone's state as the engine in force sees it (callable from another thread: one engine throughout).</summary>
    public List<ZoneStateMessage> States()
    {
        var engine = _engine;
        var states = new List<ZoneStateMessage>(engine.Zones.Zones.Count);
        for (int z = 0; z < engine.Zones.Zones.Count; z++) states.Add(StateOf(engine, z));
        return states;
    }

    private ZoneStateMessage StateOf(ZoneEngine engine, int zone)
    {
        var z = engine.Zones.Zones[zone];
        var message = new ZoneStateMessage
        {
            Device = _topics.DeviceId,
            Zone = z.Name,
            State = ZoneStates.Text(engine.ZoneStateOf(zone)),
            Since = engine.ZoneSince(zone),
            FrameId = engine.LastFrameId,
            Timestamp = DateTimeOffset.UtcNow,
        };
        for (int r = 0; r < engine.RuleCount; r++)
        {
            if (engine.RuleZone(r) != zone) continue;
            message.Classes[engine.RuleClassName(r)] = new ZoneClassState
            {
                State = ZoneStates.Text(engine.RuleState(r)),
                Coverage = Math.Round(engine.Coverage(r), 4),
                Since = engine.RuleSince(r),
            };
        }
        return message;
    }

    private void PublishState(int zone)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(StateOf(zone), AutomationJsonContext.Default.ZoneStateMessage);
        _publisher.TryPublish(new OutgoingMessage(_topics.Zone(_engine.Zones.Zones[zone].Name), json, "application/json", Retain: true));
    }

    private void PublishDiscovery()
    {
        foreach (var (topic, config) in DiscoveryBuilder.Build(_engine.Zones, _topics, _options.HomeAssistant, SwVersion))
            _publisher.TryPublish(new OutgoingMessage(topic, DiscoveryBuilder.Serialize(config), "application/json", Retain: true));
    }

    private void PublishSnapshot(string eventId, ReadOnlySpan<byte> classMap, RgbImage image, long frameId)
    {
        long now = Stopwatch.GetTimestamp();
        if (now < _nextSnapshotTicks || image.Width * image.Height > classMap.Length) return;
        _nextSnapshotTicks = now + _snapshotIntervalTicks;
        int bytes = image.Width * image.Height * 3;
        if (_snapshotPixels.Length < bytes) _snapshotPixels = new byte[bytes];
        var pixels = _snapshotPixels.AsSpan(0, bytes);
        image.Pixels.CopyTo(pixels);
        var snapshot = _options.Snapshot;
        SnapshotRedactor.Redact(pixels, classMap, image.Width, image.Height, _redactClass, snapshot.Mode == "pixelate", snapshot.BlockSize);
        _png ??= new PngEncoder();
        byte[] png = _png.Encode(pixels, image.Width, image.Height, PngColorFormat.Rgb8).ToArray();
        bool sent = _publisher.TryPublish(new OutgoingMessage(_topics.EventSnapshots, png, "image/png", Retain: false, AtLeastOnce: false, ExpirySeconds: 60,
            UserProperties: [new("event-id", eventId), new("frame-id", frameId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("redacted", string.Join(",", snapshot.EffectiveClasses)), new("mode", snapshot.Mode)]));
        if (sent) SnapshotsPublished++;
    }
}
