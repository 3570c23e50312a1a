using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace EdgeRuntime.Telemetry;

/// <summary>
/// An in-process MQTT broker (MQTTnet server) on 127.0.0.1 only, for when no broker is configured:
/// local tools can still subscribe to the device's topics. No TLS, no authentication: loopback only.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;

    private EmbeddedBroker(MqttServer server, int port, ILogger logger)
    {
        _server = server;
        Port = port;
        _logger = logger;
    }

    /// <summary>Always the IPv4 loopback address.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The bound port (the one picked by the OS when 0 was asked for).</summary>
    public int Port { get; }

    public bool IsStarted => _server.IsStarted;

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0 = any free port).</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port = 1883, ILogger? logger = null)
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
        await server.StartAsync().ConfigureAwait(false);
        // MQTTnet writes the OS-chosen port back into the endpoint options when 0 was asked for.
        int bound = options.DefaultEndpointOptions.Port;
        logger.LogInformation("Embedded MQTT broker listening on 127.0.0.1:{Port}", bound);
        return new EmbeddedBroker(server, bound, logger);
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
