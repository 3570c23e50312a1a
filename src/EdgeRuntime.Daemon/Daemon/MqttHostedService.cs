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
public sealed class MqttHostedService : IHostedService, ITelemetryPublisher, IMessagePublisher, IAsyncDisposable
{
    private readonly MqttOptions _mqtt;
    private readonly DaemonOptions _daemon;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private volatile ITelemetryPublisher _inner = NullTelemetryPublisher.Instance;
    private MqttPublisher? _publisher;
    private EmbeddedBroker? _broker;

    private readonly string _stateDirectory;

    private readonly IOptions<Automation.AutomationOptions>? _automation;

    public MqttHostedService(IOptions<MqttOptions> mqtt, IOptions<DaemonOptions> daemon, ILoggerFactory loggerFactory, StateDirectory? state = null,
        IOptions<Automation.AutomationOptions>? automation = null)
    {
        _automation = automation; // read at start, after options validation
        _stateDirectory = state?.Path ?? "";
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
            BrokerCredentials? credentials = null;
            BrokerAcl? acl = null;
            if (!effective.EmbeddedBrokerOpen)
            {
                string file = CredentialsFile(effective);
                credentials = LoadOrCreateCredentials(file, effective.DeviceId);
                acl = new BrokerAcl(credentials, effective.TopicPrefix, effective.DeviceId, effective.EmbeddedBrokerMaxPacketBytes,
                    effective.EmbeddedBrokerMaxRetainedBytes, effective.EmbeddedBrokerMaxRetainedMessages, discoveryPrefix: _automation?.Value.HomeAssistant.DiscoveryPrefix ?? TopicLayout.DefaultDiscoveryPrefix);
                _logger.LogInformation("Embedded MQTT broker: logins and ACLs on; users in {File} (device, fleet, viewer)", file);
            }
            else
            {
                _logger.LogWarning("Embedded MQTT broker is OPEN (Mqtt:EmbeddedBrokerOpen=true): any local process can read, write and spoof");
            }
            try
            {
                _broker = await EmbeddedBroker.StartAsync(effective.EmbeddedBrokerPort, _loggerFactory.CreateLogger<EmbeddedBroker>(), credentials, acl).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Embedded MQTT broker could not listen on 127.0.0.1:{Port}: telemetry is not published", effective.EmbeddedBrokerPort);
                return;
            }
            effective.Host = _broker.Host;
            effective.Port = _broker.Port;
            if (_broker.DeviceCredentials is { } device)
            {
                effective.Username = device.Username;
                effective.Password = device.Password;
            }
        }
        _publisher = new MqttPublisher(effective, _loggerFactory.CreateLogger<MqttPublisher>());
        _publisher.Start();
        _inner = _publisher;
        // Give the first connection a moment so "online" precedes the first telemetry; never block startup on it.
        await _publisher.WaitUntilConnectedAsync(TimeSpan.FromSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where the embedded broker's users live (see <see cref="MqttOptions.EmbeddedBrokerCredentialsFile"/>).</summary>
    public string CredentialsFile(MqttOptions m)
    {
        if (!string.IsNullOrWhiteSpace(m.EmbeddedBrokerCredentialsFile)) return Path.GetFullPath(m.EmbeddedBrokerCredentialsFile);
        string? systemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrWhiteSpace(systemd)) return Path.Combine(systemd.Split(':')[0], "broker-users.json");
        if (!string.IsNullOrWhiteSpace(_stateDirectory)) return Path.Combine(Path.GetFullPath(_stateDirectory), "broker-users.json");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "edgert", "broker-users.json");
    }

    /// <summary>Reads the users file, or generates it (0600 at creation, refused in a folder others can write).</summary>
    public static BrokerCredentials LoadOrCreateCredentials(string file, string deviceId)
    {
        if (File.Exists(file))
        {
            var existing = System.Text.Json.JsonSerializer.Deserialize(PrivateFile.Read(file), BrokerJsonContext.Default.BrokerCredentials);
            if (existing?.Find(BrokerRoles.Device) is null) throw new InvalidDataException($"{file} has no device user");
            return existing;
        }
        var created = BrokerCredentials.Generate(deviceId);
        PrivateFile.WriteNew(file, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(created, BrokerJsonContext.Default.BrokerCredentials));
        return created;
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
    public long ConnectionCount => _publisher?.ConnectionCount ?? 0;
    public bool TryPublish(OutgoingMessage message) => _inner is MqttPublisher p && p.TryPublish(message);
}
