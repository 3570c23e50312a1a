using System.Globalization;
using System.Text.Json;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Hosting;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Tests.Telemetry;

/// <summary>The daemon host end to end, with test doubles for the segmenter and the source, against a real mosquitto.</summary>
public sealed class FrameLoopServiceTests
{
    private static readonly TimeSpan Timeout = TelemetryTestData.Timeout;

    private static HostApplicationBuilder Builder(DaemonHooks hooks, params string[] args)
    {
        var builder = DaemonHost.CreateBuilder(args, hooks);
        builder.Logging.ClearProviders();
        return builder;
    }

    private static string[] Args(string device, MosquittoFixture? broker, params string[] extra)
    {
        var args = new List<string> { "run", "--source", "synthetic:test", "--device", device, "--telemetry-interval", "40" };
        if (broker is not null) args.AddRange(["--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--Mqtt:ReconnectMinDelayMs=100", "--Mqtt:ReconnectMaxDelayMs=500"]);
        args.AddRange(extra);
        return [.. args];
    }

    [Fact]
    public async Task FiniteSource_CorruptFrameSkipped_TelemetryAndMasksPublished_HostStopsWithStopped()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        await using var sub = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "edgert/v1/loop-dev/#");
        var watchdog = new CountingWatchdog(TimeSpan.FromMilliseconds(40));
        var segmenter = new ThresholdTestSegmenter();
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => segmenter,
            OpenSource = uri => uri == "synthetic:test" ? new SyntheticTestFrameSource(frameCount: 8, corruptIndex: 3, delayMs: 25) : throw new ArgumentException(uri),
            Watchdog = watchdog,
        };
        var builder = Builder(hooks, Args("loop-dev", broker, "--publish-masks", "true", "--Mqtt:MaxMaskRatePerSecond=1000", "--Mqtt:PublishClassCounts=true"));
        using var host = builder.Build();

        int exitCode = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

        var status = host.Services.GetRequiredService<DaemonStatus>();
        Assert.Equal(0, exitCode);
        Assert.True(status.SourceEnded);
        Assert.Equal(7, status.FramesProcessed);
        Assert.Equal(1, status.FramesCorrupt);
        Assert.Equal(0, status.FramesDropped);
        Assert.Equal(7, segmenter.Calls);
        Assert.True(watchdog.Pings >= 1, "the watchdog was never pinged while frames flowed");
        Assert.NotNull(status.LatencyTable);
        Assert.Contains("inference", status.LatencyTable);

        // The final telemetry carries the totals and sane latency fields.
        var final = await sub.WaitForAsync(m => m.Topic == "edgert/v1/loop-dev/telemetry"
            && JsonDocument.Parse(MqttTestSubscriber.Text(m)).RootElement.GetProperty("frames_processed").GetInt64() == 7, Timeout, "final telemetry");
        var root = JsonDocument.Parse(MqttTestSubscriber.Text(final)).RootElement;
        Assert.Equal("loop-dev", root.GetProperty("device").GetString());
        Assert.Equal(1, root.GetProperty("frames_corrupt").GetInt64());
        Assert.Equal("threshold-test-double", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal("0123456789ab", root.GetProperty("model").GetProperty("version").GetString());
        var latency = root.GetProperty("latency_ms");
        Assert.Equal(8, latency.GetProperty("capture").GetProperty("count").GetInt64()); // the corrupt frame was captured too
        Assert.Equal(7, latency.GetProperty("decode").GetProperty("count").GetInt64());
        var inference = latency.GetProperty("inference");
        Assert.Equal(7, inference.GetProperty("count").GetInt64());
        double p50 = inference.GetProperty("p50").GetDouble(), p95 = inference.GetProperty("p95").GetDouble(), p99 = inference.GetProperty("p99").GetDouble();
        Assert.True(p50 > 0 && p50 <= p95 && p95 <= p99 && p99 < 10_000, $"inference p50={p50} p95={p95} p99={p99}");
        Assert.InRange(latency.GetProperty("capture").GetProperty("p50").GetDouble(), 5, 10_000); // the source sleeps 25 ms per frame
        Assert.True(root.GetProperty("gc_heap_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("rss_bytes").GetInt64() > 1_000_000);
        Assert.True(root.GetProperty("uptime_s").GetDouble() > 0);
        Assert.True(root.GetProperty("mqtt").GetProperty("connected").GetBoolean());

        // Masks: RLE payload equal to what the segmenter produced for that frame.
        var mask = await sub.WaitForAsync(m => m.Topic == "edgert/v1/loop-dev/mask", Timeout, "mask");
        int frameId = int.Parse(MqttTestSubscriber.UserProperty(mask, "frame-id")!, CultureInfo.InvariantCulture);
        Assert.NotEqual(3, frameId);
        Assert.Equal("16", MqttTestSubscriber.UserProperty(mask, "width"));
        Assert.Equal("12", MqttTestSubscriber.UserProperty(mask, "height"));
        Assert.Equal("0123456789ab", MqttTestSubscriber.UserProperty(mask, "model-version"));
        Assert.Equal("rle", MqttTestSubscriber.UserProperty(mask, "encoding"));
        Assert.NotNull(MqttTestSubscriber.UserProperty(mask, "timestamp"));
        var decoded = RunLengthMaskCodec.Decode(System.Buffers.BuffersExtensions.ToArray(mask.Payload), out int w, out int h);
        Assert.Equal((16, 12), (w, h));
        Assert.Equal(ThresholdTestSegmenter.Expected(SyntheticTestFrameSource.Pixels(frameId)), decoded);

        // Per-class pixel counts ride along with telemetry.
        var classes = await sub.WaitForAsync(m => m.Topic == "edgert/v1/loop-dev/classes", Timeout, "class counts");
        var cj = JsonDocument.Parse(MqttTestSubscriber.Text(classes)).RootElement;
        var counts = cj.GetProperty("counts").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(21, counts.Length);
        Assert.Equal(16 * 12, counts.Sum());
        int countsFrame = cj.GetProperty("frame_id").GetInt32();
        Assert.Equal(ThresholdTestSegmenter.Expected(SyntheticTestFrameSource.Pixels(countsFrame)).Count(c => c == 15), counts[15]);

        // Clean stop: the retained status says "stopped", not the Last Will.
        await using var late = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "edgert/v1/loop-dev/status");
        var retained = await late.WaitForAsync(_ => true, Timeout, "retained status");
        Assert.Equal(TopicLayout.Stopped, MqttTestSubscriber.Text(retained));
    }

    [Fact]
    public async Task HungSource_StopsWatchdogPings_AndShutdownPublishesStopped()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        var watchdog = new CountingWatchdog(TimeSpan.FromMilliseconds(40)); // pinged every 20 ms while progressing
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => new ThresholdTestSegmenter(),
            OpenSource = _ => new SyntheticTestFrameSource(frameCount: 3, delayMs: 1, hangAtEnd: true),
            Watchdog = watchdog,
        };
        using var host = Builder(hooks, Args("hung-dev", broker)).Build();
        await host.StartAsync();
        var status = host.Services.GetRequiredService<DaemonStatus>();
        var deadline = DateTime.UtcNow + Timeout;
        while (status.FramesProcessed < 3 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(3, status.FramesProcessed);

        await Task.Delay(150); // at most one more ping for the last progress
        long pingsAfterHang = watchdog.Pings;
        Assert.True(pingsAfterHang >= 1);
        await Task.Delay(400); // ~20 timer ticks with no progress
        Assert.Equal(pingsAfterHang, watchdog.Pings);

        var publisher = host.Services.GetRequiredService<MqttHostedService>().Publisher!;
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout));
        // What SIGTERM does: the host stops; the loop is cancelled; MQTT publishes "stopped" and disconnects.
        await host.StopAsync(TimeSpan.FromSeconds(20));
        Assert.False(status.SourceEnded);
        Assert.Equal(0, status.ExitCode);
        await using var late = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "edgert/v1/hung-dev/status");
        var retained = await late.WaitForAsync(_ => true, Timeout, "retained status");
        Assert.Equal(TopicLayout.Stopped, MqttTestSubscriber.Text(retained));
    }

    [Fact]
    public async Task NoBrokerConfigured_StartsEmbeddedBroker_OnLoopback()
    {
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => new ThresholdTestSegmenter(),
            OpenSource = _ => new SyntheticTestFrameSource(frameCount: 1000, delayMs: 10),
            Watchdog = new CountingWatchdog(TimeSpan.Zero),
        };
        string credentials = Path.Combine(Directory.CreateTempSubdirectory("edgert-emb-").FullName, "broker-users.json");
        using var host = Builder(hooks, Args("emb-dev", broker: null, "--Mqtt:EmbeddedBrokerPort=0", $"--Mqtt:EmbeddedBrokerCredentialsFile={credentials}")).Build();
        await host.StartAsync();
        try
        {
            var mqtt = host.Services.GetRequiredService<MqttHostedService>();
            Assert.NotNull(mqtt.Broker);
            // Logins generated at first start, 0600; anonymous clients are refused.
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
            await Assert.ThrowsAnyAsync<Exception>(() => MqttTestSubscriber.ConnectAsync("127.0.0.1", mqtt.Broker!.Port, "edgert/v1/emb-dev/#"));
            var viewer = MqttHostedService.LoadOrCreateCredentials(credentials, "emb-dev").Find(BrokerRoles.Viewer)!;
            await using var sub = await MqttTestSubscriber.ConnectAsync("127.0.0.1", mqtt.Broker!.Port, "edgert/v1/emb-dev/#", viewer.Username, viewer.Password);
            var s = await sub.WaitForAsync(m => m.Topic.EndsWith("/status"), Timeout, "status via embedded broker");
            Assert.Equal(TopicLayout.Online, MqttTestSubscriber.Text(s));
            var t = await sub.WaitForAsync(m => m.Topic.EndsWith("/telemetry"), Timeout, "telemetry via embedded broker");
            Assert.True(JsonDocument.Parse(MqttTestSubscriber.Text(t)).RootElement.GetProperty("frames_processed").GetInt64() >= 0);
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task EveryFrameCorrupt_FrameLoopRestartsWithBackoff_ProcessKeepsRunning()
    {
        int opened = 0;
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => new ThresholdTestSegmenter(),
            OpenSource = _ => { Interlocked.Increment(ref opened); return new SyntheticTestFrameSource(frameCount: 50, delayMs: 0, allCorrupt: true); },
        };
        using var host = Builder(hooks, Args("bad-dev", null, "--Daemon:MqttEnabled=false", "--Daemon:MaxConsecutiveFailures=5",
            "--Daemon:RestartMinDelayMs=20", "--Daemon:RestartMaxDelayMs=50")).Build();
        var run = DaemonHost.RunHostAsync(host);
        var status = host.Services.GetRequiredService<DaemonStatus>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (status.RestartsOf("frame-loop") < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(status.RestartsOf("frame-loop") >= 3, $"restarts: {status.RestartsOf("frame-loop")}");
        Assert.False(run.IsCompleted);
        Assert.True(Volatile.Read(ref opened) >= 3);
        Assert.Contains("frame-loop: InvalidDataException", status.LastFault);
        await host.StopAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task OutputDirectory_WithoutPngWriter_WritesRleMasks_AndHookIsUsedWhenGiven()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-out-").FullName;
        try
        {
            var hooks = new DaemonHooks
            {
                CreateSegmenter = _ => new ThresholdTestSegmenter(),
                OpenSource = _ => new SyntheticTestFrameSource(frameCount: 4, delayMs: 0),
            };
            using (var host = Builder(hooks, Args("out-dev", null, "--Daemon:MqttEnabled=false", "--output", dir)).Build())
                Assert.Equal(0, await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(30)));
            var files = Directory.GetFiles(dir, "*.erle").Order().ToArray();
            Assert.Equal(4, files.Length);
            Assert.Equal(ThresholdTestSegmenter.Expected(SyntheticTestFrameSource.Pixels(2)),
                RunLengthMaskCodec.Decode(File.ReadAllBytes(files[2]), out _, out _));

            var written = new List<long>();
            hooks.WriteOutputs = (d, id, image, map, classes) => { Assert.Equal(dir, d); Assert.Equal(21, classes); Assert.Equal(image.Width * image.Height, map.Length); written.Add(id); };
            hooks.OpenSource = _ => new SyntheticTestFrameSource(frameCount: 6, delayMs: 0);
            using (var host = Builder(hooks, Args("out-dev", null, "--Daemon:MqttEnabled=false", "--output", dir, "--Daemon:OutputEveryNthFrame=2")).Build())
                Assert.Equal(0, await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(3, written.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Configuration_FileThenCommandLine_AndMissingSourceIsExit2()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("edgert-cfg-").FullName, "edgert.json");
        File.WriteAllText(file, """
            { "Daemon": { "Source": "v4l2:/dev/video0", "ModelPath": "/opt/m.tflite", "TelemetryIntervalMs": 2000, "DeviceId": "from-file" },
              "Mqtt": { "Host": "127.0.0.1", "Port": 1884, "PublishMasks": true, "MaxMaskRatePerSecond": 0.5 } }
            """);
        var hooks = new DaemonHooks { CreateSegmenter = _ => new ThresholdTestSegmenter(), OpenSource = _ => new SyntheticTestFrameSource(1) };
        var builder = Builder(hooks, "run", "--config", file, "--telemetry-interval", "500", "--Mqtt:Port=1885");
        using (var host = builder.Build())
        {
            var d = host.Services.GetRequiredService<IOptions<DaemonOptions>>().Value;
            var m = host.Services.GetRequiredService<IOptions<MqttOptions>>().Value;
            Assert.Equal("v4l2:/dev/video0", d.Source);
            Assert.Equal("/opt/m.tflite", d.ModelPath);
            Assert.Equal(500, d.TelemetryIntervalMs); // command line beats the file
            Assert.Equal("from-file", d.DeviceId);
            Assert.Equal("from-file", m.DeviceId);
            Assert.Equal(1885, m.Port);
            Assert.True(m.PublishMasks);
            Assert.Equal(0.5, m.MaxMaskRatePerSecond);
            // SIGTERM/Ctrl+C handling outside systemd (under systemd AddSystemd swaps in SystemdLifetime).
            Assert.Equal("ConsoleLifetime", host.Services.GetRequiredService<IHostLifetime>().GetType().Name);
        }

        using var noSource = Builder(hooks, "run").Build();
        Assert.Equal(2, await DaemonHost.RunHostAsync(noSource).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, await DaemonHost.RunAsync(["run", "--config", "/nonexistent/edgert.json"], hooks));
    }

    [Fact]
    public void WatchdogPinger_PingsOnlyAfterProgress()
    {
        var wd = new CountingWatchdog(TimeSpan.FromSeconds(10));
        var pinger = new WatchdogPinger(wd);
        Assert.False(pinger.Tick());
        pinger.MarkProgress();
        Assert.True(pinger.Tick());
        Assert.False(pinger.Tick());
        pinger.MarkProgress();
        pinger.MarkProgress();
        Assert.True(pinger.Tick());
        Assert.False(pinger.Tick());
        Assert.Equal(2, wd.Pings);

        Assert.Equal(TimeSpan.FromSeconds(30), SystemdWatchdogNotifier.ParseTimeout("30000000", null, 42));
        Assert.Equal(TimeSpan.FromSeconds(30), SystemdWatchdogNotifier.ParseTimeout("30000000", "42", 42));
        Assert.Null(SystemdWatchdogNotifier.ParseTimeout("30000000", "41", 42));
        Assert.Null(SystemdWatchdogNotifier.ParseTimeout(null, null, 42));
        Assert.Null(SystemdWatchdogNotifier.ParseTimeout("0", null, 42));
    }
}
