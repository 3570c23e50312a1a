using System.Text.Json;
using EdgeRuntime.Automation.Gpio;
using EdgeRuntime.Daemon;
using EdgeRuntime.Hosting;
using EdgeRuntime.Telemetry;
using EdgeRuntime.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Tests.Automation;

/// <summary>The telemetry JSON of gating and thermal state, and the status LED reading the daemon's real state.</summary>
public sealed class AutomationTelemetryTests
{
    [Fact]
    public void GateAndThermal_SerializeSnakeCase_NullsOmitted()
    {
        var snapshot = new TelemetrySnapshot
        {
            Device = "pi5",
            Timestamp = DateTimeOffset.UnixEpoch,
            Model = new ModelInfo("m", "1", "ab"),
            LatencyMs = [],
            Thermal = new ThermalStats { State = "throttled", ThrottleAboveC = 75, ResumeBelowC = 68, MaxFps = 2, Throttles = 1 },
            Gate = new InferenceGateStats { Triggered = true, FramesSeen = 40, FramesInferred = 10, DutyCycle = 0.25 },
        };
        var root = JsonDocument.Parse(JsonSerializer.Serialize(snapshot, TelemetryJsonContext.Default.TelemetrySnapshot)).RootElement;
        var thermal = root.GetProperty("thermal");
        Assert.Equal("throttled", thermal.GetProperty("state").GetString());
        Assert.Equal(75, thermal.GetProperty("throttle_above_c").GetDouble());
        Assert.Equal(68, thermal.GetProperty("resume_below_c").GetDouble());
        Assert.Equal(2, thermal.GetProperty("max_fps").GetDouble());
        var gate = root.GetProperty("gate");
        Assert.True(gate.GetProperty("triggered").GetBoolean());
        Assert.Equal(0.25, gate.GetProperty("duty_cycle").GetDouble());
        Assert.Equal(10, gate.GetProperty("frames_inferred").GetInt64());
        Assert.False(gate.TryGetProperty("estimated_saving_w", out _));
        Assert.False(root.TryGetProperty("cpu_temperature_c", out _)); // not available: omitted, not 0
    }

    [Fact]
    public async Task StatusLed_InTheDaemon_ShowsBrokerOffline_WhenTheBrokerIsUnreachable()
    {
        // A port nothing listens on: MQTT is enabled but never connects.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var driver = new RecordingGpioDriver();
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => new ThresholdTestSegmenter(),
            OpenSource = _ => new SyntheticTestFrameSource(frameCount: 3, delayMs: 5, hangAtEnd: true),
        };
        string[] args = ["run", "--source", "synthetic:test", "--device", "led-dev", "--mqtt-host", "127.0.0.1", "--mqtt-port", port.ToString(),
            "--Mqtt:ReconnectMinDelayMs=100", "--Mqtt:ReconnectMaxDelayMs=500", "--Gpio:StatusLed:Pin=27"];
        var builder = DaemonHost.CreateBuilder(args, hooks);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IGpioDriverFactory>(new RecordingDriverFactory(driver));
        using var host = builder.Build();
        using var stop = new CancellationTokenSource();
        var run = DaemonHost.RunHostAsync(host, stop.Token);

        var gpio = host.Services.GetRequiredService<GpioRuntime>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (gpio.Led?.Code != StatusCode.BrokerOffline && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(StatusCode.BrokerOffline, gpio.Led?.Code);
        Assert.Contains(driver.WritesTo(27), w => w.Value == System.Device.Gpio.PinValue.High); // it blinks

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(System.Device.Gpio.PinValue.Low, driver.WritesTo(27)[^1].Value); // off at shutdown
    }
}
