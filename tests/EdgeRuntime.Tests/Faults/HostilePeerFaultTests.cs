using MQTTnet;
using System.Buffers;
using MQTTnet.Packets;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeRuntime.Ota;
using EdgeRuntime.Tests.Ota;

namespace EdgeRuntime.Tests.Faults;

public sealed class HostilePeerRig : FaultRig
{
    public HostilePeerRig() => Device = "fault-peer";
    protected override IEnumerable<string> ExtraArgs() => ["--Ota:Group=g1"];
}

/// <summary>
/// Fault suite, hostile MQTT peers and hostile HTTP servers, against one real daemon process (real mosquitto, real HTTP
/// server, loopback only). After every fault: process alive, frames advancing, the expected model serving, retained state true.
/// </summary>
[Collection("faults")]
public sealed class HostilePeerFaultTests(HostilePeerRig rig) : IClassFixture<HostilePeerRig>
{
    private const string Mqtt = "hostile MQTT peer", Http = "hostile HTTP server";
    private static int _seed = 40;

    public static TheoryData<string> Faults => new()
    {
        "m01 unsigned manifest", "m02 forged signature", "m03 tampered signed manifest", "m04 untrusted signing key", "m05 expired manifest",
        "m06 unsigned huge version + pin, then a signed release", "m07 bad-signature copy of a real release first", "m08 1 MB manifest",
        "m09 binary junk on desired", "m10 JSON of the wrong shape", "m11 junk on the group topic", "m12 retained clear of desired",
        "m13 flood of 300 junk messages", "m14 replay of an older signed release", "m15 junk on the chunk topic, chunk-only release",
        "h01 HTTP 404", "h02 HTTP 500", "h03 connection refused", "h04 redirect to file://", "h05 redirect to ftp://", "h06 redirect loop",
        "h07 trickle (1 byte / 100 ms)", "h08 stall mid-body (resumed on retry)", "h09 no response headers", "h10 truncated body", "h11 bytes differ from sha256",
        "h12 more bytes than the manifest says", "h13 golden input_sha256 path traversal", "h14 server fails, then recovers (retry)",
    };

    private byte[] NewModel() => OtaTestModels.Build(seed: Interlocked.Increment(ref _seed));

    private async Task Ignored(string fault, byte[] payload, string reason, string? topic = null)
    {
        long before = (await rig.RetainedStateAsync()).GetProperty("ignored_messages").GetInt64();
        string hash = FaultRig.Sha(payload)[..16];
        await rig.PublishAsync(topic ?? rig.DesiredTopic, payload);
        // Visible in the retained state (re-published within a second): counter and "reason sha256:<prefix> <size> bytes", no content.
        await rig.WaitStateAsync(s => s.GetProperty("ignored_messages").GetInt64() > before
            && s.TryGetProperty("last_ignored", out var l) && l.GetString()!.StartsWith(reason, StringComparison.Ordinal)
            && l.GetString()!.Contains(" sha256:" + hash, StringComparison.Ordinal), "ignored " + reason);
        Assert.DoesNotContain("attacker-marker", rig.Daemon.Output); // nothing of the message is logged
        await rig.AssertServingAsync(Mqtt, fault, s => s.GetProperty("ignored_messages").GetInt64() > before, "ignored counted");
    }

    private async Task DownloadFails(string fault, ModelManifest m, string reason)
    {
        await rig.PublishDesiredAsync(m);
        await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "rejected:download-failed:" + reason), reason);
        await rig.AssertServingAsync(Http, fault, s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version
            && (StateIs(s, "rejected:download-failed:") || StateIs(s, "received") || StateIs(s, "downloading")), "download failed (retrying)");
    }

    private static bool StateIs(JsonElement s, string prefix) => FaultRig.StateIs(s, prefix);

    private async Task Installs(string cls, string fault, ModelManifest m, byte[] model)
    {
        await rig.WaitStateAsync(s => s.TryGetProperty("active_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "active")
            && s.GetProperty("health_passed").GetBoolean(), $"active v{m.Version}");
        rig.ExpectedSha = FaultRig.Sha(model);
        rig.ExpectedVersion = m.Version;
        await rig.AssertServingAsync(cls, fault, s => StateIs(s, "active") && s.GetProperty("health_passed").GetBoolean(), "active, health passed");
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault(string fault)
    {
        string id = fault[..3];
        byte[] model = NewModel();
        switch (id)
        {
            case "m01": await Ignored(fault, FaultRig.Json(rig.Release(model, "m01", version: 999_999) with { Signature = "" }), "bad-signature"); break;
            case "m02": await Ignored(fault, FaultRig.Json(rig.Release(model, "m02") with { Signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) }), "bad-signature"); break;
            case "m03": await Ignored(fault, FaultRig.Json(rig.Release(model, "m03") with { Urls = ["http://127.0.0.1:9/attacker-marker"] }), "bad-signature"); break;
            case "m04":
                using (var rogue = new TestKey(rig.Dir, "rogue"))
                    await Ignored(fault, FaultRig.Json(rogue.Manifest(model, rig.NextVersion(), [rig.Http.Url("m04")])), "untrusted-key:rogue");
                break;
            case "m05": await Ignored(fault, FaultRig.Json(rig.Release(model, "m05", m => m with { Expires = DateTimeOffset.UtcNow.AddMinutes(-1) })), "expired"); break;
            case "m06":
            {
                await Ignored(fault, FaultRig.Json(rig.Release(model, "m06x", m => m with { Pin = true }, version: long.MaxValue / 2) with { Signature = "AAAA" }), "bad-signature");
                var real = rig.Release(model, "m06");
                await rig.PublishDesiredAsync(real);
                await Installs(Mqtt, fault, real, model);
                break;
            }
            case "m07":
            {
                var real = rig.Release(model, "m07");
                await Ignored(fault, FaultRig.Json(real with { Signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) }), "bad-signature");
                await rig.PublishDesiredAsync(real);
                await Installs(Mqtt, fault, real, model);
                break;
            }
            case "m08": await Ignored(fault, Encoding.UTF8.GetBytes("{\"name\":\"attacker-marker" + new string('x', 1 << 20) + "\"}"), "too-large"); break;
            case "m09": await Ignored(fault, RandomNumberGenerator.GetBytes(3000), "invalid-manifest"); break;
            case "m10": await Ignored(fault, Encoding.UTF8.GetBytes("[1,2,{\"version\":\"attacker-marker\"}]"), "invalid-manifest"); break;
            case "m11": await Ignored(fault, Encoding.UTF8.GetBytes("{\"version\":1e300,\"name\":\"attacker-marker\"}"), "invalid-manifest", $"{rig.Prefix}/groups/g1/model/desired"); break;
            case "m12":
                await rig.PublishAsync(rig.DesiredTopic, []);
                await Task.Delay(500);
                await rig.AssertServingAsync(Mqtt, fault); // nothing installed, nothing rolled back
                break;
            case "m13":
            {
                var peer = await rig.PeerAsync();
                for (int i = 0; i < 300; i++)
                    await rig.PublishAsync(rig.DesiredTopic, RandomNumberGenerator.GetBytes(200 + i), retain: i % 2 == 0, via: peer);
                await peer.DisconnectAsync();
                peer.Dispose();
                await rig.PublishAsync(rig.DesiredTopic, []);
                await rig.AssertServingAsync(Mqtt, fault, s => s.GetProperty("ignored_messages").GetInt64() >= 150, "the flood counted");
                break;
            }
            case "m14":
            {
                var old = rig.Release(model, "m14", version: 5);
                await rig.PublishDesiredAsync(old);
                await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == 5 && StateIs(s, "rejected:version-not-newer"), "replay refused");
                await rig.AssertServingAsync(Mqtt, fault, s => StateIs(s, "rejected:version-not-newer"), "rejected:version-not-newer");
                break;
            }
            case "m15":
            {
                string chunks = $"{rig.Prefix}/models/m15/chunks";
                // Junk first: wrong totals, bad hashes, non-chunks, chunk-sized garbage with a self-consistent hash.
                byte[] junk = RandomNumberGenerator.GetBytes(100);
                await rig.PublishAsync(chunks + "/0", junk, shape: b => b.WithUserProperty("index", (ReadOnlyMemory<byte>)"0"u8.ToArray())
                    .WithUserProperty("total", (ReadOnlyMemory<byte>)"1"u8.ToArray()).WithUserProperty("offset", (ReadOnlyMemory<byte>)"0"u8.ToArray())
                    .WithUserProperty("sha256", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(FaultRig.Sha(junk))));
                await rig.PublishAsync(chunks + "/7", RandomNumberGenerator.GetBytes(500));
                await rig.PublishAsync(chunks + "/1", Encoding.UTF8.GetBytes("not a chunk"));
                foreach (var c in MqttChunkDownloader.Chunks(chunks, model, chunkSize: 1024))
                    if (c.Topic != chunks + "/0") await rig.PublishAsync(c.Topic, c.Payload.ToArray(), shape: b => { foreach (var p in c.UserProperties) b.WithUserProperty(p.Name, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(p.ReadValueAsString())); });
                // chunk 0 of the real set arrives after the junk on the same topic has been read
                var first = MqttChunkDownloader.Chunks(chunks, model, chunkSize: 1024).First();
                var m = rig.Key.Manifest(model, rig.NextVersion(), [], x => x with { MqttChunks = chunks });
                await rig.PublishDesiredAsync(m);
                await Task.Delay(300);
                await rig.PublishAsync(first.Topic, first.Payload.ToArray(), shape: b => { foreach (var p in first.UserProperties) b.WithUserProperty(p.Name, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(p.ReadValueAsString())); });
                await Installs(Mqtt, fault, m, model);
                break;
            }
            case "h01": rig.Http.Statuses["h01"] = 404; await DownloadFails(fault, rig.Release(model, "h01", serve: false), "http-404"); break;
            case "h02": rig.Http.Statuses["h02"] = 500; await DownloadFails(fault, rig.Release(model, "h02", serve: false), "http-500"); break;
            case "h03":
                await DownloadFails(fault, rig.Key.Manifest(model, rig.NextVersion(), [$"http://127.0.0.1:{Telemetry.MosquittoFixture.FreeLoopbackPort()}/x"]), "http-error"); break;
            case "h04": rig.Http.Redirects["h04"] = "file:///etc/passwd"; await DownloadFails(fault, rig.Release(model, "h04", serve: false), "bad-redirect"); break;
            case "h05": rig.Http.Redirects["h05"] = "ftp://127.0.0.1/model"; await DownloadFails(fault, rig.Release(model, "h05", serve: false), "bad-redirect"); break;
            case "h06": rig.Http.Redirects["h06"] = rig.Http.Url("h06"); await DownloadFails(fault, rig.Release(model, "h06", serve: false), "too-many-redirects"); break;
            case "h07":
            {
                byte[] big = OtaTestModels.Build(seed: 77, size: 32, heavyLayers: 2);
                rig.Http.Trickles["h07"] = 100;
                await DownloadFails(fault, rig.Release(big, "h07"), "too-slow");
                break;
            }
            case "h08":
            {
                // Every response stalls after half of what it sends: the attempt fails "stalled", the retry resumes with Range.
                rig.Http.Behaviour = (p, _) => p == "h08" ? (model.Length / 2, true) : null;
                var m = rig.Release(model, "h08");
                await rig.PublishDesiredAsync(m);
                await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "rejected:download-failed:stalled"), "stalled");
                await Installs(Http, fault, m, model);
                break;
            }
            case "h09": rig.Http.Hangs["h09"] = true; await DownloadFails(fault, rig.Release(model, "h09", serve: false), "timeout"); break;
            case "h10":
            {
                var m = rig.Release(model, "h10");
                rig.Http.Serve("h10", model[..(model.Length / 2)]);
                await DownloadFails(fault, m, "truncated");
                break;
            }
            case "h11":
            {
                var m = rig.Release(model, "h11");
                byte[] other = (byte[])model.Clone();
                other[^1] ^= 0xFF;
                rig.Http.Serve("h11", other);
                await DownloadFails(fault, m, "sha256-mismatch");
                break;
            }
            case "h12":
            {
                var m = rig.Release(model, "h12");
                rig.Http.Serve("h12", [.. model, .. RandomNumberGenerator.GetBytes(4096)]);
                await DownloadFails(fault, m, "too-large");
                break;
            }
            case "h13":
            {
                var m = rig.Release(model, "h13", x => x with { Golden = x.Golden! with { InputUrl = rig.Http.Url("h13-input"), InputSha256 = "../../../../tmp/edgert-pwned-" + new string('a', 32) } });
                await rig.PublishDesiredAsync(m);
                await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "rejected:golden-error"), "golden-error");
                Assert.False(Directory.GetFiles("/tmp", "edgert-pwned-*").Length > 0);
                await rig.AssertServingAsync(Http, fault, s => StateIs(s, "rejected:golden-error"), "rejected:golden-error");
                break;
            }
            case "h14":
            {
                var m = rig.Release(model, "h14");
                rig.Http.Statuses["h14"] = 503;
                await rig.PublishDesiredAsync(m);
                await rig.WaitStateAsync(s => s.TryGetProperty("target_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "rejected:download-failed:http-503"), "503");
                rig.Http.Statuses.TryRemove("h14", out _);
                await Installs(Http, fault, m, model); // retried with backoff, no restart needed
                break;
            }
            default: throw new ArgumentException(fault);
        }
    }
}
