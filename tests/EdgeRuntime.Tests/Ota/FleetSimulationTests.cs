using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeRuntime.Cli;
using EdgeRuntime.Tests.Telemetry;

namespace EdgeRuntime.Tests.Ota;

/// <summary>
/// 20 in-process daemons (each with its own state folder, synthetic camera and the interpreter running tiny models)
/// on one mosquitto: a staged rollout canary -> wave1 (group) -> wave2 (group) completes with zero frames lost, then
/// a bad release fails on the canary and the rollout halts before any group gets it.
/// </summary>
public sealed class FleetSimulationTests(ITestOutputHelper output)
{
    public const int Devices = 20;

    [Fact]
    public async Task StagedRollout_CanaryPromotion_ThenHaltOnBadCanary()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-fleet-").FullName;
        var devices = new List<TestDevice>();
        try
        {
            await using var broker = await MosquittoFixture.StartNewAsync();
            await using var http = new TinyHttpServer();
            using var key = new TestKey(dir, "fleet-k1");
            byte[] factory = OtaTestModels.Build(seed: 1), good = OtaTestModels.Build(seed: 2), bad = OtaTestModels.Build(seed: 3);
            string factoryPath = Path.Combine(dir, "factory.tflite");
            File.WriteAllBytes(factoryPath, factory);
            http.Serve("good.tflite", good);
            http.Serve("bad.tflite", bad);

            for (int i = 0; i < Devices; i++)
            {
                string group = i <= 10 ? "wave1" : "wave2"; // dev00, dev01 are the canaries (and in wave1)
                devices.Add(TestDevice.Start(broker, $"dev{i:D2}", Path.Combine(dir, $"state{i:D2}"), factoryPath, [key], group,
                    healthFrames: 10, frameDelayMs: 20));
            }
            foreach (var d in devices) await d.WaitFramesAsync(3, TimeSpan.FromSeconds(60));

            // Every device's key enrolled (as `edgert fleet enroll --pub` would): the rollout counts only signed states.
            string devicesDir = Path.Combine(dir, "devices");
            foreach (var d in devices)
            {
                string pub = Path.Combine(d.StateDirectory, EdgeRuntime.Ota.DeviceIdentity.PublicFile);
                var until = DateTime.UtcNow.AddSeconds(30);
                while (!File.Exists(pub) && DateTime.UtcNow < until) await Task.Delay(20);
                DeviceKeyRing.Enroll(devicesDir, d.Device, File.ReadAllText(pub));
            }
            await using var fleet = await FleetMqtt.ConnectAsync($"{broker.Host}:{broker.Port}", "edgert/v1", default, DeviceKeyRing.Load(devicesDir));
            var stages = FleetRollout.ParseStages("canary:dev00,dev01;wave1:wave1;wave2:wave2");
            var log = new StringWriter(CultureInfo.InvariantCulture);

            // Good release: promoted through every stage.
            var v2 = key.Manifest(good, 2, [http.Url("good.tflite")]);
            byte[] v2Json = Encoding.UTF8.GetBytes(EdgeRuntime.Ota.ManifestSigner.ToJson(v2));
            var result = await FleetRollout.RunAsync(fleet, v2, v2Json, stages, success: 0.9, maxFailures: 1,
                TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(1000), log);
            output.WriteLine(log.ToString());
            output.WriteLine(FleetMqtt.FormatTable(fleet.States.Values));
            Assert.True(result.Completed, result.HaltReason);
            Assert.Equal(Devices, fleet.States.Count); // every device verified
            Assert.Equal(0, fleet.Unverified);
            Assert.Equal(3, result.Stages.Count);
            Assert.Equal(2, result.Stages[0].Devices);
            Assert.Equal(11, result.Stages[1].Devices);
            Assert.Equal(9, result.Stages[2].Devices);
            foreach (var d in devices) await d.WaitStateAsync(s => s.State == "active" && s.ActiveVersion == 2, TimeSpan.FromSeconds(60), "active v2");
            long lost = devices.Sum(d => d.Recorder.Gaps() + d.Status.FramesDropped);
            long frames = devices.Sum(d => d.Status.FramesProcessed);
            output.WriteLine($"FLEET-SIM good rollout: {Devices} devices, 3 stages, {result.Elapsed.TotalSeconds:F2} s to roll out " +
                $"(canary {result.Stages[0].Elapsed.TotalSeconds:F2} s, wave1 {result.Stages[1].Elapsed.TotalSeconds:F2} s, wave2 {result.Stages[2].Elapsed.TotalSeconds:F2} s), " +
                $"{frames} frames processed, frames lost {lost}");
            Assert.Equal(0, lost);

            // Bad release (its model fails the golden check): canaries refuse it, the rollout halts, the waves never see it.
            var v3 = key.Manifest(bad, 3, [http.Url("bad.tflite")], m => m with { Golden = v2.Golden });
            byte[] v3Json = Encoding.UTF8.GetBytes(EdgeRuntime.Ota.ManifestSigner.ToJson(v3));
            log = new StringWriter(CultureInfo.InvariantCulture);
            var sw = Stopwatch.StartNew();
            var halted = await FleetRollout.RunAsync(fleet, v3, v3Json, stages, success: 0.9, maxFailures: 1,
                TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), log);
            output.WriteLine(log.ToString());
            Assert.False(halted.Completed);
            Assert.Equal("canary", halted.HaltedAt);
            Assert.Single(halted.Stages);
            await Task.Delay(500);
            foreach (var d in devices)
            {
                Assert.Equal(2, d.Agent.LastState!.ActiveVersion);
                Assert.Equal(1, d.Switch.SwapCount);
            }
            lost = devices.Sum(d => d.Recorder.Gaps() + d.Status.FramesDropped);
            output.WriteLine($"FLEET-SIM bad rollout: halted at stage '{halted.HaltedAt}' after {sw.Elapsed.TotalSeconds:F2} s ({halted.HaltReason}); " +
                $"devices on v3: 0 of {Devices}; frames lost {lost}");
            Assert.Equal(0, lost);
        }
        finally
        {
            await Task.WhenAll(devices.Select(d => d.DisposeAsync().AsTask()));
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
