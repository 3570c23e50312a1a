using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Telemetry;

internal static class TelemetryTestData
{
    public static MqttOptions Options(string host, int port, string device = "dev1") => new()
    {
        Host = host,
        Port = port,
        DeviceId = device,
        ClientId = "edgert-test-" + device + "-" + Guid.NewGuid().ToString("N")[..6],
        KeepAliveSeconds = 5,
        TimeoutSeconds = 3,
        ReconnectMinDelayMs = 100,
        ReconnectMaxDelayMs = 500,
    };

    public static TelemetrySnapshot Snapshot(string device, long framesProcessed) => new()
    {
        Device = device,
        Timestamp = DateTimeOffset.UtcNow,
        Model = new ModelInfo("deeplab-test", "v1", new string('a', 64)),
        Fps = 10,
        FramesProcessed = framesProcessed,
        LatencyMs = new LatencyRecorder(16).Snapshot(),
    };

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
}
