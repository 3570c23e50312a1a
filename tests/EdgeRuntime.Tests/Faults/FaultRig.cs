using System.Buffers;
using EdgeRuntime.Daemon;
using MQTTnet.Packets;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeRuntime.Ota;
using EdgeRuntime.Tests.Ota;
using EdgeRuntime.Tests.Telemetry;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeRuntime.Tests.Faults;

/// <summary>
/// The real daemon as a separate process (OtaTestHost: DaemonHost + interpreter segmenter + synthetic camera), restarted
/// like systemd's Restart=always when it exits; every run's output and exit code are kept.
/// </summary>
public sealed class SupervisedDaemon : IDisposable
{
    private readonly string[] _args;
    private readonly Dictionary<string, string> _env;
    private readonly List<string> _lines = [];
    private readonly List<int> _exits = [];
    private Process? _p;
    private volatile bool _disposed;

    public SupervisedDaemon(string[] args, Dictionary<string, string> env)
    {
        _args = args;
        _env = env;
        Launch();
    }

    public int Starts { get; private set; }
    public IReadOnlyList<int> Exits { get { lock (_exits) return [.. _exits]; } }
    public bool Alive => _p is { HasExited: false };
    public string Output { get { lock (_lines) return string.Join('\n', _lines); } }

    private void Launch()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(OtaCrashTests.HostDll());
        foreach (var a in _args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("EDGERT_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        foreach (var (k, v) in _env) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.EnableRaisingEvents = true;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add("ERR " + e.Data); };
        p.Exited += (_, _) =>
        {
            lock (_exits) _exits.Add(p.ExitCode);
            if (_disposed) return;
            Thread.Sleep(300); // RestartSec
            if (!_disposed) Launch();
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _p = p;
        Starts++;
    }

    public void Dispose()
    {
        _disposed = true;
        try
        {
            if (_p is { HasExited: false } p)
            {
                p.Kill();
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
    }
}

/// <summary>One daemon under attack plus the peers: real mosquitto, a real HTTP server, a fleet key, tiny real models.</summary>
public class FaultRig : IAsyncLifetime
{
    public static readonly TimeSpan T = TimeSpan.FromSeconds(45);
    private static readonly ConcurrentQueue<string> Results = new();
    private int _version = 100;
    private int _exitsSeen;

    public int LogCount(string fragment) => Daemon.Output.Split('\n').Count(l => l.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Waits until the daemon logged <paramref name="fragment"/> more often than <paramref name="before"/> times.</summary>
    public async Task WaitLogAsync(string fragment, int before, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? T);
        while (DateTime.UtcNow < deadline)
        {
            if (LogCount(fragment) > before) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the daemon never logged '{fragment}'\n{Tail()}");
    }

    public string Dir { get; } = Directory.CreateTempSubdirectory("edgert-faults-").FullName;
    public string Device { get; protected init; } = "fault-dev";
    public string Prefix => "edgert/v1";
    public string DesiredTopic => $"{Prefix}/{Device}/model/desired";
    public string StateTopic => $"{Prefix}/{Device}/model/state";
    public string StateDirectory => Path.Combine(Dir, "state");
    public MosquittoFixture Broker { get; private set; } = null!;
    public TinyHttpServer Http { get; } = new();
    public TestKey Key { get; private set; } = null!;
    public SupervisedDaemon Daemon { get; private set; } = null!;
    public MqttTestSubscriber Watch { get; private set; } = null!;
    public byte[] Factory { get; } = OtaTestModels.Build(seed: 1);
    public string FactorySha => Sha(Factory);
    public string FaultFile => Path.Combine(Dir, "faults.txt");

    /// <summary>The model that must be serving now (sha) and its OTA version (null: the factory model).</summary>
    public string ExpectedSha { get; set; } = "";
    public long? ExpectedVersion { get; set; }

    public static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    protected virtual IEnumerable<string> ExtraArgs() => [];
    protected virtual Dictionary<string, string> ExtraEnv() => [];
    protected virtual bool UseExternalBroker => true;
    public virtual string BrokerHost => Broker.Host;
    public virtual int BrokerPort => Broker.Port;
    /// <summary>Login of the test's observer (reads everything) and of the fleet operator (publishes desired manifests).</summary>
    public virtual (string? User, string? Password) WatchLogin => (null, null);
    public virtual (string? User, string? Password) FleetLogin => (null, null);
    protected virtual Task<MosquittoFixture> StartBrokerAsync() => MosquittoFixture.StartNewAsync();
    protected virtual Task BeforeWatchAsync() => Task.CompletedTask;

    public virtual async ValueTask InitializeAsync()
    {
        Broker = await StartBrokerAsync();
        Key = new TestKey(Dir, "k1");
        File.WriteAllBytes(Path.Combine(Dir, "factory.tflite"), Factory);
        File.WriteAllText(FaultFile, "");
        ExpectedSha = FactorySha;
        var args = new List<string>
        {
            "run", "--source", "synthetic:20", "--device", Device, "--model", Path.Combine(Dir, "factory.tflite"), "--telemetry-interval", "200",
            "--Mqtt:ReconnectMinDelayMs=100", "--Mqtt:ReconnectMaxDelayMs=1000",
            $"--Ota:StateDirectory={StateDirectory}", $"--Ota:TrustedKeys:k1={Key.PublicPath}", "--Ota:HealthFrames=5",
            "--Ota:HttpTimeoutSeconds=2", "--Ota:StallTimeoutSeconds=2", "--Ota:RateWindowSeconds=2", "--Ota:MinDownloadBytesPerSecond=4000",
            "--Ota:DownloadAttempts=1", "--Ota:RetryMinSeconds=2", "--Ota:RetryMaxSeconds=3", "--Ota:ChunkTimeoutSeconds=4",
            "--Ota:HealthTimeoutSeconds=20", "--Ota:DownloadDeadlineSeconds=8", "--Ota:MaxTrialStarts=3",
            "--Daemon:RestartMinDelayMs=200", "--Daemon:RestartMaxDelayMs=1000",
        };
        if (UseExternalBroker) args.AddRange(["--mqtt-host", Broker.Host, "--mqtt-port", Broker.Port.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(ExtraArgs());
        var env = new Dictionary<string, string> { [FaultPoints.Variable] = FaultFile };
        foreach (var (k, v) in ExtraEnv()) env[k] = v;
        Daemon = new SupervisedDaemon([.. args], env);
        await BeforeWatchAsync();
        Watch = await ConnectWatchAsync();
        await WaitTelemetryAsync(t => t.GetProperty("frames_processed").GetInt64() > 3, "first frames");
    }

    protected virtual Task<MqttTestSubscriber> ConnectWatchAsync() => MqttTestSubscriber.ConnectAsync(BrokerHost, BrokerPort, $"{Prefix}/{Device}/#", WatchLogin.User, WatchLogin.Password);

    public virtual async ValueTask DisposeAsync()
    {
        Daemon?.Dispose();
        if (Watch is not null) await Watch.DisposeAsync();
        await Http.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
        Key?.Dispose();
        string log = Path.Combine(TestLogs(), $"faults-{GetType().Name}.log");
        File.WriteAllText(log, Daemon?.Output ?? "");
        try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static string TestLogs()
    {
        string dir = Path.Combine(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..")), "artifacts", "test-logs");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Record(string cls, string fault, string outcome)
    {
        Results.Enqueue($"| {cls} | {fault} | {outcome} |");
        File.WriteAllLines(Path.Combine(TestLogs(), "faults.md"), ["| class | fault | result |", "|---|---|---|", .. Results]);
    }

    public long NextVersion() => Interlocked.Increment(ref _version);

    /// <summary>A signed manifest for <paramref name="model"/> served at /<paramref name="path"/> (or as given).</summary>
    public ModelManifest Release(byte[] model, string path, Func<ModelManifest, ModelManifest>? tweak = null, long? version = null, bool serve = true)
    {
        if (serve) Http.Serve(path, model);
        return Key.Manifest(model, version ?? NextVersion(), [Http.Url(path)], tweak);
    }

    public static byte[] Json(ModelManifest m) => Encoding.UTF8.GetBytes(ManifestSigner.ToJson(m));

    /// <summary>An anonymous peer on the broker (as any process on the network could be).</summary>
    public async Task<IMqttClient> PeerAsync(string? user = null, string? password = null, string? clientId = null)
    {
        var c = new MqttClientFactory().CreateMqttClient();
        var o = new MqttClientOptionsBuilder().WithTcpServer(BrokerHost, BrokerPort).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId ?? "attacker-" + Guid.NewGuid().ToString("N")[..6]).WithCredentials(user, password).Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await c.ConnectAsync(o, cts.Token);
        if (result.ResultCode != MqttClientConnectResultCode.Success) throw new InvalidOperationException("refused: " + result.ResultCode);
        return c;
    }

    public async Task PublishAsync(string topic, byte[] payload, bool retain = true, IMqttClient? via = null, Action<MqttApplicationMessageBuilder>? shape = null)
    {
        var c = via ?? await PeerAsync();
        try
        {
            var b = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            shape?.Invoke(b);
            await c.PublishAsync(b.Build());
        }
        finally
        {
            if (via is null) { await c.DisconnectAsync(); c.Dispose(); }
        }
    }

    /// <summary>Control case: a signed release through the fleet's own path is installed, passes its health window and serves.</summary>
    public async Task AssertReleaseInstalledAsync(string cls, string fault, byte[] model)
    {
        var m = Release(model, fault[..3]);
        await PublishDesiredAsync(m);
        await WaitStateAsync(s => s.TryGetProperty("active_version", out var v) && v.GetInt64() == m.Version && StateIs(s, "active")
            && s.GetProperty("health_passed").GetBoolean(), "installed");
        ExpectedSha = Sha(model);
        ExpectedVersion = m.Version;
        await AssertServingAsync(cls, fault, s => StateIs(s, "active"), "active");
    }

    /// <summary>
    /// A signed release published to desired by a peer logged in as <paramref name="user"/>, whom the broker must not let
    /// write there: the daemon never receives it and keeps serving (the publish itself may be refused or silently dropped).
    /// </summary>
    public async Task AssertReleaseFromPeerNotInstalledAsync(string cls, string fault, string user, string password, byte[] model)
    {
        var m = Release(model, fault[..3]);
        var peer = await PeerAsync(user, password);
        try
        {
            try { await PublishAsync(DesiredTopic, Json(m), via: peer); }
            catch (Exception) { /* refused with NotAuthorized: fine */ }
        }
        finally { peer.Dispose(); }
        await Task.Delay(1500);
        Assert.DoesNotContain($"received tiny v{m.Version}", Daemon.Output);
        await AssertServingAsync(cls, fault);
    }

    public async Task PublishDesiredAsync(ModelManifest m)
    {
        var fleet = await PeerAsync(FleetLogin.User, FleetLogin.Password);
        try { await PublishAsync(DesiredTopic, Json(m), via: fleet); }
        finally { await fleet.DisconnectAsync(); fleet.Dispose(); }
    }

    private static JsonElement Parse(MqttApplicationMessage m) => JsonDocument.Parse(Encoding.UTF8.GetString(m.Payload.ToArray())).RootElement.Clone();

    public JsonElement? LastTelemetry() =>
        Watch.All.LastOrDefault(m => m.Topic.EndsWith("/telemetry", StringComparison.Ordinal)) is { } m ? Parse(m) : null;

    public async Task<JsonElement> WaitTelemetryAsync(Func<JsonElement, bool> predicate, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? T);
        while (DateTime.UtcNow < deadline)
        {
            if (LastTelemetry() is { } t && predicate(t)) return t;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no telemetry '{what}'; last {LastTelemetry()}\n{Tail()}");
    }

    /// <summary>Waits for a state message (as the device published it, newest first) satisfying the predicate.</summary>
    public async Task<JsonElement> WaitStateAsync(Func<JsonElement, bool> predicate, string what, TimeSpan? timeout = null, int skip = 0)
    {
        var deadline = DateTime.UtcNow + (timeout ?? T);
        while (DateTime.UtcNow < deadline)
        {
            var states = Watch.All.Where(m => m.Topic == StateTopic && m.Payload.Length > 0).Skip(skip).Select(Parse).ToList();
            foreach (var s in states) if (predicate(s)) return s;
            await Task.Delay(50);
        }
        var last = Watch.All.LastOrDefault(m => m.Topic == StateTopic) is { } lm ? Encoding.UTF8.GetString(lm.Payload.ToArray()) : "(none)";
        throw new TimeoutException($"no state '{what}'; last {last}\n{Tail()}");
    }

    public int StateCount => Watch.All.Count(m => m.Topic == StateTopic);

    public string Tail() => string.Join('\n', Daemon.Output.Split('\n').TakeLast(25));

    /// <summary>The retained model state as a new subscriber sees it now, verified with the device's own key.</summary>
    public virtual async Task<JsonElement> RetainedStateAsync()
    {
        await using var sub = await ConnectRetainedAsync(StateTopic);
        var m = await sub.WaitForAsync(x => x.Topic == StateTopic, TimeSpan.FromSeconds(10), "retained state");
        string? sig = m.UserProperties?.FirstOrDefault(p => p.Name == "sig")?.ReadValueAsString();
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(StateDirectory, DeviceIdentity.PublicFile)));
        Assert.True(DeviceIdentity.Verify(key, StateTopic, m.Payload.ToArray(), sig), "the retained state is not signed by the device");
        return Parse(m);
    }

    protected virtual Task<MqttTestSubscriber> ConnectRetainedAsync(string topic) => MqttTestSubscriber.ConnectAsync(BrokerHost, BrokerPort, topic, WatchLogin.User, WatchLogin.Password);

    /// <summary>
    /// The suite's four promises after a fault: the process is alive, frames keep flowing (the frame counter advances within
    /// a few seconds), the expected (old) model serves them, and the retained state tells the truth.
    /// </summary>
    public async Task AssertServingAsync(string cls, string fault, Func<JsonElement, bool>? state = null, string? stateWhat = null, bool allowRestarts = false)
    {
        int starts = Daemon.Starts;
        // 1. alive
        Assert.True(Daemon.Alive || allowRestarts, $"daemon not running after {fault}\n{Tail()}");
        if (!allowRestarts) Assert.True(Daemon.Exits.Count == _exitsSeen, $"the daemon exited during {fault}: {string.Join(",", Daemon.Exits)}\n{Tail()}");
        // 2. frames flow, 3. with the expected model
        long f0 = (await WaitTelemetryAsync(_ => true, "any")).GetProperty("frames_processed").GetInt64();
        var t = await WaitTelemetryAsync(x => x.GetProperty("frames_processed").GetInt64() > f0 + 5
            && x.GetProperty("model").GetProperty("sha256").GetString() == ExpectedSha, $"frames advancing on {ExpectedSha[..12]}", TimeSpan.FromSeconds(allowRestarts ? 30 : 8));
        // 4. the retained state tells the truth (signed by the device; active model = the one serving)
        JsonElement s = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string why = "";
        while (DateTime.UtcNow < deadline)
        {
            s = await RetainedStateAsync();
            bool activeOk = s.GetProperty("active_sha256").GetString() == ExpectedSha
                && (ExpectedVersion is null ? !s.TryGetProperty("active_version", out _) : s.GetProperty("active_version").GetInt64() == ExpectedVersion);
            bool stateOk = state?.Invoke(s) ?? true;
            if (activeOk && stateOk) break;
            why = $"retained state {s} (want active {ExpectedSha[..12]} v{ExpectedVersion}, {stateWhat})";
            s = default;
            await Task.Delay(200);
        }
        Assert.True(s.ValueKind == JsonValueKind.Object, why + "\n" + Tail());
        if (!allowRestarts) Assert.Equal(starts, Daemon.Starts);
        _exitsSeen = Daemon.Exits.Count;
        Record(cls, fault, $"alive (starts {Daemon.Starts}), frames {f0}->{t.GetProperty("frames_processed").GetInt64()}, serving {ExpectedSha[..8]} v{ExpectedVersion?.ToString(CultureInfo.InvariantCulture) ?? "factory"}, state `{s.GetProperty("state").GetString()}`");
    }

    public static bool StateIs(JsonElement s, string prefix) => s.GetProperty("state").GetString()!.StartsWith(prefix, StringComparison.Ordinal);
}
