using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Ota;

/// <summary>
/// The OTA agent's own MQTT connection (client id "edgert-&lt;device&gt;-ota"): subscribes to the desired-state
/// topics (re-subscribed after every reconnect, so retained manifests arrive again), to chunk topics on demand,
/// and publishes the retained model state (re-published after a reconnect).
/// </summary>
public sealed class OtaMqttClient : IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly HashSet<string> _filters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly ReconnectBackoff _backoff;
    private Task _loop = Task.CompletedTask;
    private byte[]? _lastState;
    private readonly DeviceIdentity? _identity;
    private readonly uint _maxPacketBytes;

    /// <param name="identity">Signs every state message (user properties sig, kid) and is published retained on .../identity. Owned.</param>
    /// <param name="maxPacketBytes">MQTT 5 Maximum Packet Size sent at connect: the broker drops larger messages instead of delivering them (0: none).</param>
    public OtaMqttClient(MqttOptions options, string stateTopic, ILogger logger, DeviceIdentity? identity = null, uint maxPacketBytes = 0)
    {
        _options = options;
        StateTopic = stateTopic;
        _logger = logger;
        _identity = identity;
        _maxPacketBytes = maxPacketBytes;
        IdentityTopic = stateTopic.EndsWith("/model/state", StringComparison.Ordinal) ? stateTopic[..^"/model/state".Length] + "/identity" : stateTopic + "/identity";
        _backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(Math.Max(50, options.ReconnectMinDelayMs)), TimeSpan.FromMilliseconds(Math.Max(100, options.ReconnectMaxDelayMs)));
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += async e =>
        {
            if (MessageReceived is { } handler)
            {
                try { await handler(e.ApplicationMessage.Topic, e.ApplicationMessage).ConfigureAwait(false); }
                catch (Exception ex) { _logger.LogError(ex, "OTA: handling {Topic} failed", e.ApplicationMessage.Topic); }
            }
        };
    }

    public string StateTopic { get; }

    /// <summary>&lt;prefix&gt;/&lt;device&gt;/identity: the device's public key (PEM, retained).</summary>
    public string IdentityTopic { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Called for every message on the subscribed filters (on MQTTnet's dispatcher: return quickly).</summary>
    public Func<string, MqttApplicationMessage, Task>? MessageReceived { get; set; }

    public void Start(IEnumerable<string> filters)
    {
        lock (_filters) foreach (var f in filters) _filters.Add(f);
        _loop = Task.Run(() => ConnectionLoopAsync(_stopping.Token));
    }

    public async Task SubscribeAsync(string filter, CancellationToken ct)
    {
        lock (_filters) _filters.Add(filter);
        if (_client.IsConnected)
            await _client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce, ct).ConfigureAwait(false);
    }

    public async Task UnsubscribeAsync(string filter, CancellationToken ct)
    {
        lock (_filters) _filters.Remove(filter);
        if (_client.IsConnected)
        {
            try { await _client.UnsubscribeAsync(filter, ct).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException) { _logger.LogDebug(ex, "OTA: unsubscribe {Filter} failed", filter); }
        }
    }

    /// <summary>Publishes the state (retained, QoS 1). Kept and re-published after a reconnect.</summary>
    public async Task PublishStateAsync(ModelStateMessage state)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(state, OtaJsonContext.Default.ModelStateMessage);
        Volatile.Write(ref _lastState, payload);
        await SendStateAsync(payload).ConfigureAwait(false);
    }

    private async Task SendStateAsync(byte[] payload)
    {
        if (!_client.IsConnected) return;
        await _publishLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var builder = new MqttApplicationMessageBuilder()
                .WithTopic(StateTopic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .WithContentType("application/json");
            if (_identity is not null)
                builder.WithUserProperty("sig", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(_identity.Sign(StateTopic, payload))).WithUserProperty("kid", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(_identity.KeyId));
            var msg = builder.Build();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)));
            await _client.PublishAsync(msg, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "OTA: publishing state failed (re-sent after reconnect)");
        }
        finally
        {
            _publishLock.Release();
        }
    }

    private async Task ConnectionLoopAsync(CancellationToken token)
    {
        int attempt = 0;
        while (!token.IsCancellationRequested)
        {
            if (_client.IsConnected)
            {
                try { await Task.Delay(250, token).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
                continue;
            }
            try
            {
                var builder = new MqttClientOptionsBuilder()
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    .WithTcpServer(_options.Host, _options.Port)
                    .WithClientId(_options.EffectiveClientId + "-ota")
                    .WithCleanStart(true)
                    .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
                    .WithTimeout(TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)));
                if (!string.IsNullOrEmpty(_options.Username)) builder.WithCredentials(_options.Username, _options.Password ?? "");
                if (_maxPacketBytes > 0) builder.WithMaximumPacketSize(_maxPacketBytes);
                if (_options.UseTls) builder.WithTlsOptions(MqttPublisher.BuildTlsOptions(_options)); // Mqtt:CaFile honoured here too
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    cts.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)));
                    await _client.ConnectAsync(builder.Build(), cts.Token).ConfigureAwait(false);
                    string[] filters;
                    lock (_filters) filters = [.. _filters];
                    foreach (var f in filters)
                        await _client.SubscribeAsync(f, MqttQualityOfServiceLevel.AtLeastOnce, cts.Token).ConfigureAwait(false);
                }
                attempt = 0;
                _logger.LogInformation("OTA: connected to {Host}:{Port}", _options.Host, _options.Port);
                if (_identity is not null) await PublishIdentityAsync(token).ConfigureAwait(false);
                if (Volatile.Read(ref _lastState) is { } state) await SendStateAsync(state).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                var delay = _backoff.NextDelay(attempt++);
                if (attempt <= 3) _logger.LogWarning("OTA: connecting to {Host}:{Port} failed ({Error}); retrying in {Delay} ms", _options.Host, _options.Port, ex.GetBaseException().Message, (int)delay.TotalMilliseconds);
                try { await Task.Delay(delay, token).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
            }
        }
    }

    private async Task PublishIdentityAsync(CancellationToken token)
    {
        try
        {
            var msg = new MqttApplicationMessageBuilder().WithTopic(IdentityTopic).WithPayload(Encoding.UTF8.GetBytes(_identity!.PublicPem))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(true).WithContentType("application/x-pem-file")
                .WithUserProperty("kid", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(_identity.KeyId)).Build();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
            cts.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)));
            await _client.PublishAsync(msg, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "OTA: publishing the device identity failed");
        }
    }

    public static string Utf8(MqttApplicationMessage m) => Encoding.UTF8.GetString(m.Payload);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); } catch (Exception) { /* stopping */ }
        if (_client.IsConnected)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token).ConfigureAwait(false);
            }
            catch (Exception) { /* best effort */ }
        }
        _client.Dispose();
        _identity?.Dispose();
        _stopping.Dispose();
        _publishLock.Dispose();
    }
}
