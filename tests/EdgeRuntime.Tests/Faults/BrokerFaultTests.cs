using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;
using EdgeRuntime.Telemetry;
using EdgeRuntime.Tests.Ota;
using EdgeRuntime.Tests.Telemetry;
using MQTTnet;

namespace EdgeRuntime.Tests.Faults;

/// <summary>The daemon with its embedded broker (logins generated at first start, ACLs, limits).</summary>
public sealed class EmbeddedBrokerRig : FaultRig
{
    private readonly int _port = MosquittoFixture.FreeLoopbackPort();
    public EmbeddedBrokerRig() => Device = "fault-emb";
    public string UsersFile => Path.Combine(Dir, "users", "broker-users.json");
    protected override bool UseExternalBroker => false;
    public override string BrokerHost => "127.0.0.1";
    public override int BrokerPort => _port;
    public BrokerCredentials Users => MqttHostedService.LoadOrCreateCredentials(UsersFile, Device);
    public BrokerUser User(string role) => Users.Find(role)!;
    public override (string? User, string? Password) WatchLogin => (User(BrokerRoles.Viewer).Username, User(BrokerRoles.Viewer).Password);
    public override (string? User, string? Password) FleetLogin => (User(BrokerRoles.Fleet).Username, User(BrokerRoles.Fleet).Password);
    protected override IEnumerable<string> ExtraArgs() =>
        [$"--Mqtt:EmbeddedBrokerPort={_port}", $"--Mqtt:EmbeddedBrokerCredentialsFile={UsersFile}", "--Mqtt:EmbeddedBrokerMaxRetainedMessages=60"];

    protected override async Task BeforeWatchAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(UsersFile) && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(200);
    }
}

/// <summary>Fault suite: local attackers on the embedded broker (no login, wrong password, wrong role, client-id takeover, huge/many retained messages).</summary>
[Collection("faults")]
public sealed class EmbeddedBrokerFaultTests(EmbeddedBrokerRig rig) : IClassFixture<EmbeddedBrokerRig>
{
    private const string Broker = "local attacker on the broker";
    private static int _seed = 160;

    public static TheoryData<string> Faults => new()
    {
        "b01 anonymous client", "b02 wrong password", "b03 viewer publishes a signed release on desired", "b04 viewer spoofs the retained state",
        "b05 takeover of the daemon's client id", "b06 50 MB retained message", "b07 stolen device login writes desired",
        "b08 fleet login writes device telemetry", "b09 retained-message flood", "b10 fleet login delivers a release (control)",
        "k04 broker users file 0600",
    };

    private async Task Refused(Func<Task> connect)
    {
        await Assert.ThrowsAnyAsync<Exception>(connect);
    }

    private Task NotInstalled(string fault, string user, string password) =>
        rig.AssertReleaseFromPeerNotInstalledAsync(Broker, fault, user, password, OtaTestModels.Build(seed: Interlocked.Increment(ref _seed)));

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault(string fault)
    {
        switch (fault[..3])
        {
            case "b01":
                await Refused(() => rig.PeerAsync());
                await Refused(() => MqttTestSubscriber.ConnectAsync(rig.BrokerHost, rig.BrokerPort, "#"));
                await rig.AssertServingAsync(Broker, fault);
                break;
            case "b02":
                await Refused(() => rig.PeerAsync("fleet", "guess"));
                await Refused(() => rig.PeerAsync(rig.Device, "guess"));
                await rig.AssertServingAsync(Broker, fault);
                break;
            case "b03":
                await NotInstalled(fault, rig.User(BrokerRoles.Viewer).Username, rig.User(BrokerRoles.Viewer).Password);
                break;
            case "b04":
            {
                var peer = await rig.PeerAsync(rig.User(BrokerRoles.Viewer).Username, rig.User(BrokerRoles.Viewer).Password);
                try
                {
                    try { await rig.PublishAsync(rig.StateTopic, Encoding.UTF8.GetBytes("{\"device\":\"fault-emb\",\"state\":\"active\",\"active_version\":999}"), via: peer); } catch (Exception) { }
                    try { await rig.PublishAsync($"{rig.Prefix}/{rig.Device}/status", "stopped"u8.ToArray(), via: peer); } catch (Exception) { }
                }
                finally { peer.Dispose(); }
                await Task.Delay(500);
                await rig.AssertServingAsync(Broker, fault); // the retained state is still the device's, signature checked
                break;
            }
            case "b05":
            {
                long before = rig.LastTelemetry()!.Value.GetProperty("mqtt").GetProperty("reconnects").GetInt64();
                var fleet = rig.User(BrokerRoles.Fleet);
                await Refused(() => rig.PeerAsync(fleet.Username, fleet.Password, "edgert-" + rig.Device));
                await Refused(() => rig.PeerAsync(fleet.Username, fleet.Password, "edgert-" + rig.Device + "-ota"));
                await Task.Delay(1000);
                await rig.AssertServingAsync(Broker, fault);
                Assert.Equal(before, rig.LastTelemetry()!.Value.GetProperty("mqtt").GetProperty("reconnects").GetInt64());
                break;
            }
            case "b06":
            {
                var fleet = rig.User(BrokerRoles.Fleet);
                var peer = await rig.PeerAsync(fleet.Username, fleet.Password);
                try
                {
                    try { await rig.PublishAsync($"{rig.Prefix}/models/huge/0", new byte[50 << 20], via: peer); } catch (Exception) { }
                    try { await rig.PublishAsync(rig.DesiredTopic.Replace(rig.Device, "other", StringComparison.Ordinal), new byte[1 << 20], via: peer); } catch (Exception) { }
                }
                finally { peer.Dispose(); }
                await using var sub = await MqttTestSubscriber.ConnectAsync(rig.BrokerHost, rig.BrokerPort, $"{rig.Prefix}/models/huge/#", rig.WatchLogin.User, rig.WatchLogin.Password);
                await Task.Delay(800);
                Assert.Empty(sub.All);
                await rig.AssertServingAsync(Broker, fault);
                break;
            }
            case "b07":
                await NotInstalled(fault, rig.User(BrokerRoles.Device).Username, rig.User(BrokerRoles.Device).Password);
                break;
            case "b08":
            {
                var fleet = rig.User(BrokerRoles.Fleet);
                var peer = await rig.PeerAsync(fleet.Username, fleet.Password);
                int before = rig.Watch.All.Count(m => m.Topic.EndsWith("/telemetry", StringComparison.Ordinal) && Encoding.UTF8.GetString(m.Payload.ToArray()).Contains("forged", StringComparison.Ordinal));
                try { try { await rig.PublishAsync($"{rig.Prefix}/{rig.Device}/telemetry", Encoding.UTF8.GetBytes("{\"forged\":true}"), retain: false, via: peer); } catch (Exception) { } }
                finally { peer.Dispose(); }
                await Task.Delay(500);
                Assert.Equal(before, rig.Watch.All.Count(m => m.Topic.EndsWith("/telemetry", StringComparison.Ordinal) && Encoding.UTF8.GetString(m.Payload.ToArray()).Contains("forged", StringComparison.Ordinal)));
                await rig.AssertServingAsync(Broker, fault);
                break;
            }
            case "b09":
            {
                var fleet = rig.User(BrokerRoles.Fleet);
                var peer = await rig.PeerAsync(fleet.Username, fleet.Password);
                try
                {
                    for (int i = 0; i < 100; i++)
                        try { await rig.PublishAsync($"{rig.Prefix}/models/flood/{i}", RandomNumberGenerator.GetBytes(64), via: peer); } catch (Exception) { }
                    await using var sub = await MqttTestSubscriber.ConnectAsync(rig.BrokerHost, rig.BrokerPort, $"{rig.Prefix}/models/flood/#", rig.WatchLogin.User, rig.WatchLogin.Password);
                    await Task.Delay(1000);
                    Assert.InRange(sub.All.Count, 1, 60);
                    await rig.AssertServingAsync(Broker, fault);
                }
                finally
                {
                    // Empty retained payloads delete the flood: a full retained store would refuse the next test's release.
                    for (int i = 0; i < 100; i++)
                        try { await rig.PublishAsync($"{rig.Prefix}/models/flood/{i}", [], via: peer); } catch (Exception) { }
                    peer.Dispose();
                }
                break;
            }
            case "b10":
                await rig.AssertReleaseInstalledAsync(Broker, fault, OtaTestModels.Build(seed: Interlocked.Increment(ref _seed)));
                break;
            case "k04":
                if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rig.UsersFile));
                await rig.AssertServingAsync("keys", fault);
                break;
            default: throw new ArgumentException(fault);
        }
    }
}

/// <summary>A real mosquitto configured as deploy/raspberrypi/mosquitto documents (password file + ACL file).</summary>
public sealed class MosquittoAclRig : FaultRig
{
    public const string DevicePassword = "dev-pw-1", OtherPassword = "other-pw-2", FleetPassword = "fleet-pw-3", ViewerPassword = "viewer-pw-4";
    public MosquittoAclRig() => Device = "fault-acl";
    public override (string? User, string? Password) WatchLogin => ("viewer", ViewerPassword);
    public override (string? User, string? Password) FleetLogin => ("fleet", FleetPassword);
    protected override IEnumerable<string> ExtraArgs() => ["--Mqtt:Username=fault-acl", $"--Mqtt:Password={DevicePassword}"];

    public static string RepoFile(string relative) =>
        Path.Combine(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..")), relative);

    protected override Task<MosquittoFixture> StartBrokerAsync() => MosquittoFixture.StartNewAsync(
        "allow_anonymous false\npassword_file {dir}/edgert.passwd\nacl_file {dir}/edgert.acl\nmax_packet_size 2097152",
        dir =>
        {
            File.Copy(RepoFile("deploy/raspberrypi/mosquitto/edgert.acl"), Path.Combine(dir, "edgert.acl"));
            string pw = Path.Combine(dir, "edgert.passwd");
            File.WriteAllText(pw, "");
            foreach (var (u, p) in new[] { ("fault-acl", DevicePassword), ("other-dev", OtherPassword), ("fleet", FleetPassword), ("viewer", ViewerPassword) })
            {
                using var proc = System.Diagnostics.Process.Start("mosquitto_passwd", ["-b", pw, u, p])!;
                proc.WaitForExit();
                Assert.Equal(0, proc.ExitCode);
            }
        });
}

/// <summary>Fault suite: the documented mosquitto configuration (deploy/raspberrypi/mosquitto) enforces the same roles.</summary>
[Collection("faults")]
public sealed class MosquittoAclFaultTests(MosquittoAclRig rig) : IClassFixture<MosquittoAclRig>
{
    private const string Broker = "local attacker on the broker";
    private static int _seed = 200;

    public static TheoryData<string> Faults => new()
    {
        "a01 anonymous client on mosquitto", "a02 device login writes desired on mosquitto", "a03 another device spoofs this device's state on mosquitto",
        "a04 viewer writes desired on mosquitto", "a05 fleet delivers a release through mosquitto ACLs (control)",
    };

    private Task NotInstalled(string fault, string user, string password) =>
        rig.AssertReleaseFromPeerNotInstalledAsync(Broker, fault, user, password, OtaTestModels.Build(seed: Interlocked.Increment(ref _seed)));

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault(string fault)
    {
        switch (fault[..3])
        {
            case "a01":
                await Assert.ThrowsAnyAsync<Exception>(() => rig.PeerAsync());
                await rig.AssertServingAsync(Broker, fault);
                break;
            case "a02": await NotInstalled(fault, "fault-acl", MosquittoAclRig.DevicePassword); break;
            case "a04": await NotInstalled(fault, "viewer", MosquittoAclRig.ViewerPassword); break;
            case "a03":
            {
                var peer = await rig.PeerAsync("other-dev", MosquittoAclRig.OtherPassword);
                try { try { await rig.PublishAsync(rig.StateTopic, Encoding.UTF8.GetBytes("{\"device\":\"fault-acl\",\"state\":\"active\"}"), via: peer); } catch (Exception) { } }
                finally { peer.Dispose(); }
                await Task.Delay(500);
                await rig.AssertServingAsync(Broker, fault); // retained state still signed by the device
                break;
            }
            case "a05":
                await rig.AssertReleaseInstalledAsync(Broker, fault, OtaTestModels.Build(seed: Interlocked.Increment(ref _seed)));
                break;
            default: throw new ArgumentException(fault);
        }
    }
}
