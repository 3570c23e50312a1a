using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace EdgeRuntime.Telemetry;

/// <summary>
/// An in-process MQTT broker (MQTTnet server) on 127.0.0.1 only, for when no broker is configured.
/// With a <see cref="BrokerAcl"/> (what the daemon always uses): users and passwords, per-topic ACLs, client-id
/// protection, bounded packets and retained messages. Without one (tests only): open, as a plain loopback broker.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;

    private EmbeddedBroker(MqttServer server, int port, ILogger logger, BrokerAcl? acl, BrokerCredentials? credentials)
    {
        _server = server;
        Port = port;
        _logger = logger;
        Acl = acl;
        DeviceCredentials = credentials?.Find(BrokerRoles.Device);
    }

    public BrokerAcl? Acl { get; }

    /// <summary>The login the daemon's own clients use (null: open broker).</summary>
    public BrokerUser? DeviceCredentials { get; }

    /// <summary>Always the IPv4 loopback address.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The bound port (the one picked by the OS when 0 was asked for).</summary>
    public int Port { get; }

    public bool IsStarted => _server.IsStarted;

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0 = any free port).</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port = 1883, ILogger? logger = null, BrokerCredentials? credentials = null, BrokerAcl? acl = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        logger ??= NullLogger.Instance;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithMaxPendingMessagesPerClient(256)
            .Build();
        // Loopback only: no IPv6 listener (MQTTnet binds [::] unless told otherwise).
        options.DefaultEndpointOptions.BoundInterNetworkV6Address = IPAddress.None;

        var server = new MqttServerFactory().CreateMqttServer(options);
        if (acl is not null) Secure(server, acl, logger);
        await server.StartAsync().ConfigureAwait(false);
        // MQTTnet writes the OS-chosen port back into the endpoint options when 0 was asked for.
        int bound = options.DefaultEndpointOptions.Port;
        logger.LogInformation("Embedded MQTT broker listening on 127.0.0.1:{Port}", bound);
        return new EmbeddedBroker(server, bound, logger, acl, credentials);
    }

    private static void Secure(MqttServer server, BrokerAcl acl, ILogger logger)
    {
        server.ValidatingConnectionAsync += e =>
        {
            string? role = acl.Authenticate(e.UserName, e.Password);
            if (role is null)
            {
                e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.BadUserNameOrPassword;
                logger.LogWarning("Embedded broker: refused a connection (client id length {Length}): bad user name or password", e.ClientId?.Length ?? 0);
                return Task.CompletedTask;
            }
            if (acl.CheckClientId(e.UserName!, role, e.ClientId ?? "") is { } why)
            {
                e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.ClientIdentifierNotValid;
                logger.LogWarning("Embedded broker: refused {User}: {Why}", e.UserName, why);
                return Task.CompletedTask;
            }
            acl.Connected(e.ClientId ?? "", e.UserName!);
            return Task.CompletedTask;
        };
        server.ClientDisconnectedAsync += e =>
        {
            acl.Disconnected(e.ClientId, e.UserName);
            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += e =>
        {
            var m = e.ApplicationMessage;
            if (acl.CheckPublish(e.UserName, m.Topic, m.Payload.Length, m.Retain) is { } why)
            {
                e.ProcessPublish = false;
                e.Response.ReasonCode = MQTTnet.Protocol.MqttPubAckReasonCode.NotAuthorized;
                if (acl.Refused <= 20 || acl.Refused % 100 == 0)
                    logger.LogWarning("Embedded broker: refused a publish by {User} ({Bytes} bytes): {Why}", e.UserName ?? "?", m.Payload.Length, why);
            }
            return Task.CompletedTask;
        };
        server.InterceptingSubscriptionAsync += e =>
        {
            if (acl.CheckSubscribe(e.UserName, e.TopicFilter.Topic) is { } why)
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MQTTnet.Protocol.MqttSubscribeReasonCode.NotAuthorized;
                logger.LogWarning("Embedded broker: refused a subscription by {User}: {Why}", e.UserName ?? "?", why);
            }
            return Task.CompletedTask;
        };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_server.IsStarted) await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Embedded MQTT broker did not stop cleanly");
        }
        _server.Dispose();
    }
}
