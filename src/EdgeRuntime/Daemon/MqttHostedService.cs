using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Owns the MQTT side of the daemon: starts the embedded broker when no broker is configured,
/// starts the <see cref="MqttPublisher"/>, and on shutdown publishes "stopped" and disconnects.
/// Registered before <see cref="FrameLoopService"/>, so it starts first and stops last.
/// </summary>
public sealed class MqttHostedService : IHostedService, ITelemetryPublisher, IAsyncDisposable
{
    private readonly MqttOptions _mqtt;
    private readonly DaemonOptions _daemon;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private volatile ITelemetryPublisher _inner = NullTelemetryPublisher.Instance;
    private MqttPublisher? _publisher;
    private EmbeddedBroker? _broker;

    public MqttHostedService(IOptions<MqttOptions> mqtt, IOptions<DaemonOptions> daemon, ILoggerFactory loggerFactory)
    {
        _mqtt = mqtt.Value;
        _daemon = daemon.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MqttHostedService>();
    }

    /// <summary>The running publisher (null when MQTT is off).</summary>
    public MqttPublisher? Publisher => _publisher;

    /// <summary>The embedded broker, when one was started.</summary>
    public EmbeddedBroker? Broker => _broker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_daemon.MqttEnabled)
        {
            _logger.LogInformation("MQTT publishing is off (Daemon:MqttEnabled=false)");
            return;
        }
        var effective = _mqtt.Clone();
        effective.PublishMasks |= _daemon.PublishMasks;
        if (string.IsNullOrWhiteSpace(effective.Host))
        {
            if (!_daemon.EmbeddedBroker)
            {
                _logger.LogWarning("Mqtt:Host is empty and Daemon:EmbeddedBroker is false: telemetry is not published");
                return;
            }
            try
            {
                _broker = await EmbeddedBroker.StartAsync(effective.EmbeddedBrokerPort, _loggerFactory.CreateLogger<EmbeddedBroker>()).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Embedded MQTT broker could not listen on 127.0.0.1:{Port}: telemetry is not published", effective.EmbeddedBrokerPort);
                return;
            }
            effective.Host = _broker.Host;
            effective.Port = _broker.Port;
        }
        _publisher = new MqttPublisher(effective, _loggerFactory.CreateLogger<MqttPublisher>());
        _publisher.Start();
        _inner = _publisher;
        // Give the first connection a moment so "online" precedes the first telemetry; never block startup on it.
        await _publisher.WaitUntilConnectedAsync(TimeSpan.FromSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _inner = NullTelemetryPublisher.Instance;
        if (_publisher is not null) await _publisher.DisposeAsync().ConfigureAwait(false);
        if (_broker is not null) await _broker.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_publisher is not null) await _publisher.DisposeAsync().ConfigureAwait(false);
        if (_broker is not null) await _broker.DisposeAsync().ConfigureAwait(false);
    }

    public bool IsConnected => _inner.IsConnected;
    public bool MasksEnabled => _inner.MasksEnabled;
    public string MaskEncoding => _inner.MaskEncoding;
    public bool ClassCountsEnabled => _inner.ClassCountsEnabled;
    public bool TryPublishTelemetry(TelemetrySnapshot snapshot) => _inner.TryPublishTelemetry(snapshot);
    public bool TryReserveMaskSlot() => _inner.TryReserveMaskSlot();
    public bool TryPublishMask(MaskMessage mask) => _inner.TryPublishMask(mask);
    public bool TryPublishClassCounts(ClassCountsMessage message) => _inner.TryPublishClassCounts(message);
    public MqttStats GetStats() => _inner.GetStats();
}
