using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tests.Telemetry;
using MQTTnet;

namespace EdgeRuntime.Tests.EndToEnd;

/// <summary>Runs alone: the daemon processes measure their own latency and must not fight other suites for the 2 cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end daemon processes";
}

/// <summary>
/// A temp folder of frames for the daemon's folder source: three real VOC JPEGs and, between the first and
/// the second, a truncated JPEG. Ordinal file order = frame order, so frame id n (1-based, looping) is
/// <c>Files[(n - 1) % Files.Count]</c>.
/// </summary>
public sealed class EndToEndFrames : IDisposable
{
    public static readonly string[] Sources = ["2007_000033", "2007_000042", "2007_000061"];

    public EndToEndFrames()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgert-e2e-frames-").FullName;
        string voc = SharedData.Path("data", "voc2012_val", "JPEGImages");
        string P(string name) => Path.Combine(voc, name + ".jpg");
        var files = new List<string>
        {
            Copy(P(Sources[0]), "01-" + Sources[0] + ".jpg"),
            Truncated(P("2007_000123"), "02-corrupt.jpg"),
            Copy(P(Sources[1]), "03-" + Sources[1] + ".jpg"),
            Copy(P(Sources[2]), "04-" + Sources[2] + ".jpg"),
        };
        Files = files;
        CorruptIndex = 1;
        ModelPath = SharedData.Model(SharedData.CoralDm05);
        ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ModelPath)));
    }

    public string Directory { get; }
    public IReadOnlyList<string> Files { get; }
    public int CorruptIndex { get; }
    public string ModelPath { get; }
    public string ModelSha256 { get; }

    /// <summary>Index into <see cref="Files"/> of frame id <paramref name="frameId"/> (ids start at 1 and the source loops).</summary>
    public int IndexOfFrame(long frameId) => (int)((frameId - 1) % Files.Count);

    public string Source(double fps) => $"folder:{Directory}?loop=true&fps={fps.ToString(CultureInfo.InvariantCulture)}";

    private string Copy(string from, string name)
    {
        string to = Path.Combine(Directory, name);
        File.Copy(from, to);
        return to;
    }

    /// <summary>The first 40 % of a real JPEG: a valid header, then the entropy-coded data stops (no EOI).</summary>
    private string Truncated(string from, string name)
    {
        byte[] bytes = File.ReadAllBytes(from);
        string to = Path.Combine(Directory, name);
        File.WriteAllBytes(to, bytes.AsSpan(0, bytes.Length * 2 / 5).ToArray());
        return to;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// End-to-end: the real `edgert run` (dotnet-hosted edgert.dll of this build; set EDGERT_E2E_BINARY to run the
/// NativeAOT binary instead) as a separate process, a real mosquitto on 127.0.0.1, and an MQTTnet client that
/// subscribes like a fleet dashboard. Each test owns its broker and daemon.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DaemonProcessTests(EndToEndFrames frames, ITestOutputHelper output) : IClassFixture<EndToEndFrames>
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(45);
    private static readonly string[] Stages = ["capture", "decode", "preprocess", "inference", "postprocess", "publish"];

    private string[] Args(MosquittoFixture broker, string device, params string[] extra) =>
    [
        "--source", frames.Source(5),
        "--model", frames.ModelPath,
        "--device", device,
        "--mqtt-host", broker.Host,
        "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
        "--threads", "1",
        "--telemetry-interval", "500",
        // The default TCP-level reconnect back-off goes up to 30 s; a test broker restart should be seen within a second.
        "--Mqtt:ReconnectMinDelayMs=200", "--Mqtt:ReconnectMaxDelayMs=1000",
        .. extra,
    ];

    private static string NewDevice() => "e2e-" + Guid.NewGuid().ToString("N")[..8];

    private static string Text(MqttApplicationMessage m) => MqttTestSubscriber.Text(m);

    private static JsonElement Json(MqttApplicationMessage m) => JsonDocument.Parse(m.Payload).RootElement;

    private static bool IsTelemetry(MqttApplicationMessage m, string device) => m.Topic == $"edgert/v1/{device}/telemetry";

    private static bool IsStatus(MqttApplicationMessage m, string device, string value) =>
        m.Topic == $"edgert/v1/{device}/status" && Text(m) == value;

    /// <summary>What a dashboard that connects now sees on the status topic: the retained message (Retain flag set).</summary>
    private static async Task<string> RetainedStatusAsync(MosquittoFixture broker, string device)
    {
        await using var fresh = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, $"edgert/v1/{device}/status");
        var m = await fresh.WaitForAsync(x => x.Retain, TimeSpan.FromSeconds(5), "retained status");
        return Text(m);
    }

    /// <summary>Polls the retained status until it is <paramref name="expected"/> (the broker may need a moment).</summary>
    private static async Task AssertRetainedStatusBecomesAsync(MosquittoFixture broker, string device, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = await RetainedStatusAsync(broker, device);
            if (last == expected) return;
            await Task.Delay(200);
        }
        Assert.Fail($"retained status is '{last}', expected '{expected}'");
    }

    private void Dump(DaemonProcess daemon, MosquittoFixture? broker = null)
    {
        output.WriteLine($"daemon {daemon.Binary} pid {daemon.Pid}:");
        output.WriteLine(daemon.Output);
        if (broker is not null) output.WriteLine("mosquitto:\n" + broker.Log);
    }

    /// <summary>Every stage present; p50, p95, p99, max finite and >= 0, p50 &lt;= p95 &lt;= p99 &lt;= max; inference p50 > 0 once it has samples.</summary>
    private static void CheckLatencies(JsonElement telemetry)
    {
        var latency = telemetry.GetProperty("latency_ms");
        foreach (string stage in Stages)
        {
            var s = latency.GetProperty(stage);
            double p50 = s.GetProperty("p50").GetDouble(), p95 = s.GetProperty("p95").GetDouble(), p99 = s.GetProperty("p99").GetDouble();
            double max = s.GetProperty("max").GetDouble();
            foreach (double v in new[] { p50, p95, p99, max })
                Assert.True(double.IsFinite(v) && v >= 0, $"{stage}: {v} is not a finite non-negative latency");
            Assert.True(p50 <= p95 && p95 <= p99 && p99 <= max, $"{stage}: p50 {p50} <= p95 {p95} <= p99 {p99} <= max {max} does not hold");
        }
        var inference = latency.GetProperty("inference");
        if (inference.GetProperty("count").GetInt64() > 0)
            Assert.True(inference.GetProperty("p50").GetDouble() > 0, "inference p50 is 0 although frames were segmented");
    }

    [Fact]
    public async Task MasksAndTelemetry_MatchInProcessSegmentation_CorruptFrameCountedAndSkipped()
    {
        // The reference: the same model, decoded and segmented in this process, one class map per good image.
        var reference = Task.Run(() =>
        {
            using var segmenter = DeepLabSegmenter.Load(frames.ModelPath,
                new SegmenterOptions { Interpreter = new Runtime.InterpreterOptions { Threads = 1 } });
            var maps = new Dictionary<int, (int W, int H, byte[] Map)>();
            for (int i = 0; i < frames.Files.Count; i++)
            {
                var image = new RgbImage();
                if (i == frames.CorruptIndex)
                {
                    Assert.ThrowsAny<Exception>(() => ImageDecoder.Decode(File.ReadAllBytes(frames.Files[i]), image)); // precondition
                    continue;
                }
                ImageDecoder.Decode(File.ReadAllBytes(frames.Files[i]), image);
                var map = new byte[image.Width * image.Height];
                segmenter.Segment(image, map);
                maps[i] = (image.Width, image.Height, map);
            }
            return maps;
        });

        string device = NewDevice();
        await using var broker = await MosquittoFixture.StartNewAsync();
        await using var dashboard = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, $"edgert/v1/{device}/#");
        // Masks are rate-limited to 1/s by default; allow one per frame so each image's mask shows up quickly.
        using var daemon = DaemonProcess.Start(Args(broker, device, "--publish-masks", "true", "--Mqtt:MaxMaskRatePerSecond=100"));
        try
        {
            await dashboard.WaitForAsync(m => IsStatus(m, device, "online"), T, "status online");
            Assert.Equal("online", await RetainedStatusAsync(broker, device));

            // A mask of every good image; two of them come after the corrupt frame, so the loop went on past it.
            int[] good = Enumerable.Range(0, frames.Files.Count).Where(i => i != frames.CorruptIndex).ToArray();
            var masks = new Dictionary<int, MqttApplicationMessage>();
            foreach (int index in good)
            {
                masks[index] = await dashboard.WaitForAsync(m => m.Topic == $"edgert/v1/{device}/mask"
                    && frames.IndexOfFrame(long.Parse(MqttTestSubscriber.UserProperty(m, "frame-id")!, CultureInfo.InvariantCulture)) == index,
                    T, $"mask of {Path.GetFileName(frames.Files[index])}");
            }

            // Telemetry that has seen the corrupt frame and frames after it.
            var telemetryMessage = await dashboard.WaitForAsync(m => IsTelemetry(m, device)
                && Json(m) is var j && j.GetProperty("frames_corrupt").GetInt64() >= 1 && j.GetProperty("frames_processed").GetInt64() >= 3,
                T, "telemetry with frames_corrupt >= 1 and frames_processed >= 3");
            Assert.False(daemon.HasExited, "the daemon exited after the corrupt frame");
            var maps = await reference;

            // --- telemetry ---
            var t = Json(telemetryMessage);
            output.WriteLine(Text(telemetryMessage));
            Assert.Equal("application/json", telemetryMessage.ContentType);
            Assert.Equal(1, t.GetProperty("schema").GetInt32());
            Assert.Equal(device, t.GetProperty("device").GetString());
            var model = t.GetProperty("model");
            Assert.Equal("deeplabv3_mnv2_dm05_pascal_quant", model.GetProperty("name").GetString());
            Assert.Equal(frames.ModelSha256, model.GetProperty("sha256").GetString());
            Assert.Equal(frames.ModelSha256[..12], model.GetProperty("version").GetString());
            long processed = t.GetProperty("frames_processed").GetInt64();
            long corrupt = t.GetProperty("frames_corrupt").GetInt64();
            // Within the first loop (one corrupt file of four), processed frames outnumber corrupt ones 3:1.
            Assert.True(processed >= 2 * corrupt, $"processed {processed}, corrupt {corrupt}");
            var latency = t.GetProperty("latency_ms");
            CheckLatencies(t);
            foreach (string stage in Stages)
                Assert.True(latency.GetProperty(stage).GetProperty("count").GetInt64() >= 1, $"{stage}: no samples");
            Assert.Equal(processed, latency.GetProperty("inference").GetProperty("count").GetInt64());
            Assert.True(t.GetProperty("gc_heap_bytes").GetInt64() > 0);
            Assert.True(t.GetProperty("mqtt").GetProperty("connected").GetBoolean());
            // Every telemetry message received so far (early ones with few samples included) is well-formed.
            var all = dashboard.All.Where(m => IsTelemetry(m, device)).ToList();
            foreach (var m in all) CheckLatencies(Json(m));
            output.WriteLine($"{all.Count} telemetry messages checked");

            // --- masks: decode each and compare with the in-process class maps ---
            foreach (var (index, m) in masks)
            {
                long frameId = long.Parse(MqttTestSubscriber.UserProperty(m, "frame-id")!, CultureInfo.InvariantCulture);
                int w = int.Parse(MqttTestSubscriber.UserProperty(m, "width")!, CultureInfo.InvariantCulture);
                int h = int.Parse(MqttTestSubscriber.UserProperty(m, "height")!, CultureInfo.InvariantCulture);
                Assert.Equal(RunLengthMaskCodec.ContentType, m.ContentType);
                Assert.Equal("rle", MqttTestSubscriber.UserProperty(m, "encoding"));
                Assert.Equal(frames.ModelSha256[..12], MqttTestSubscriber.UserProperty(m, "model-version"));
                byte[] decoded = RunLengthMaskCodec.Decode(m.Payload.ToArray(), out int dw, out int dh);
                Assert.Equal((w, h), (dw, dh));

                // Which reference images does it equal? Exactly the one its frame id names (the maps differ pairwise).
                var equal = maps.Where(r => r.Value.W == w && r.Value.H == h && r.Value.Map.AsSpan().SequenceEqual(decoded)).Select(r => r.Key).ToArray();
                var expected = maps[index];
                int differing = expected.Map.Length == decoded.Length ? expected.Map.Zip(decoded).Count(p => p.First != p.Second) : -1;
                output.WriteLine($"mask frame {frameId} -> {Path.GetFileName(frames.Files[index])} {w}x{h}, {m.Payload.Length} bytes; " +
                    $"classes {string.Join(",", decoded.Distinct().Order())}; equals reference(s) [{string.Join(",", equal)}]; {differing} pixels differ");
                Assert.Equal((expected.W, expected.H), (w, h));
                Assert.Equal(new[] { index }, equal);
                Assert.Contains(decoded, c => c != 0); // not a trivial all-background map
            }
            Assert.Contains(masks.Keys, i => i > frames.CorruptIndex);
        }
        finally
        {
            Dump(daemon);
        }
    }

    [Fact]
    public async Task BrokerRestart_SameDaemonProcessReconnects_StatusOnlineAndTelemetryResumes()
    {
        string device = NewDevice();
        await using var broker = await MosquittoFixture.StartNewAsync();
        using var daemon = DaemonProcess.Start(Args(broker, device));
        try
        {
            long before;
            await using (var first = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, $"edgert/v1/{device}/#"))
            {
                var m = await first.WaitForAsync(x => IsTelemetry(x, device) && Json(x).GetProperty("frames_processed").GetInt64() >= 1, T, "telemetry before the restart");
                before = Json(m).GetProperty("frames_processed").GetInt64();
                Assert.Equal(0, Json(m).GetProperty("mqtt").GetProperty("reconnects").GetInt64());
            }

            broker.Stop(); // SIGKILL: the daemon's connection drops without a DISCONNECT from the broker
            output.WriteLine($"broker stopped after {before} frames");
            await daemon.WaitForLineAsync("MQTT: disconnected", TimeSpan.FromSeconds(15));
            await Task.Delay(TimeSpan.FromSeconds(2)); // a few failed reconnect attempts while it is down
            Assert.False(daemon.HasExited, "the daemon exited while the broker was down");
            await broker.StartAsync(); // same port; persistence off, so no retained message survives the restart

            await using var second = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, $"edgert/v1/{device}/#");
            // Only a publish after the restart can put a retained "online" there.
            await second.WaitForAsync(x => IsStatus(x, device, "online"), T, "status online after the broker restart");
            Assert.Equal("online", await RetainedStatusAsync(broker, device));

            // Telemetry resumes: three messages after the restart whose frame counts go up, beyond the count before it.
            var counts = new List<long>();
            var deadline = DateTime.UtcNow + T;
            while (counts.Count < 3 || counts[^1] <= counts[0])
            {
                Assert.True(DateTime.UtcNow < deadline, $"telemetry did not resume: {string.Join(",", counts)}");
                int n = counts.Count;
                await second.WaitForAsync(x => second.All.Count(y => IsTelemetry(y, device)) > n, T, $"telemetry #{n + 1} after the restart");
                counts = second.All.Where(y => IsTelemetry(y, device)).Select(y => Json(y).GetProperty("frames_processed").GetInt64()).ToList();
            }
            output.WriteLine($"frames_processed after the restart: {string.Join(", ", counts)}");
            for (int i = 1; i < counts.Count; i++) Assert.True(counts[i] >= counts[i - 1], $"frames_processed went down: {string.Join(",", counts)}");
            Assert.True(counts[^1] > before, $"frames_processed {counts[^1]} after the restart is not above {before}");
            var last = Json(second.All.Last(y => IsTelemetry(y, device)));
            Assert.True(last.GetProperty("mqtt").GetProperty("reconnects").GetInt64() >= 1);
            Assert.True(last.GetProperty("mqtt").GetProperty("connected").GetBoolean());

            // The same process did all of it.
            Assert.False(daemon.HasExited);
            Assert.True(Directory.Exists($"/proc/{daemon.Pid}"));
            Assert.True(daemon.HasLine("MQTT: reconnected"), "no reconnect in the daemon's log");
        }
        finally
        {
            Dump(daemon, broker);
        }
    }

    [Fact]
    public async Task Sigkill_BrokerPublishesLastWill_RetainedStatusOffline()
    {
        string device = NewDevice();
        await using var broker = await MosquittoFixture.StartNewAsync();
        await using var dashboard = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, $"edgert/v1/{device}/#");
        using var daemon = DaemonProcess.Start(Args(broker, device));
        try
        {
            await dashboard.WaitForAsync(m => IsTelemetry(m, device) && Json(m).GetProperty("frames_processed").GetInt64() >= 1, T, "telemetry");
            Assert.Equal("online", await RetainedStatusAsync(broker, device));

            daemon.KillHard(); // SIGKILL: no shutdown code runs, no DISCONNECT is sent
            Assert.True(daemon.HasExited);
            Assert.Equal(137, daemon.ExitCode); // 128 + SIGKILL

            await dashboard.WaitForAsync(m => IsStatus(m, device, "offline"), TimeSpan.FromSeconds(15), "Last Will 'offline'");
            Assert.Equal("offline", await RetainedStatusAsync(broker, device));
            Assert.DoesNotContain(dashboard.All, m => IsStatus(m, device, "stopped"));
        }
        finally
        {
            Dump(daemon);
        }
    }

    [Fact]
    public async Task Sigterm_CleanShutdown_RetainedStatusStopped_ExitCodeZero()
    {
        string device = NewDevice();
        await using var broker = await MosquittoFixture.StartNewAsync();
        await using var dashboard = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, $"edgert/v1/{device}/#");
        using var daemon = DaemonProcess.Start(Args(broker, device));
        try
        {
            await dashboard.WaitForAsync(m => IsTelemetry(m, device) && Json(m).GetProperty("frames_processed").GetInt64() >= 1, T, "telemetry");
            Assert.Equal("online", await RetainedStatusAsync(broker, device));

            daemon.Signal("TERM");
            Assert.True(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the daemon did not exit within 20 s of SIGTERM");
            Assert.Equal(0, daemon.ExitCode);

            await dashboard.WaitForAsync(m => IsStatus(m, device, "stopped"), TimeSpan.FromSeconds(10), "status stopped");
            Assert.Equal("stopped", await RetainedStatusAsync(broker, device));
            // A clean DISCONNECT: the broker discards the Will, so "offline" never appears.
            await Task.Delay(500);
            Assert.DoesNotContain(dashboard.All, m => IsStatus(m, device, "offline"));
            Assert.True(daemon.HasLine("published 'stopped' and disconnected"), "no clean-disconnect line in the log");
        }
        finally
        {
            Dump(daemon);
        }
    }
}
