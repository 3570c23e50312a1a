using System.Buffers;
using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Automation.Gpio;
using EdgeRuntime.Hosting;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;
using EdgeRuntime.Tests.Automation;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeRuntime.Tests.EndToEnd;

/// <summary>
/// Issue 13's latency target, end to end in one process: the real daemon host and frame loop, the real model on the
/// demo frames, a zones file, two GPIO outputs bound to the zone (recording driver in place of libgpiod) and a real
/// mosquitto. Each zone transition must happen on the frame an in-process segmentation predicts, and both its MQTT
/// event and its pin write must happen inside that frame's publish step: after the frame's segmentation returned and
/// before the frame loop's output writer ran for it (which precedes the next frame's read). Existing DaemonHooks give
/// those two bounds, so the daemon needs no test-only hook.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ZonesGpioEndToEndTests(EndToEndFrames frames, ITestOutputHelper output) : IClassFixture<EndToEndFrames>
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private const int FollowingPin = 17; // hold, HoldMs 0: on exactly while the zone is occupied
    private const int HoldingPin = 27;   // hold, HoldMs 10 min: stays on once switched on, until stop
    private const int FrameCount = 8;    // twice round the four demo files (one of them corrupt)

    [Fact]
    public async Task ZoneTransitions_PublishEventAndSwitchPins_InsideTheSameFramesPublishStep_SafeStateAtStop()
    {
        // --- what the rules must do, from the demo frames segmented here ---
        var maps = ReferenceSegmentation.Segment(frames);
        var (cls, covFirst, covOthers) = ReferenceSegmentation.MostDistinctClass(maps, first: 0);
        Assert.True(covFirst - covOthers > 0.02, "precondition: the demo frames do not differ enough in any class");
        double on = Math.Round(covOthers + 0.75 * (covFirst - covOthers), 4), off = Math.Round(covOthers + 0.25 * (covFirst - covOthers), 4);
        var expected = PredictTransitions(maps, cls, on, off);
        output.WriteLine($"watching {VocDataset.ClassNames[cls]} (on {on}, off {off}); predicted: {string.Join(", ", expected.Select(e => $"{e.State}@{e.FrameId}"))}");
        Assert.True(expected.Count >= 3, "precondition: fewer than three transitions to check");

        string dir = Directory.CreateTempSubdirectory("edgert-zones-gpio-e2e-").FullName;
        string zonesFile = Path.Combine(dir, "zones.json");
        File.WriteAllText(zonesFile, $$"""
            { "zones": [ { "name": "scene", "points": [[0,0],[1,0],[1,1],[0,1]], "classes": ["{{VocDataset.ClassNames[cls]}}"],
                "on_threshold": {{F(on)}}, "off_threshold": {{F(off)}}, "on_frames": 1, "off_frames": 1 } ] }
            """);
        string outputs = Directory.CreateDirectory(Path.Combine(dir, "out")).FullName;
        string device = "e2e-gpio-" + Guid.NewGuid().ToString("N")[..8];
        string events = $"edgert/v1/{device}/events";

        await using var broker = await MosquittoFixture.StartNewAsync();
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "#");
        var driver = new RecordingGpioDriver();
        var steps = new FrameSteps();
        RecordingMessagePublisher? sent = null;
        IHost? host = null;
        var hooks = new DaemonHooks
        {
            CreateSegmenter = o => new StepTimedSegmenter(
                DeepLabSegmenter.Load(o.ModelPath, new SegmenterOptions { Interpreter = new Runtime.InterpreterOptions { Threads = 1 } }), steps),
            OpenSource = uri => new BoundedSource(FrameSourceFactory.Create(uri), FrameCount,
                // Start once connected (a transition while offline would be dropped, by design); end once every
                // predicted event has arrived (the publisher drains its queue at stop only for a moment).
                beforeFirst: async ct => Assert.True(await host!.Services.GetRequiredService<MqttHostedService>().Publisher!.WaitUntilConnectedAsync(T, 1, ct)),
                beforeEnd: async _ =>
                {
                    foreach (var (frameId, state) in expected)
                        await subscriber.WaitForAsync(m => m.Topic == events && IsEvent(m, frameId, state), T, $"{state} event of frame {frameId}");
                }),
            Decode = (frame, image) =>
            {
                steps.Started(frame.FrameId);
                FrameDecoder.Decode(frame, image);
            },
            WriteOutputs = (_, frameId, _, _, _) => steps.OutputsWritten(frameId), // inside the publish step, after the zone rules
        };
        try
        {
            var builder = DaemonHost.CreateBuilder(
            [
                "run", "--source", $"folder:{frames.Directory}?loop=true", "--model", frames.ModelPath, "--device", device,
                "--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
                "--threads", "1", "--telemetry-interval", "500", "--zones", zonesFile, "--output", outputs,
                "--Gpio:Outputs:0:Name=scene-lamp", $"--Gpio:Outputs:0:Pin={FollowingPin}", "--Gpio:Outputs:0:Zone=scene",
                "--Gpio:Outputs:0:ActiveLow=true", "--Gpio:Outputs:0:Mode=hold", "--Gpio:Outputs:0:HoldMs=0",
                "--Gpio:Outputs:1:Name=scene-relay", $"--Gpio:Outputs:1:Pin={HoldingPin}", "--Gpio:Outputs:1:Zone=scene",
                "--Gpio:Outputs:1:ActiveLow=true", "--Gpio:Outputs:1:Mode=hold", "--Gpio:Outputs:1:HoldMs=600000",
            ], hooks);
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IGpioDriverFactory>(new RecordingDriverFactory(driver));
            // Zone events and states go through this (registered last, so the zone services take it).
            builder.Services.AddSingleton<IMessagePublisher>(sp => sent = new RecordingMessagePublisher(sp.GetRequiredService<MqttHostedService>()));
            host = builder.Build();

            int exit = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromMinutes(3));

            Assert.Equal(0, exit);
            Assert.NotNull(sent);
            Assert.Equal(Enumerable.Range(1, FrameCount).Select(i => (long)i), steps.StartedFrames);

            // Events on the broker: exactly the predicted transitions, each with its frame id.
            var received = subscriber.All.Where(m => m.Topic == events).Select(m => JsonDocument.Parse(m.Payload).RootElement)
                .Select(j => (j.GetProperty("frame_id").GetInt64(), j.GetProperty("state").GetString()!)).ToList();
            Assert.Equal(expected, received);

            var following = driver.WritesTo(FollowingPin);
            var holding = driver.WritesTo(HoldingPin);
            Assert.Equal(PinValue.High, following[0].Value); // safe (off) level before the first frame
            Assert.Equal(PinValue.High, holding[0].Value);
            Assert.True(following[0].Timestamp < steps.Of(1).Started && holding[0].Timestamp < steps.Of(1).Started);
            Assert.Equal(expected.Count + 2, following.Count); // safe level at start, one write per transition, safe level at stop
            double worstPinMs = 0, worstEventMs = 0;
            for (int t = 0; t < expected.Count; t++)
            {
                var (frameId, state) = expected[t];
                var step = steps.Of(frameId);
                // The event was handed to the MQTT sender inside this frame's publish step, on the frame loop's thread.
                var ev = Assert.Single(sent.Sent, s => s.Message.Topic == events && IsEvent(s.Message.Payload, frameId, state));
                Assert.True(ev.Accepted, $"the {state} event of frame {frameId} was not queued");
                step.AssertInside(ev.Timestamp, ev.ThreadId, $"{state} event of frame {frameId}");
                // The active-low lamp follows the zone: low (on) when occupied, high (off) when clear, in the same step.
                var write = following[1 + t];
                Assert.Equal(state == "occupied" ? PinValue.Low : PinValue.High, write.Value);
                step.AssertInside(write.Timestamp, write.ThreadId, $"pin {FollowingPin} write for the {state} of frame {frameId}");
                output.WriteLine($"frame {frameId} {state}: event queued at +{step.Ms(ev.Timestamp):F3} ms, pin written at +{step.Ms(write.Timestamp):F3} ms, "
                    + $"output writer (still in the publish step) at +{step.Ms(step.OutputsAt):F3} ms after segmentation ended");
                worstPinMs = Math.Max(worstPinMs, step.Ms(write.Timestamp));
                worstEventMs = Math.Max(worstEventMs, step.Ms(ev.Timestamp));
            }
            // The safe level again at stop, after the last frame.
            Assert.Equal(PinValue.High, following[^1].Value);
            Assert.True(following[^1].Timestamp > steps.Of(FrameCount).OutputsAt);

            // The relay with a 10 min hold: on in the first occupied frame's step, kept on through the clears, off at stop.
            Assert.Equal(3, holding.Count);
            Assert.Equal(PinValue.Low, holding[1].Value);
            steps.Of(expected[0].FrameId).AssertInside(holding[1].Timestamp, holding[1].ThreadId, $"pin {HoldingPin} switch-on");
            Assert.Equal(PinValue.High, holding[2].Value);
            Assert.True(holding[2].Timestamp > steps.Of(FrameCount).OutputsAt);
            Assert.Equal(PinValue.High, driver.LevelOf(FollowingPin));
            Assert.Equal(PinValue.High, driver.LevelOf(HoldingPin));
            Assert.True(driver.Disposed);
            output.WriteLine($"{expected.Count} transitions; from the end of the frame's segmentation: pin write <= {worstPinMs:F3} ms, event queued <= {worstEventMs:F3} ms");
        }
        finally
        {
            host?.Dispose();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>The rule (on_frames = off_frames = 1, hysteresis) run over the reference coverages of frames 1..FrameCount.</summary>
    private List<(long FrameId, string State)> PredictTransitions(Dictionary<int, ReferenceFrame> maps, int cls, double on, double off)
    {
        var transitions = new List<(long, string)>();
        bool occupied = false;
        for (long id = 1; id <= FrameCount; id++)
        {
            int index = frames.IndexOfFrame(id);
            if (index == frames.CorruptIndex) continue;
            double coverage = ReferenceSegmentation.Coverage(maps[index], null, cls);
            if (!occupied && coverage >= on) transitions.Add((id, "occupied"));
            else if (occupied && coverage < off) transitions.Add((id, "clear"));
            else continue;
            occupied = !occupied;
        }
        return transitions;
    }

    private static bool IsEvent(MqttApplicationMessage m, long frameId, string state) => IsEvent(m.Payload.ToArray(), frameId, state);

    private static bool IsEvent(byte[] payload, long frameId, string state) =>
        JsonDocument.Parse(payload).RootElement is var j && j.GetProperty("zone").GetString() == "scene"
        && j.GetProperty("frame_id").GetInt64() == frameId && j.GetProperty("state").GetString() == state;

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
