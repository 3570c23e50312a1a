using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeRuntime.Telemetry;

/// <summary>
/// Publishes device status, telemetry and masks with MQTTnet 5 (MQTT 5.0).
/// <list type="bullet">
/// <item>Connects with a Last Will (retained "offline" on .../status) and publishes retained "online" on every connect.</item>
/// <item>A background loop reconnects with exponential back-off and jitter (<see cref="ReconnectBackoff"/>).</item>
/// <item>Publish methods only enqueue into a bounded channel (capacity <see cref="MqttOptions.SendQueueCapacity"/>,
/// oldest dropped when full) drained by a background sender, so the frame loop never waits on the network.</item>
/// <item>While disconnected, masks and class counts are dropped (counted) and only the latest telemetry is kept,
/// to be sent first after the reconnect: nothing queues without bound.</item>
/// <item><see cref="DisposeAsync"/> publishes retained "stopped" and sends DISCONNECT (so the Will is not published).</item>
/// </list>
/// </summary>
public sealed class MqttPublisher : ITelemetryPublisher, IMessagePublisher, IAsyncDisposable
{
    private enum Kind { Telemetry, Mask, Classes, State }

    private readonly record struct Outgoing(Kind Kind, MqttApplicationMessage Message);

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly MqttClientFactory _factory = new();
    private readonly MqttClientOptions _clientOptions;
    private readonly ReconnectBackoff _backoff;
    private readonly Channel<Outgoing> _queue;
    private readonly Channel<Outgoing> _stateQueue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _disconnectSignal = new(0, int.MaxValue);
    private readonly long _maskIntervalTicks;
    private readonly TimeSpan _timeout;

    private volatile IMqttClient? _client;
    private MqttApplicationMessage? _latestTelemetry; // kept while disconnected (Interlocked)
    private Task _connectionLoop = Task.CompletedTask;
    private Task _senderLoop = Task.CompletedTask;
    private Task _stateSenderLoop = Task.CompletedTask;
    private long _lastMaskTicks = long.MinValue / 2;
    private int _started;
    private int _disposed;

    private long _connects;
    private long _published;
    private long _droppedDisconnected;
    private long _droppedQueueFull;
    private long _masksRateLimited;
    private long _publishErrors;
    private long _connectFailures;

    public MqttPublisher(MqttOptions options, ILogger<MqttPublisher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Topics = new TopicLayout(_options.TopicPrefix, _options.DeviceId);
        _timeout = TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds));
        _backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(_options.ReconnectMinDelayMs), TimeSpan.FromMilliseconds(_options.ReconnectMaxDelayMs));
        _maskIntervalTicks = (long)(Stopwatch.Frequency / _options.MaxMaskRatePerSecond);
        _clientOptions = BuildClientOptions();
        _queue = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(_options.SendQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref _droppedQueueFull));
        _stateQueue = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(_options.StateQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref _droppedQueueFull));
    }

    public TopicLayout Topics { get; }

    public bool IsConnected => _client?.IsConnected == true;

    public bool MasksEnabled => _options.PublishMasks;

    public string MaskEncoding => _options.MaskEncoding.ToLowerInvariant();

    public bool ClassCountsEnabled => _options.PublishClassCounts;

    /// <summary>Successful connections so far (the first one included).</summary>
    public long ConnectionCount => Interlocked.Read(ref _connects);

    /// <summary>Starts the connection loop and the sender. Returns at once; see <see cref="WaitUntilConnectedAsync"/>.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        _connectionLoop = Task.Run(() => ConnectionLoopAsync(_stopping.Token));
        _senderLoop = Task.Run(() => SenderLoopAsync(_queue.Reader, _stopping.Token));
        _stateSenderLoop = Task.Run(() => SenderLoopAsync(_stateQueue.Reader, _stopping.Token));
    }

    /// <summary>Waits until connected (and "online" published) at least <paramref name="minConnections"/> times in total.</summary>
    public async Task<bool> WaitUntilConnectedAsync(TimeSpan timeout, long minConnections = 1, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (IsConnected && ConnectionCount >= minConnections) return true;
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        return IsConnected && ConnectionCount >= minConnections;
    }

    public MqttStats GetStats() => new()
    {
        Connected = IsConnected,
        Reconnects = Math.Max(0, Interlocked.Read(ref _connects) - 1),
        Published = Interlocked.Read(ref _published),
        DroppedDisconnected = Interlocked.Read(ref _droppedDisconnected),
        DroppedQueueFull = Interlocked.Read(ref _droppedQueueFull),
        MasksRateLimited = Interlocked.Read(ref _masksRateLimited),
        PublishErrors = Interlocked.Read(ref _publishErrors),
    };

    /// <summary>Failed connection attempts so far.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public bool TryPublishTelemetry(TelemetrySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (Volatile.Read(ref _disposed) != 0) return false;
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(snapshot, TelemetryJsonContext.Default.TelemetrySnapshot);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Telemetry)
            .WithPayload(json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .WithRetainFlag(false)
            .WithMessageExpiryInterval(_options.TelemetryExpirySeconds)
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build();
        if (!IsConnected)
        {
            KeepLatestTelemetry(message);
            return false;
        }
        return Enqueue(new Outgoing(Kind.Telemetry, message));
    }

    public bool TryReserveMaskSlot()
    {
        if (!_options.PublishMasks || Volatile.Read(ref _disposed) != 0) return false;
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref _lastMaskTicks);
        if (now - last < _maskIntervalTicks)
        {
            Interlocked.Increment(ref _masksRateLimited);
            return false;
        }
        if (!IsConnected)
        {
            Interlocked.Increment(ref _droppedDisconnected);
            return false;
        }
        // Only one caller wins a slot (the frame loop is the only caller in practice).
        return Interlocked.CompareExchange(ref _lastMaskTicks, now, last) == last;
    }

    public bool TryPublishMask(MaskMessage mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (Volatile.Read(ref _disposed) != 0) return false;
        if (!IsConnected)
        {
            Interlocked.Increment(ref _droppedDisconnected);
            return false;
        }
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Mask)
            .WithPayload(mask.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .WithRetainFlag(false)
            .WithMessageExpiryInterval(_options.MaskExpirySeconds)
            .WithContentType(MaskEncodings.ContentType(mask.Encoding))
            .WithUserProperty("frame-id", Utf8(mask.FrameId.ToString(CultureInfo.InvariantCulture)))
            .WithUserProperty("timestamp", Utf8(mask.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)))
            .WithUserProperty("width", Utf8(mask.Width.ToString(CultureInfo.InvariantCulture)))
            .WithUserProperty("height", Utf8(mask.Height.ToString(CultureInfo.InvariantCulture)))
            .WithUserProperty("model-version", Utf8(mask.ModelVersion))
            .WithUserProperty("encoding", Utf8(mask.Encoding))
            .Build();
        return Enqueue(new Outgoing(Kind.Mask, message));
    }

    public bool TryPublishClassCounts(ClassCountsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Volatile.Read(ref _disposed) != 0) return false;
        if (!IsConnected)
        {
            Interlocked.Increment(ref _droppedDisconnected);
            return false;
        }
        var mqtt = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Classes)
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(message, TelemetryJsonContext.Default.ClassCountsMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .WithRetainFlag(false)
            .WithMessageExpiryInterval(_options.TelemetryExpirySeconds)
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build();
        return Enqueue(new Outgoing(Kind.Classes, mqtt));
    }

    public bool TryPublish(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Volatile.Read(ref _disposed) != 0) return false;
        if (!IsConnected)
        {
            Interlocked.Increment(ref _droppedDisconnected);
            return false;
        }
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(message.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
            .WithRetainFlag(message.Retain)
            .WithContentType(message.ContentType);
        if (message.ExpirySeconds > 0) builder.WithMessageExpiryInterval(message.ExpirySeconds);
        if (message.ContentType.StartsWith("application/json", StringComparison.Ordinal) || message.ContentType.StartsWith("text/", StringComparison.Ordinal))
            builder.WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);
        if (message.UserProperties is { } properties)
            foreach (var (name, value) in properties) builder.WithUserProperty(name, Utf8(value));
        var outgoing = new Outgoing(Kind.State, builder.Build());
        if (_stateQueue.Writer.TryWrite(outgoing)) return true;
        HandleUndeliverable(outgoing);
        return false;
    }

    /// <summary>Publishes "stopped" (retained), sends DISCONNECT and stops the background loops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        _stateQueue.Writer.TryComplete();
        // Give the senders a moment to drain what the frame loop queued last.
        try { await Task.WhenAll(_senderLoop, _stateSenderLoop).WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false); }
        catch (Exception) { /* timed out or failed: stopping anyway */ }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await AwaitQuietly(_connectionLoop).ConfigureAwait(false);
        await AwaitQuietly(_senderLoop).ConfigureAwait(false);
        await AwaitQuietly(_stateSenderLoop).ConfigureAwait(false);

        var client = _client;
        _client = null;
        if (client is { IsConnected: true })
        {
            try
            {
                using var cts = new CancellationTokenSource(_timeout);
                await client.PublishAsync(StatusMessage(TopicLayout.Stopped), cts.Token).ConfigureAwait(false);
                await client.DisconnectAsync(
                    new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                    cts.Token).ConfigureAwait(false);
                _logger.LogInformation("MQTT: published '{Status}' and disconnected from {Host}:{Port}", TopicLayout.Stopped, _options.Host, _options.Port);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "MQTT: clean disconnect failed (the broker will publish the Last Will)");
            }
        }
        client?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Test hook: behaves like the process dying. Stops the loops and closes the socket WITHOUT
    /// sending DISCONNECT, so the broker publishes the Last Will.
    /// </summary>
    internal async Task AbortWithoutDisconnectAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        _stateQueue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await AwaitQuietly(_connectionLoop).ConfigureAwait(false);
        await AwaitQuietly(_senderLoop).ConfigureAwait(false);
        await AwaitQuietly(_stateSenderLoop).ConfigureAwait(false);
        var client = _client;
        _client = null;
        client?.Dispose(); // MQTTnet's Dispose closes the channel without a DISCONNECT packet.
    }

    private bool Enqueue(Outgoing item)
    {
        if (_queue.Writer.TryWrite(item)) return true;
        HandleUndeliverable(item); // writer completed (disposing)
        return false;
    }

    private void KeepLatestTelemetry(MqttApplicationMessage message)
    {
        if (Interlocked.Exchange(ref _latestTelemetry, message) is not null)
            Interlocked.Increment(ref _droppedDisconnected);
    }

    private void HandleUndeliverable(Outgoing item)
    {
        if (item.Kind == Kind.Telemetry && Volatile.Read(ref _disposed) == 0) KeepLatestTelemetry(item.Message);
        else Interlocked.Increment(ref _droppedDisconnected);
    }

    private async Task SenderLoopAsync(ChannelReader<Outgoing> reader, CancellationToken token)
    {
        try
        {
            await foreach (var item in reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                var client = _client;
                if (client is not { IsConnected: true })
                {
                    HandleUndeliverable(item);
                    continue;
                }
                try
                {
                    await client.PublishAsync(item.Message, token).ConfigureAwait(false);
                    Interlocked.Increment(ref _published);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref _publishErrors);
                    HandleUndeliverable(item);
                    _logger.LogDebug(ex, "MQTT: publish to {Topic} failed", item.Message.Topic);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        // Whatever is left unsent at shutdown is dropped.
        while (reader.TryRead(out var left))
            Interlocked.Increment(ref _droppedDisconnected);
    }

    private async Task ConnectionLoopAsync(CancellationToken token)
    {
        int attempt = 0;
        while (!token.IsCancellationRequested)
        {
            if (_client is { IsConnected: true })
            {
                try { await _disconnectSignal.WaitAsync(TimeSpan.FromSeconds(1), token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                continue;
            }

            try
            {
                await ConnectOnceAsync(token).ConfigureAwait(false);
                long n = Interlocked.Increment(ref _connects);
                attempt = 0;
                if (n == 1) _logger.LogInformation("MQTT: connected to {Host}:{Port} as {ClientId}", _options.Host, _options.Port, _options.EffectiveClientId);
                else _logger.LogInformation("MQTT: reconnected to {Host}:{Port} (reconnect #{Count})", _options.Host, _options.Port, n - 1);
                var pending = Interlocked.Exchange(ref _latestTelemetry, null);
                if (pending is not null && !_queue.Writer.TryWrite(new Outgoing(Kind.Telemetry, pending)))
                    Interlocked.Increment(ref _droppedDisconnected);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _connectFailures);
                var delay = _backoff.NextDelay(attempt++);
                if (attempt <= 3 || attempt % 20 == 0)
                    _logger.LogWarning("MQTT: connecting to {Host}:{Port} failed ({Error}); retrying in {Delay} ms (attempt {Attempt})",
                        _options.Host, _options.Port, ex.GetBaseException().Message, (int)delay.TotalMilliseconds, attempt);
                try { await Task.Delay(delay, token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    private async Task ConnectOnceAsync(CancellationToken token)
    {
        var old = _client;
        _client = null;
        old?.Dispose();

        var client = _factory.CreateMqttClient();
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected && Volatile.Read(ref _disposed) == 0)
                _logger.LogWarning("MQTT: disconnected from {Host}:{Port} ({Reason})", _options.Host, _options.Port, e.Reason);
            _disconnectSignal.Release();
            return Task.CompletedTask;
        };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
            cts.CancelAfter(_timeout);
            var result = await client.ConnectAsync(_clientOptions, cts.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
            await client.PublishAsync(StatusMessage(TopicLayout.Online), cts.Token).ConfigureAwait(false);
            _client = client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private MqttApplicationMessage StatusMessage(string status) => new MqttApplicationMessageBuilder()
        .WithTopic(Topics.Status)
        .WithPayload(Encoding.UTF8.GetBytes(status))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithRetainFlag(true)
        .WithContentType("text/plain")
        .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
        .Build();

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.EffectiveClientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(_timeout)
            .WithWillTopic(Topics.Status)
            .WithWillPayload(Encoding.UTF8.GetBytes(TopicLayout.Offline))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillContentType("text/plain")
            .WithWillPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);

        if (!string.IsNullOrEmpty(_options.Username))
            builder.WithCredentials(_options.Username, _options.Password ?? "");

        if (_options.UseTls)
            builder.WithTlsOptions(BuildTlsOptions());

        return builder.Build();
    }

    private MqttClientTlsOptions BuildTlsOptions() => BuildTlsOptions(_options);

    /// <summary>TLS settings of every daemon/fleet MQTT connection: Mqtt:CaFile (custom root), client certificate, test-only bypass.</summary>
    public static MqttClientTlsOptions BuildTlsOptions(MqttOptions _options)
    {
        ArgumentNullException.ThrowIfNull(_options);
        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithTargetHost(_options.Host);

        if (!string.IsNullOrEmpty(_options.ClientCertFile))
        {
            var cert = X509Certificate2.CreateFromPemFile(_options.ClientCertFile, _options.ClientKeyFile);
            tls.WithClientCertificates(new X509Certificate2Collection(cert));
        }

        if (_options.AllowUntrustedCertificates)
        {
            tls.WithAllowUntrustedCertificates(true)
               .WithIgnoreCertificateChainErrors(true)
               .WithIgnoreCertificateRevocationErrors(true)
               .WithCertificateValidationHandler(_ => true);
        }
        else if (!string.IsNullOrEmpty(_options.CaFile))
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(_options.CaFile);
            if (trust.Count == 0) throw new InvalidOperationException($"no certificate in Mqtt:CaFile {_options.CaFile}");
            tls.WithCertificateValidationHandler(args => ValidateWithCustomCa(args, trust));
        }
        return tls.Build();
    }

    /// <summary>Accepts the broker certificate when it chains to one of the configured CAs and its name matches.</summary>
    internal static bool ValidateWithCustomCa(MqttClientCertificateValidationEventArgs args, X509Certificate2Collection trust)
    {
        if (args.SslPolicyErrors == SslPolicyErrors.None) return true;
        if ((args.SslPolicyErrors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        if (args.Certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (args.Chain is not null)
        {
            foreach (var element in args.Chain.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        using var leaf = new X509Certificate2(args.Certificate);
        return chain.Build(leaf);
    }

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);

    private static async Task AwaitQuietly(Task task)
    {
        try { await task.ConfigureAwait(false); }
        catch (Exception) { /* loops log their own failures */ }
    }
}
