using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeRuntime.Cli;
using EdgeRuntime.Ota;
using EdgeRuntime.Tests.Ota;

namespace EdgeRuntime.Tests.Faults;

public sealed class FleetRig : FaultRig
{
    public FleetRig() => Device = "fault-fleet";
    public string DevicesDir => Path.Combine(Dir, "devices");
}

/// <summary>Fault suite: a forged fleet picture (fake devices, spoofed and mis-signed states) and key handling, with one real daemon.</summary>
[Collection("faults")]
public sealed class FleetFaultTests(FleetRig rig) : IClassFixture<FleetRig>
{
    private const string Fleet = "forged fleet picture", Keys = "keys";
    private static int _seed = 120;

    public static TheoryData<string> Faults => new()
    {
        "f01 states from a device that does not exist", "f02 unsigned spoof of a real device's success", "f03 state signed by another key",
        "f04 enrolled device reports for another device", "f05 1 MB state message", "f06 real rollout counts only after the health window",
        "k01 fleet keygen private key 0600 at creation", "k02 fleet keygen in a folder others can write", "k03 device key 0600 in the state folder",
    };

    private async Task<FleetMqtt> FleetAsync()
    {
        DeviceKeyRing.Enroll(rig.DevicesDir, rig.Device, File.ReadAllText(Path.Combine(rig.StateDirectory, DeviceIdentity.PublicFile)));
        return await FleetMqtt.ConnectAsync($"{rig.BrokerHost}:{rig.BrokerPort}", rig.Prefix, default, DeviceKeyRing.Load(rig.DevicesDir));
    }

    private static byte[] FakeState(string device, long version) => Encoding.UTF8.GetBytes(
        $"{{\"schema\":1,\"device\":\"{device}\",\"state\":\"active\",\"active_name\":\"x\",\"active_version\":{version},\"active_sha256\":\"00\",\"health_passed\":true,\"timestamp\":\"2030-01-01T00:00:00Z\"}}");

    private async Task<RolloutResult> Rollout(FleetMqtt fleet, ModelManifest m, string stages, int timeoutS = 4) =>
        await FleetRollout.RunAsync(fleet, m, FaultRig.Json(m), FleetRollout.ParseStages(stages), 1.0, 0, TimeSpan.FromSeconds(timeoutS), TimeSpan.FromMilliseconds(300), TextWriter.Null);

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault(string fault)
    {
        byte[] model = OtaTestModels.Build(seed: Interlocked.Increment(ref _seed));
        switch (fault[..3])
        {
            case "f01":
            {
                await using var fleet = await FleetAsync();
                var m = rig.Release(model, "f01");
                await rig.PublishAsync($"{rig.Prefix}/ghost/model/state", FakeState("ghost", m.Version), retain: true);
                var r = await Rollout(fleet, m, "canary:d:ghost");
                Assert.False(r.Completed);
                Assert.False(fleet.States.ContainsKey("ghost"));
                Assert.True(fleet.Unverified > 0);
                await rig.PublishAsync($"{rig.Prefix}/ghost/model/desired", []);
                await rig.AssertServingAsync(Fleet, fault);
                break;
            }
            case "f02":
            {
                await using var fleet = await FleetAsync();
                var m = rig.Key.Manifest(model, rig.NextVersion(), [$"http://127.0.0.1:{Telemetry.MosquittoFixture.FreeLoopbackPort()}/dead"]);
                var spoof = Task.Run(async () =>
                {
                    for (int i = 0; i < 20; i++) { await rig.PublishAsync(rig.StateTopic, FakeState(rig.Device, m.Version), retain: false); await Task.Delay(150); }
                });
                var r = await Rollout(fleet, m, $"canary:d:{rig.Device}");
                await spoof;
                Assert.False(r.Completed);
                Assert.NotEqual(m.Version, fleet.States[rig.Device].ActiveVersion);
                await rig.PublishAsync(rig.DesiredTopic, []);
                await rig.AssertServingAsync(Fleet, fault);
                break;
            }
            case "f03":
            {
                await using var fleet = await FleetAsync();
                long before = fleet.Unverified;
                using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                byte[] payload = FakeState(rig.Device, 424242);
                string sig = Convert.ToBase64String(other.SignData(DeviceIdentity.SignedBytes(rig.StateTopic, payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
                await rig.PublishAsync(rig.StateTopic, payload, retain: false, shape: b => b.WithUserProperty("sig", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(sig)));
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (fleet.Unverified == before && DateTime.UtcNow < deadline) await Task.Delay(50);
                Assert.True(fleet.Unverified > before);
                Assert.NotEqual(424242, fleet.States.GetValueOrDefault(rig.Device)?.ActiveVersion);
                await rig.AssertServingAsync(Fleet, fault);
                break;
            }
            case "f04":
            {
                using var evil = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                DeviceKeyRing.Enroll(rig.DevicesDir, "evil", evil.ExportSubjectPublicKeyInfoPem());
                await using var fleet = await FleetAsync();
                long before = fleet.Unverified;
                string topic = $"{rig.Prefix}/evil/model/state";
                byte[] payload = FakeState(rig.Device, 434343); // a real, enrolled device speaks for someone else
                string sig = Convert.ToBase64String(evil.SignData(DeviceIdentity.SignedBytes(topic, payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
                await rig.PublishAsync(topic, payload, retain: false, shape: b => b.WithUserProperty("sig", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(sig)));
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (fleet.Unverified == before && DateTime.UtcNow < deadline) await Task.Delay(50);
                Assert.True(fleet.Unverified > before);
                Assert.NotEqual(434343, fleet.States.GetValueOrDefault(rig.Device)?.ActiveVersion);
                await rig.AssertServingAsync(Fleet, fault);
                break;
            }
            case "f05":
            {
                await using var fleet = await FleetAsync();
                await rig.PublishAsync($"{rig.Prefix}/huge/model/state", RandomNumberGenerator.GetBytes(1 << 20), retain: false);
                await Task.Delay(500);
                Assert.False(fleet.States.ContainsKey("huge"));
                Assert.True(fleet.States.ContainsKey(rig.Device)); // the real device is still seen
                await rig.AssertServingAsync(Fleet, fault);
                break;
            }
            case "f06":
            {
                await using var fleet = await FleetAsync();
                var m = rig.Release(model, "f06");
                var r = await Rollout(fleet, m, $"canary:d:{rig.Device}", timeoutS: 40);
                Assert.True(r.Completed, r.HaltReason);
                var s = fleet.States[rig.Device];
                Assert.True(s.HealthPassed && s.ActiveVersion == m.Version && s.State == ModelLifecycle.Active);
                rig.ExpectedSha = FaultRig.Sha(model);
                rig.ExpectedVersion = m.Version;
                await rig.AssertServingAsync(Fleet, fault, x => x.GetProperty("health_passed").GetBoolean(), "health passed");
                break;
            }
            case "k01":
            {
                string dir = Directory.CreateTempSubdirectory("edgert-keys-").FullName;
                Assert.Equal(0, CommandLine.Run(["fleet", "keygen", "--out", dir, "--key-id", "k"], TextWriter.Null, TextWriter.Null));
                if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "k.key.pem")));
                Directory.Delete(dir, true);
                await rig.AssertServingAsync(Keys, fault);
                break;
            }
            case "k02":
            {
                string dir = Directory.CreateTempSubdirectory("edgert-keys-").FullName;
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("777", 8));
                Assert.Equal(1, CommandLine.Run(["fleet", "keygen", "--out", dir, "--key-id", "k"], TextWriter.Null, TextWriter.Null));
                Assert.False(File.Exists(Path.Combine(dir, "k.key.pem")));
                Directory.Delete(dir, true);
                await rig.AssertServingAsync(Keys, fault);
                break;
            }
            case "k03":
                if (!OperatingSystem.IsWindows())
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(rig.StateDirectory, DeviceIdentity.KeyFile)));
                await rig.AssertServingAsync(Keys, fault);
                break;
            default: throw new ArgumentException(fault);
        }
    }
}
