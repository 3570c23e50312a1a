using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeRuntime.Daemon;
using EdgeRuntime.Hosting;
using EdgeRuntime.Ota;
using EdgeRuntime.OtaTestHost;
using EdgeRuntime.Telemetry;
using EdgeRuntime.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Tests.Ota;

/// <summary>A fleet signing key written to a temp folder.</summary>
public sealed class TestKey : IDisposable
{
    public TestKey(string dir, string id)
    {
        Id = id;
        var (priv, pub) = ManifestSigner.GenerateKeyPair();
        PrivatePath = Path.Combine(dir, id + ".key.pem");
        PublicPath = Path.Combine(dir, id + ".pub.pem");
        File.WriteAllText(PrivatePath, priv);
        File.WriteAllText(PublicPath, pub);
        Key = ManifestSigner.LoadPem(priv);
    }

    public string Id { get; }
    public string PrivatePath { get; }
    public string PublicPath { get; }
    public ECDsa Key { get; }

    public ModelManifest Manifest(byte[] model, long version, string[] urls, Func<ModelManifest, ModelManifest>? tweak = null, string name = "tiny")
    {
        var graph = EdgeRuntime.Tflite.TfliteModelReader.Read(model);
        var interpreter = EdgeRuntime.Runtime.Interpreter.Create(graph);
        var m = new ModelManifest
        {
            Name = name,
            Version = version,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(model)),
            Length = model.Length,
            Urls = urls,
            Input = new TensorExpectation { Shape = graph.Input(0).Shape, Type = ModelVerifier.TypeName(graph.Input(0).Type) },
            Output = new TensorExpectation { Shape = graph.Output(0).Shape, Type = ModelVerifier.TypeName(graph.Output(0).Type) },
            Golden = GoldenCheck.Record(interpreter, "xorshift:7", 0, includeMap: false),
            Expires = DateTimeOffset.UtcNow.AddHours(1),
            KeyId = Id,
        };
        if (tweak is not null) m = tweak(m);
        return ManifestSigner.Sign(m, Key, Id);
    }

    public void Dispose() => Key.Dispose();
}

/// <summary>Records every frame the frame loop segments (id and model sha).</summary>
internal sealed class FrameRecorder : IFrameObserver
{
    public ConcurrentQueue<(long FrameId, string Sha, bool Failed)> Frames { get; } = new();

    public void OnFrame(long frameId, ModelInfo model, double segmentMs, Exception? error) => Frames.Enqueue((frameId, model.Sha256, error is not null));

    /// <summary>Frame ids that are missing between the first and last recorded frame.</summary>
    public long Gaps()
    {
        long gaps = 0, last = -1;
        foreach (var (id, _, _) in Frames)
        {
            if (last >= 0 && id != last + 1) gaps += Math.Max(0, id - last - 1);
            last = id;
        }
        return gaps;
    }
}

/// <summary>One in-process daemon (DaemonHost with the interpreter segmenter, an endless synthetic source, OTA on).</summary>
internal sealed class TestDevice : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Task<int> _run;

    private TestDevice(IHost host, string device, string stateDir)
    {
        _host = host;
        Device = device;
        StateDirectory = stateDir;
        Switch = host.Services.GetRequiredService<SegmenterSwitch>();
        Agent = host.Services.GetRequiredService<OtaAgent>();
        Status = host.Services.GetRequiredService<DaemonStatus>();
        Switch.AddObserver(Recorder);
        _run = DaemonHost.RunHostAsync(host);
    }

    public string Device { get; }
    public string StateDirectory { get; }
    public SegmenterSwitch Switch { get; }
    public OtaAgent Agent { get; }
    public DaemonStatus Status { get; }
    public FrameRecorder Recorder { get; } = new();

    public static TestDevice Start(MosquittoFixture broker, string device, string stateDir, string factoryModel, TestKey[] trusted,
        string group = "", int healthFrames = 8, int frameDelayMs = 10, params string[] extra)
    {
        var args = new List<string>
        {
            "run", "--source", $"synthetic:{frameDelayMs}", "--device", device, "--model", factoryModel, "--telemetry-interval", "100",
            "--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture),
            "--Mqtt:ReconnectMinDelayMs=100", "--Mqtt:ReconnectMaxDelayMs=500",
            $"--Ota:StateDirectory={stateDir}", $"--Ota:HealthFrames={healthFrames}", "--Ota:HttpTimeoutSeconds=5", "--Ota:StallTimeoutSeconds=2",
            "--Ota:HealthTimeoutSeconds=30", "--Ota:ChunkTimeoutSeconds=10",
        };
        if (group.Length > 0) args.Add($"--Ota:Group={group}");
        foreach (var k in trusted) args.Add($"--Ota:TrustedKeys:{k.Id}={k.PublicPath}");
        args.AddRange(extra);
        var hooks = new DaemonHooks
        {
            CreateSegmenter = o => new InterpreterSegmenter(o.ModelPath),
            OpenSource = uri => new EndlessSyntheticSource(int.Parse(uri["synthetic:".Length..], CultureInfo.InvariantCulture)),
        };
        var builder = DaemonHost.CreateBuilder([.. args], hooks);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("EDGERT_TEST_LOG") == "1") builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        return new TestDevice(builder.Build(), device, stateDir);
    }

    /// <summary>Waits until the agent's last state satisfies <paramref name="predicate"/>.</summary>
    public async Task<ModelStateMessage> WaitStateAsync(Func<ModelStateMessage, bool> predicate, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Agent.LastState is { } s && predicate(s)) return s;
            if (_run.IsCompleted) throw new InvalidOperationException($"{Device}: daemon exited ({await _run}) while waiting for {what}");
            await Task.Delay(20);
        }
        throw new TimeoutException($"{Device}: no state '{what}' within {timeout.TotalSeconds:F0} s; last: {Describe(Agent.LastState)}");
    }

    public static string Describe(ModelStateMessage? s) => s is null ? "(none)" : JsonSerializer.Serialize(s, OtaJsonContext.Default.ModelStateMessage);

    public async Task WaitFramesAsync(int moreFrames, TimeSpan timeout)
    {
        long target = Status.FramesProcessed + moreFrames;
        var deadline = DateTime.UtcNow + timeout;
        while (Status.FramesProcessed < target && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(Status.FramesProcessed >= target, $"{Device}: frames stopped at {Status.FramesProcessed}");
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await _host.StopAsync(cts.Token); } catch (Exception) { }
        try { await _run.WaitAsync(TimeSpan.FromSeconds(15)); } catch (Exception) { }
        _host.Dispose();
    }
}

/// <summary>Publishes retained manifests like `edgert fleet publish`.</summary>
internal static class Publish
{
    public static async Task ManifestAsync(MosquittoFixture broker, string topic, ModelManifest? manifest)
    {
        await using var fleet = await EdgeRuntime.Cli.FleetMqtt.ConnectAsync($"{broker.Host}:{broker.Port}");
        await fleet.PublishRetainedAsync(topic, manifest is null ? [] : System.Text.Encoding.UTF8.GetBytes(ManifestSigner.ToJson(manifest)));
    }
}
