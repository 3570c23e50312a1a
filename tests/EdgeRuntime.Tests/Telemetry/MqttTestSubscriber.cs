using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeRuntime.Tests.Telemetry;

/// <summary>A plain MQTTnet client that records every message it receives on a topic filter.</summary>
public sealed class MqttTestSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<MqttApplicationMessage> _messages = Channel.CreateUnbounded<MqttApplicationMessage>();
    private readonly List<MqttApplicationMessage> _all = [];

    private MqttTestSubscriber(IMqttClient client) => _client = client;

    public IReadOnlyList<MqttApplicationMessage> All { get { lock (_all) return _all.ToArray(); } }

    public static async Task<MqttTestSubscriber> ConnectAsync(string host, int port, string topicFilter, string? username = null, string? password = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var sub = new MqttTestSubscriber(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            lock (sub._all) sub._all.Add(e.ApplicationMessage);
            sub._messages.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("test-sub-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(true)
            .WithCredentials(username, password)
            .Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(options, cts.Token);
        await client.SubscribeAsync(topicFilter, MqttQualityOfServiceLevel.AtLeastOnce, cts.Token);
        return sub;
    }

    /// <summary>Returns the first message received so far that matches, or waits for one to arrive.</summary>
    public async Task<MqttApplicationMessage> WaitForAsync(Func<MqttApplicationMessage, bool> predicate, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var match = All.FirstOrDefault(predicate);
                if (match is not null) return match;
                await _messages.Reader.ReadAsync(cts.Token); // wake up on the next arrival
            }
        }
        catch (OperationCanceledException)
        {
            var all = All;
            var seen = string.Join("\n", all.TakeLast(5).Select(m => $"  {m.Topic} retain={m.Retain} '{Shorten(Text(m))}'"));
            throw new TimeoutException($"no message '{what}' within {timeout.TotalSeconds:F0} s; received {all.Count}, the last:\n{seen}");
        }
    }

    private static string Shorten(string s) => s.Length > 300 ? s[..300] + "..." : s;

    public static string Text(MqttApplicationMessage m) => Encoding.UTF8.GetString(m.Payload);

    public static string? UserProperty(MqttApplicationMessage m, string name) =>
        m.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }
        catch (Exception) { }
        _client.Dispose();
    }
}
