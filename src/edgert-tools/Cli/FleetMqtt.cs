using MQTTnet.Packets;
using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using EdgeRuntime.Ota;
using EdgeRuntime.Telemetry;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeRuntime.Cli;

/// <summary>The operator's MQTT connection: publishes retained manifests/chunks and tracks every device's model state.</summary>
public sealed class FleetMqtt : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentDictionary<string, ModelStateMessage> _states = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);

    private readonly ConcurrentDictionary<string, string> _identities = new(StringComparer.Ordinal);
    private long _unverified;

    private FleetMqtt(IMqttClient client, string prefix, DeviceKeyRing? devices)
    {
        _client = client;
        Prefix = prefix;
        Devices = devices;
    }

    public string Prefix { get; }

    /// <summary>Enrolled device keys; null: state messages are taken unsigned (device id still from the topic).</summary>
    public DeviceKeyRing? Devices { get; }

    /// <summary>Latest verified state per device (device id = the topic's device level, which the signature covers).</summary>
    public IReadOnlyDictionary<string, ModelStateMessage> States => _states;

    /// <summary>Public keys (PEM) devices published on &lt;prefix&gt;/&lt;device&gt;/identity (for `fleet enroll --broker`).</summary>
    public IReadOnlyDictionary<string, string> Identities => _identities;

    /// <summary>State messages dropped: unsigned, bad signature, unknown device, device field not matching the topic, too large.</summary>
    public long Unverified => Interlocked.Read(ref _unverified);

    /// <summary>Largest state message read, bytes.</summary>
    public const int MaxStateBytes = 64 * 1024;

    /// <summary>Connects to "host:port" and subscribes to &lt;prefix&gt;/+/model/state and &lt;prefix&gt;/+/identity.</summary>
    public static async Task<FleetMqtt> ConnectAsync(string broker, string prefix = TopicLayout.DefaultPrefix, CancellationToken ct = default,
        DeviceKeyRing? devices = null, MqttOptions? login = null)
    {
        var (host, port) = ParseBroker(broker);
        var client = new MqttClientFactory().CreateMqttClient();
        var fleet = new FleetMqtt(client, prefix.TrimEnd('/'), devices);
        client.ApplicationMessageReceivedAsync += e =>
        {
            fleet.OnMessage(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("edgert-fleet-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(true)
            .WithMaximumPacketSize(MaxStateBytes + 4096);
        if (login is not null)
        {
            if (!string.IsNullOrEmpty(login.Username)) builder.WithCredentials(login.Username, login.Password ?? "");
            if (login.UseTls)
            {
                login.Host = host;
                builder.WithTlsOptions(MqttPublisher.BuildTlsOptions(login)); // --ca-file honoured
            }
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var result = await client.ConnectAsync(builder.Build(), cts.Token).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new IOException($"broker refused the connection: {result.ResultCode}");
        await client.SubscribeAsync($"{fleet.Prefix}/+/model/state", MqttQualityOfServiceLevel.AtLeastOnce, cts.Token).ConfigureAwait(false);
        await client.SubscribeAsync($"{fleet.Prefix}/+/identity", MqttQualityOfServiceLevel.AtLeastOnce, cts.Token).ConfigureAwait(false);
        return fleet;
    }

    /// <summary>The device level of &lt;prefix&gt;/&lt;device&gt;/&lt;suffix&gt;, or null.</summary>
    private string? DeviceOf(string topic, string suffix)
    {
        string head = Prefix + "/";
        if (!topic.StartsWith(head, StringComparison.Ordinal) || !topic.EndsWith(suffix, StringComparison.Ordinal)) return null;
        string device = topic[head.Length..^suffix.Length];
        return device.Length == 0 || device.Contains('/') || device == "groups" ? null : device;
    }

    private void OnMessage(MqttApplicationMessage m)
    {
        if (m.Payload.Length == 0) return;
        if (DeviceOf(m.Topic, "/identity") is { } idDevice)
        {
            if (m.Payload.Length <= 4096) _identities[idDevice] = System.Text.Encoding.UTF8.GetString(m.Payload.ToArray());
            return;
        }
        string? device = DeviceOf(m.Topic, "/model/state");
        if (device is null) return;
        byte[] payload = m.Payload.ToArray();
        if (payload.Length > MaxStateBytes) { Interlocked.Increment(ref _unverified); return; }
        if (Devices is not null)
        {
            string? sig = m.UserProperties?.FirstOrDefault(p => p.Name == "sig")?.ReadValueAsString();
            if (!Devices.Verify(device, m.Topic, payload, sig)) { Interlocked.Increment(ref _unverified); return; }
        }
        try
        {
            var state = JsonSerializer.Deserialize(payload, OtaJsonContext.Default.ModelStateMessage);
            if (state is null || state.Device != device) { Interlocked.Increment(ref _unverified); return; }
            _states[device] = state;
            _changed.Release();
        }
        catch (JsonException) { Interlocked.Increment(ref _unverified); }
    }

    public static (string Host, int Port) ParseBroker(string broker)
    {
        int colon = broker.LastIndexOf(':');
        if (colon <= 0) return (broker, 1883);
        return int.TryParse(broker.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port)
            ? (broker[..colon], port)
            : throw new CliException($"--broker '{broker}' is not host:port");
    }

    public string DeviceDesiredTopic(string device) => DesiredState.DeviceTopic(Prefix, device);
    public string GroupDesiredTopic(string group) => DesiredState.GroupTopic(Prefix, group);

    /// <summary>Publishes a retained payload (empty payload clears the retained message).</summary>
    public async Task PublishRetainedAsync(string topic, byte[] payload, CancellationToken ct = default)
    {
        var msg = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(true)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json").Build();
        await _client.PublishAsync(msg, ct).ConfigureAwait(false);
    }

    public async Task PublishAsync(MqttApplicationMessage message, CancellationToken ct = default) =>
        await _client.PublishAsync(message, ct).ConfigureAwait(false);

    /// <summary>Waits until a state message arrives (or the timeout passes).</summary>
    public async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        try { await _changed.WaitAsync(timeout, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
    }

    /// <summary>A table of the known devices.</summary>
    public static string FormatTable(IEnumerable<ModelStateMessage> states)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{"device",-20} {"group",-12} {"active",-26} {"target",-10} {"state",-40} {"pin",-4} {"updated",-20}");
        foreach (var s in states.OrderBy(s => s.Device, StringComparer.Ordinal))
        {
            string active = s.ActiveVersion is { } v ? $"{s.ActiveName} v{v.ToString(CultureInfo.InvariantCulture)}" : $"{s.ActiveName} (factory)";
            string target = s.TargetVersion is { } t ? "v" + t.ToString(CultureInfo.InvariantCulture) : "-";
            string state = s.State;
            if (s.BytesTotal is > 0 && s.State == ModelLifecycle.Downloading)
                state += $" {100.0 * (s.BytesDone ?? 0) / s.BytesTotal.Value:F0}%";
            sb.AppendLine($"{s.Device,-20} {s.Group ?? "-",-12} {Cut(active, 26),-26} {target,-10} {Cut(state, 40),-40} {(s.Pinned ? "yes" : "no"),-4} {s.Timestamp.UtcDateTime:yyyy-MM-dd HH:mm:ss}");
        }
        return sb.ToString();
    }

    private static string Cut(string s, int n) => s.Length > n ? s[..(n - 1)] + "~" : s;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception) { /* best effort */ }
        _client.Dispose();
        _changed.Dispose();
        Devices?.Dispose();
    }
}
