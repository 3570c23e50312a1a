using System.Security.Cryptography;
using System.Text.Json;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;
using EdgeRuntime.Tests.Ota;

namespace EdgeRuntime.Tests.Faults;

public sealed class DiskAndModelRig : FaultRig
{
    public static readonly byte[] Crasher = OtaTestModels.Build(seed: 91), Thrower = OtaTestModels.Build(seed: 92);
    public DiskAndModelRig() => Device = "fault-disk";
    protected override Dictionary<string, string> ExtraEnv() => new()
    {
        ["EDGERT_TEST_CRASH_SHAS"] = Sha(Crasher),
        ["EDGERT_TEST_THROW_SHAS"] = Sha(Thrower),
    };
}

/// <summary>Fault suite: faulty disk, hostile models (verified or crashing), crashes and a failing camera, one real daemon process.</summary>
[Collection("faults")]
public sealed class DiskAndModelFaultTests(DiskAndModelRig rig) : IClassFixture<DiskAndModelRig>
{
    private const string Disk = "faulty disk / process", Model = "hostile model";
    private static int _seed = 60;

    public static TheoryData<string> Faults => new()
    {
        "d01 disk full while the slot is written", "d02 disk recovers (retried, installs)", "d03 golden check throws", "d04 model bytes are junk",
        "d05 model with an unsupported operator", "d06 golden mismatch", "d07 trial model throws on every frame",
        "d08 trial model crashes the process (crash loop)", "d09 camera fails to open", "d10 SIGKILL of the daemon",
    };

    private static bool StateIs(JsonElement s, string prefix) => FaultRig.StateIs(s, prefix);

    private async Task Rejected(string fault, ModelManifest m, string prefix, string cls = Model)
    {
        await rig.PublishDesiredAsync(m);
        await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, prefix), prefix);
        await rig.AssertServingAsync(cls, fault, s => StateIs(s, prefix), prefix);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault(string fault)
    {
        byte[] model = OtaTestModels.Build(seed: Interlocked.Increment(ref _seed));
        switch (fault[..3])
        {
            case "d01":
            {
                var m = rig.Release(model, "d01");
                File.WriteAllText(rig.FaultFile, FaultPoints.SlotWrite + "\n");
                try { await Rejected(fault, m, "rejected:disk-error", Disk); }
                finally { File.WriteAllText(rig.FaultFile, ""); }
                // The release stays desired and is retried with backoff: it must land now, not in the middle of a later fault.
                await rig.WaitStateAsync(s => s.TryGetProperty("active_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "active") && s.GetProperty("health_passed").GetBoolean(), "installed after retry");
                rig.ExpectedSha = FaultRig.Sha(model);
                rig.ExpectedVersion = m.Version;
                break;
            }
            case "d02":
            {
                // d01's release is still desired and retried with backoff: once the disk is back it installs, no restart.
                var m = rig.Release(model, "d02");
                File.WriteAllText(rig.FaultFile, FaultPoints.SlotWrite + "\n");
                await rig.PublishDesiredAsync(m);
                await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "rejected:disk-error"), "disk-error");
                File.WriteAllText(rig.FaultFile, "");
                await rig.WaitStateAsync(s => s.TryGetProperty("active_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "active") && s.GetProperty("health_passed").GetBoolean(), "installed after retry");
                rig.ExpectedSha = FaultRig.Sha(model);
                rig.ExpectedVersion = m.Version;
                await rig.AssertServingAsync(Disk, fault, s => StateIs(s, "active"), "active");
                break;
            }
            case "d03":
                File.WriteAllText(rig.FaultFile, FaultPoints.VerifyThrows + "\n");
                try { await Rejected(fault, rig.Release(model, "d03"), "rejected:verify-error"); }
                finally { File.WriteAllText(rig.FaultFile, ""); }
                break;
            case "d04":
            {
                byte[] junk = RandomNumberGenerator.GetBytes(4096);
                rig.Http.Serve("d04", junk);
                await Rejected(fault, rig.Key.Manifest(model, rig.NextVersion(), [rig.Http.Url("d04")],
                    m => m with { Sha256 = FaultRig.Sha(junk), Length = junk.Length, Input = null, Output = null, Golden = null }), "rejected:parse-failed");
                break;
            }
            case "d05":
            {
                byte[] hswish = OtaTestModels.Build(seed: 5, hardSwish: true);
                rig.Http.Serve("d05", hswish);
                await Rejected(fault, rig.Key.Manifest(model, rig.NextVersion(), [rig.Http.Url("d05")],
                    m => m with { Sha256 = FaultRig.Sha(hswish), Length = hswish.Length }), "rejected:unsupported-op");
                break;
            }
            case "d06":
                await Rejected(fault, rig.Release(model, "d06", m => m with { Golden = rig.Key.Manifest(OtaTestModels.Build(seed: 3), 1, []).Golden }), "rejected:golden-mismatch");
                break;
            case "d07":
                await Rejected(fault, rig.Release(DiskAndModelRig.Thrower, "d07"), "rolled-back:");
                break;
            case "d08":
            {
                var m = rig.Release(DiskAndModelRig.Crasher, "d08");
                int starts = rig.Daemon.Starts;
                await rig.PublishDesiredAsync(m);
                // activation (start 1) + 2 boots on trial crash; the 4th boot finds the counter at 3 and rolls back.
                await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "rolled-back:crash-loop"),
                    "rolled-back:crash-loop", TimeSpan.FromSeconds(120));
                Assert.True(rig.Daemon.Starts >= starts + 3, $"starts {rig.Daemon.Starts}");
                await rig.AssertServingAsync(Disk, fault, s => StateIs(s, "rolled-back:crash-loop"), "rolled-back:crash-loop", allowRestarts: true);
                // The desired manifest still names the crasher: later boots do not try it again.
                int after = rig.Daemon.Starts;
                await Task.Delay(3000);
                Assert.Equal(after, rig.Daemon.Starts);
                break;
            }
            case "d09":
            {
                int before = rig.LogCount("frame-loop failed");
                File.WriteAllText(rig.FaultFile, FaultPoints.FrameLoop + "\n" + FaultPoints.SourceOpen + "\n");
                await rig.WaitLogAsync("frame-loop failed", before + 2); // the loop broke, then the camera did not open again (backoff)
                File.WriteAllText(rig.FaultFile, "");
                await rig.AssertServingAsync(Disk, fault, s => StateIs(s, "active") || StateIs(s, "rolled-back:") || StateIs(s, "rejected:"), "unchanged");
                var t = await rig.WaitTelemetryAsync(x => x.TryGetProperty("restarts", out var r) && r.GetProperty("frame-loop").GetInt64() >= 3, "restarts counted");
                Assert.Contains("frame-loop", t.GetProperty("last_fault").GetString());
                break;
            }
            case "d10":
            {
                int starts = rig.Daemon.Starts;
                KillDaemon();
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (rig.Daemon.Starts == starts && DateTime.UtcNow < deadline) await Task.Delay(50);
                await rig.AssertServingAsync(Disk, fault, s => StateIs(s, "active") || StateIs(s, "rolled-back:") || StateIs(s, "rejected:"), "booted last good", allowRestarts: true);
                break;
            }
            default: throw new ArgumentException(fault);
        }
    }

    private void KillDaemon()
    {
        var f = typeof(SupervisedDaemon).GetField("_p", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        ((System.Diagnostics.Process)f.GetValue(rig.Daemon)!).Kill();
    }
}
