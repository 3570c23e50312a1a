using EdgeRuntime.Imaging;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Automation;
using EdgeRuntime.Tests.Support;
using static EdgeRuntime.Tests.Support.ReferenceSegmentation;
using EdgeRuntime.Tests.Telemetry;
using MQTTnet;

namespace EdgeRuntime.Tests.EndToEnd;

/// <summary>
/// `edgert run` with a zones file (given by EDGERT_ZONES) and Home Assistant discovery on the demo frames, against a
/// real mosquitto: zone events and retained states match coverages computed here from an in-process segmentation,
/// the retained discovery configs pass Home Assistant's documented schema field by field, and no published payload
/// is a camera frame.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class ZonesEndToEndTests(EndToEndFrames frames, ITestOutputHelper output) : IClassFixture<EndToEndFrames>
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    // A wedge that does not line up with anything, to exercise the polygon masks.
    private static readonly (double X, double Y)[] Wedge = [(0.05, 0.1), (0.9, 0.3), (0.3, 0.95)];

    private static JsonElement Json(MqttApplicationMessage m) => JsonDocument.Parse(m.Payload).RootElement;

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public async Task EdgertRunWithZonesFile_OnDemoFrames_PublishesZoneStatesAndEvents()
    {
        var maps = ReferenceSegmentation.Segment(frames);
        int first = 0, second = 2; // frame ids 1, 3 (2 is the corrupt file)
        Assert.Equal(new[] { 0, 2, 3 }, maps.Keys.Order().ToArray());

        // The class that tells the first image from the others best: occupied on it, clear on the next one.
        var (cls, covA, covOthers) = ReferenceSegmentation.MostDistinctClass(maps, first);
        string className = VocDataset.ClassNames[cls];
        output.WriteLine($"watching {className}: coverage {covA:F4} on the first image, at most {covOthers:F4} on the others");
        Assert.True(covA - covOthers > 0.02, "precondition: the demo frames do not differ enough in any class");
        double gap = covA - covOthers;
        double on = Math.Round(covOthers + 0.75 * gap, 4), off = Math.Round(covOthers + 0.25 * gap, 4);

        string dir = Directory.CreateTempSubdirectory("edgert-zones-e2e-").FullName;
        string zonesFile = Path.Combine(dir, "zones.json");
        string wedgePoints = string.Join(",", Wedge.Select(p => $"[{F(p.X)},{F(p.Y)}]"));
        File.WriteAllText(zonesFile, $$"""
            { "zones": [
              { "name": "scene", "points": [[0,0],[1,0],[1,1],[0,1]], "classes": ["{{className}}"],
                "on_threshold": {{F(on)}}, "off_threshold": {{F(off)}}, "on_frames": 1, "off_frames": 1 },
              { "name": "wedge", "points": [{{wedgePoints}}], "classes": ["{{className}}", "person"] }
            ] }
            """);

        string device = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        string root = $"edgert/v1/{device}";
        await using var broker = await MosquittoFixture.StartNewAsync();
        await using var everything = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "#");
        using var daemon = DaemonProcess.Start(
        [
            "--source", frames.Source(5), "--model", frames.ModelPath, "--device", device,
            "--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--threads", "1", "--telemetry-interval", "500", "--Automation:HomeAssistant:Enabled=true",
        ], new Dictionary<string, string> { ["EDGERT_ZONES"] = zonesFile });
        try
        {
            // --- events: occupied on the first image, clear on the next processed frame (the corrupt one is skipped) ---
            bool IsSceneEvent(MqttApplicationMessage m, string state) => m.Topic == root + "/events"
                && Json(m) is var j && j.GetProperty("zone").GetString() == "scene" && j.GetProperty("state").GetString() == state;
            var occupied = await everything.WaitForAsync(m => IsSceneEvent(m, "occupied"), T, "scene occupied event");
            var ev = Json(occupied);
            long occupiedFrame = ev.GetProperty("frame_id").GetInt64();
            output.WriteLine(MqttTestSubscriber.Text(occupied));
            Assert.Equal("application/json", occupied.ContentType);
            Assert.False(occupied.Retain);
            Assert.Equal(first, frames.IndexOfFrame(occupiedFrame));
            Assert.Equal(className, ev.GetProperty("class").GetString());
            Assert.Equal(device, ev.GetProperty("device").GetString());
            Assert.Equal(covA, ev.GetProperty("coverage").GetDouble(), 0.0001);
            Assert.False(ev.TryGetProperty("snapshot", out _)); // snapshots are off by default

            var clear = await everything.WaitForAsync(m => IsSceneEvent(m, "clear") && Json(m).GetProperty("frame_id").GetInt64() > occupiedFrame, T, "scene clear event");
            long clearFrame = Json(clear).GetProperty("frame_id").GetInt64();
            Assert.Equal(occupiedFrame + 2, clearFrame); // the very next segmented frame: within that frame's publish step
            Assert.Equal(Coverage(maps[second], null, cls), Json(clear).GetProperty("coverage").GetDouble(), 0.0001);
            // Nothing else toggled the scene zone in between.
            Assert.DoesNotContain(everything.All, m => m.Topic == root + "/events" && Json(m) is var j && j.GetProperty("zone").GetString() == "scene"
                && j.GetProperty("frame_id").GetInt64() is var f && f > occupiedFrame && f < clearFrame);

            // --- retained zone states, as a client that connects now sees them ---
            await using (var late = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, root + "/zones/+"))
            {
                foreach (var (zone, polygon, classes) in new[] { ("scene", (IReadOnlyList<(double, double)>?)null, new[] { cls }), ("wedge", Wedge, new[] { cls, 15 }) })
                {
                    var m = await late.WaitForAsync(x => x.Retain && x.Topic == $"{root}/zones/{zone}", TimeSpan.FromSeconds(10), $"retained state of {zone}");
                    output.WriteLine(MqttTestSubscriber.Text(m));
                    var s = Json(m);
                    long frameId = s.GetProperty("frame_id").GetInt64();
                    Assert.Equal(zone, s.GetProperty("zone").GetString());
                    Assert.Contains(s.GetProperty("state").GetString(), new[] { "occupied", "clear" });
                    Assert.True(s.GetProperty("since").GetDateTimeOffset() <= s.GetProperty("timestamp").GetDateTimeOffset());
                    Assert.NotEqual(frames.CorruptIndex, frames.IndexOfFrame(frameId));
                    var reference = maps[frames.IndexOfFrame(frameId)];
                    foreach (int c in classes)
                    {
                        double expected = Coverage(reference, polygon, c);
                        double got = s.GetProperty("classes").GetProperty(VocDataset.ClassNames[c]).GetProperty("coverage").GetDouble();
                        Assert.True(Math.Abs(expected - got) <= 0.0001, $"{zone}/{VocDataset.ClassNames[c]} frame {frameId}: coverage {got}, reference {expected}");
                    }
                    if (zone == "scene")
                    {
                        bool occupiedNow = Coverage(reference, null, cls) >= on; // on_frames = off_frames = 1: the state follows the last frame
                        Assert.Equal(occupiedNow ? "occupied" : "clear", s.GetProperty("state").GetString());
                    }
                }
            }

            // --- Home Assistant discovery: retained, schema-valid, tied to this device's status and states ---
            var telemetry = Json(await everything.WaitForAsync(m => m.Topic == root + "/telemetry", T, "telemetry"));
            await CheckDiscoveryAsync(broker, device, root, className, telemetry);

            daemon.Signal("TERM");
            Assert.True(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the daemon did not stop");
            Assert.Equal(0, daemon.ExitCode);

            // --- privacy: nothing published during the run is a camera frame ---
            CheckNoFrameLeft(everything.All, maps);
        }
        finally
        {
            output.WriteLine(daemon.Output);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private async Task CheckDiscoveryAsync(MosquittoFixture broker, string device, string root, string className, JsonElement telemetry)
    {
        string node = device.Replace('.', '_');
        await using var ha = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "homeassistant/#");
        string[] expectedTopics =
        [
            $"homeassistant/binary_sensor/{node}/zone_scene_occupancy/config",
            $"homeassistant/binary_sensor/{node}/zone_wedge_occupancy/config",
            $"homeassistant/sensor/{node}/zone_scene_{className}_coverage/config",
            $"homeassistant/sensor/{node}/zone_wedge_{className}_coverage/config",
            $"homeassistant/sensor/{node}/zone_wedge_person_coverage/config",
            $"homeassistant/sensor/{node}/fps/config",
            $"homeassistant/sensor/{node}/inference_latency_p95/config",
            $"homeassistant/sensor/{node}/cpu_temperature/config",
            $"homeassistant/sensor/{node}/model_version/config",
        ];
        var configs = new Dictionary<string, JsonElement>();
        foreach (var topic in expectedTopics)
        {
            var m = await ha.WaitForAsync(x => x.Topic == topic, TimeSpan.FromSeconds(10), topic);
            Assert.True(m.Retain, $"{topic} is not retained");
            configs[topic] = Json(m);
        }
        await Task.Delay(300);
        Assert.Equal(expectedTopics.Order(), ha.All.Select(m => m.Topic).Distinct().Order()); // nothing else announced

        var states = new Dictionary<string, JsonElement>();
        await using (var late = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, root + "/zones/+"))
        {
            foreach (var zone in new[] { "scene", "wedge" })
                states[$"{root}/zones/{zone}"] = Json(await late.WaitForAsync(x => x.Topic == $"{root}/zones/{zone}", TimeSpan.FromSeconds(10), zone));
        }
        states[root + "/telemetry"] = telemetry;

        string? device0 = null;
        var uniqueIds = new HashSet<string>();
        foreach (var (topic, config) in configs)
        {
            var errors = HomeAssistantDiscoverySchema.Check(topic, config);
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            output.WriteLine($"{topic}: {config.GetRawText()}");
            Assert.True(uniqueIds.Add(config.GetProperty("unique_id").GetString()!), "duplicate unique_id");
            string deviceBlock = config.GetProperty("device").GetRawText();
            device0 ??= deviceBlock;
            Assert.Equal(device0, deviceBlock); // one shared device
            Assert.Contains($"edgert_{node}", config.GetProperty("device").GetProperty("identifiers").EnumerateArray().Select(e => e.GetString()));
            var availability = Assert.Single(config.GetProperty("availability").EnumerateArray());
            Assert.Equal(root + "/status", availability.GetProperty("topic").GetString());
            Assert.Equal("online", availability.GetProperty("payload_available").GetString());
            Assert.Equal("offline", availability.GetProperty("payload_not_available").GetString());

            // The state topic is one the daemon publishes, and the template's JSON path exists in its payload.
            string stateTopic = config.GetProperty("state_topic").GetString()!;
            Assert.True(states.TryGetValue(stateTopic, out var state), $"{topic}: state_topic {stateTopic} is not published by the daemon");
            string template = config.GetProperty("value_template").GetString()!;
            if (!template.Contains("is defined", StringComparison.Ordinal))
                Assert.True(ResolvePath(state, template), $"{topic}: {template} does not resolve in {state.GetRawText()}");
            if (topic.Contains("/binary_sensor/", StringComparison.Ordinal))
            {
                Assert.Equal("occupancy", config.GetProperty("device_class").GetString());
                Assert.Contains(state.GetProperty("state").GetString(), new[] { config.GetProperty("payload_on").GetString(), config.GetProperty("payload_off").GetString() });
            }
        }
        Assert.Equal("°C", configs[$"homeassistant/sensor/{node}/cpu_temperature/config"].GetProperty("unit_of_measurement").GetString());
        Assert.Equal("duration", configs[$"homeassistant/sensor/{node}/inference_latency_p95/config"].GetProperty("device_class").GetString());
    }

    [GeneratedRegex(@"value_json((?:\.[a-z0-9_]+|\['[^']+'\])+)")]
    private static partial Regex JsonPath();

    [GeneratedRegex(@"\.([a-z0-9_]+)|\['([^']+)'\]")]
    private static partial Regex PathStep();

    private static bool ResolvePath(JsonElement root, string template)
    {
        var match = JsonPath().Match(template);
        if (!match.Success) return false;
        var at = root;
        foreach (Match step in PathStep().Matches(match.Groups[1].Value))
        {
            string key = step.Groups[1].Success ? step.Groups[1].Value : step.Groups[2].Value;
            if (at.ValueKind != JsonValueKind.Object || !at.TryGetProperty(key, out at)) return false;
        }
        return at.ValueKind is JsonValueKind.Number or JsonValueKind.String;
    }

    /// <summary>No payload is an encoded image, none is as large as a raw frame, none holds a run of a frame's pixels or file bytes.</summary>
    private void CheckNoFrameLeft(IReadOnlyList<MqttApplicationMessage> all, Dictionary<int, ReferenceFrame> maps)
    {
        var rng = new Random(11);
        var needles = new List<byte[]>();
        foreach (var (index, r) in maps)
        {
            for (int k = 0; k < 16; k++) needles.Add(r.Rgb.AsSpan(rng.Next(0, r.Rgb.Length - 48), 48).ToArray());
            byte[] file = File.ReadAllBytes(frames.Files[index]);
            for (int k = 0; k < 8; k++) needles.Add(file.AsSpan(rng.Next(0, file.Length - 48), 48).ToArray());
        }
        int smallestFrame = maps.Values.Min(r => r.W * r.H);
        // What is scanned must include the run's events and zone states, not only the discovery configs (how many
        // telemetry messages precede the stop depends on timing, so no larger count is asked for).
        Assert.True(all.Count >= 10 && all.Any(m => m.Topic.EndsWith("/events", StringComparison.Ordinal)) && all.Any(m => m.Topic.Contains("/zones/", StringComparison.Ordinal)),
            $"only {all.Count} messages were published, or no event / zone state among them: nothing to check");
        foreach (var m in all)
        {
            var payload = m.Payload.ToArray();
            Assert.False(payload.AsSpan().StartsWith(new byte[] { 0xFF, 0xD8, 0xFF }), $"{m.Topic}: a JPEG");
            Assert.False(payload.AsSpan().StartsWith("\x89PNG"u8), $"{m.Topic}: a PNG");
            Assert.True(payload.Length < smallestFrame, $"{m.Topic}: {payload.Length} bytes, as large as a frame");
            foreach (var needle in needles)
                Assert.True(payload.AsSpan().IndexOf(needle) < 0, $"{m.Topic}: contains 48 bytes of a camera frame");
        }
        output.WriteLine($"{all.Count} published messages checked: none is or contains a camera frame");
    }

    [Fact]
    public async Task BadZonesFile_OneLineError_ExitCode2()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-zones-bad-").FullName;
        try
        {
            string file = Path.Combine(dir, "zones.json");
            File.WriteAllText(file, """{ "zones": [ { "name": "door", "points": [[0,0],[1,1]], "classes": ["person"] } ] }""");
            using var daemon = DaemonProcess.Start(["--source", frames.Source(5), "--model", frames.ModelPath, "--zones", file, "--Daemon:MqttEnabled=false"]);
            Assert.True(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the daemon did not exit");
            output.WriteLine(daemon.Output);
            Assert.Equal(2, daemon.ExitCode);
            Assert.True(daemon.HasLine("edgert: configuration error:") && daemon.HasLine("zone 'door': a polygon needs at least 3 points"), daemon.Output);
            Assert.False(daemon.HasLine("   at "), "a stack trace reached the user");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
