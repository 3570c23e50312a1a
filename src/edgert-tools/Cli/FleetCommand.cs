using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;
using static EdgeRuntime.Cli.Grammar;

namespace EdgeRuntime.Cli;

/// <summary>`edgert fleet ...`: keys, signed manifests, publishing, status and staged rollouts of OTA model updates.</summary>
public static class FleetCommand
{
    /// <summary>The declared grammar of every subcommand: types, ranges and required options are checked before any runs.</summary>
    public static Command Create()
    {
        const string Stages = "\"canary:devA,devB;wave1:group1\": stages in order, each a name and its devices or groups";
        return Group("fleet", "signed OTA model updates and staged rollouts (docs/mqtt.md, deploy/raspberrypi)",
            Verb("keygen", "a P-256 key pair: DIR/ID.key.pem (private, 0600), DIR/ID.pub.pem (public)", Guard(Keygen),
                Required(Text("--out", "the folder for the key pair", "DIR")), KeyId()),
            Verb("sign", "a signed manifest for MODEL", Guard(Sign),
                InFile("MODEL", "the .tflite model"), Required(FileOption("--key", "the private key (PEM)")),
                Required(Text("--name", "the model name devices match", "NAME")), Required(Long("--version", "a positive whole number, higher than the device's", 1)),
                Text("--url", "download URLs, comma-separated (http or https)", "URL[,URL]"),
                Text("--mqtt-chunks", "also served as MQTT chunks under this topic", "TOPIC"), KeyId(),
                Text("--golden", "the golden check recorded: xorshift:SEED|gradient|const:V|none (default xorshift:1)", "SPEC"),
                Double("--golden-min-agreement", "least pixel agreement the device must reach (default 0)", 0, 1, "F"),
                Double("--latency-budget-ms", "p95 segmentation time budget over the health window (default 0: none)", 0),
                Int("--health-frames", "frames in the health window (default 0: the device's Ota:HealthFrames)", 0),
                Time("--expires", "expiry time"), Double("--expires-in-hours", "expiry from now (default 720)", 0, double.MaxValue, "H"),
                Switch("--pin", "in a device manifest: ignore group manifests while this one is in place"), Switch("--no-shapes", "record no input/output shapes"),
                Required(FileOption("--out", "the manifest to write"))),
            Verb("enroll", "pin a device's public key: DIR/D.pub.pem (from --pub FILE, or what it published on --broker)", Guard(Enroll),
                [Required(Text("--device", "the device id", "D")), Required(Text("--devices", "the enrolled device keys folder", "DIR")),
                 FileOption("--pub", "the device's public key (PEM)"), Broker(required: false), Int("--wait-ms", "how long to wait for the identity (default 1500)", 0),
                 .. Connection()]),
            Verb("publish", "a manifest (retained) for a device or a group, optionally the model's MQTT chunks", Guard(Publish),
                [InFile("manifest.json", "the signed manifest"), Text("--device", "one device", "D"), Text("--group", "a group of devices", "G"),
                 Broker(required: true), FileOption("--model", "the model file, published as chunks on the manifest's MQTT topic"),
                 Int("--chunk-size", $"chunk bytes (default {MqttChunkDownloader.DefaultChunkSize})", 1), Switch("--clear", "clear the desired manifest instead"),
                 .. Connection()]),
            Verb("status", "the fleet's model states", Guard(Status),
                [Broker(required: true), Int("--wait-ms", "how long to collect states (default 1500)", 0),
                 Text("--devices", "enrolled device keys: only states they signed are verified", "DIR"), .. Connection()]),
            Verb("rollout", "a staged rollout: canary, then waves, halted on failures (exit 3 when halted)", Guard(Rollout),
                [InFile("manifest.json", "the signed manifest"), Required(Text("--stages", Stages, "SPEC")),
                 Double("--success", "fraction of a stage that must succeed (default 0.9)", 0, 1, "F"),
                 Int("--max-failures", "failed devices that halt the rollout (default 0)", 0), Broker(required: true),
                 Text("--devices", "enrolled device keys (required unless --allow-unsigned-states)", "DIR"),
                 Int("--stage-timeout-s", "seconds a stage may take (default 600)", 1), Int("--discovery-ms", "how long to find devices (default 1500)", 0),
                 Switch("--allow-unsigned-states", "count unsigned states (then anyone who can publish on the broker can fake success)"),
                 .. Connection()]));
    }

    private static Option<string> KeyId() => Text("--key-id", "the key id (default: fleet-YYYYMMDD, or from the key file name)", "ID");

    private static Option<string> Broker(bool required) =>
        new("--broker") { Description = "the MQTT broker", HelpName = "host:port", Required = required };

    /// <summary>Broker login/TLS (every command that connects) and the topic prefix.</summary>
    private static Symbol[] Connection() =>
    [
        Text("--username", "broker user (or --credentials)", "U"), Text("--password", "broker password", "P"),
        FileOption("--credentials", "broker-users.json: its fleet user logs in"), FileOption("--ca-file", "CA certificate (PEM): connect with TLS"),
        Text("--prefix", $"topic prefix (default {Telemetry.TopicLayout.DefaultPrefix})", "PREFIX"),
    ];

    /// <summary>Key, broker and crypto failures are runtime failures of one line (FailureReport maps IOException to exit 1).</summary>
    private static Func<CliArgs, int> Guard(Func<CliArgs, int> run) => cli =>
    {
        try
        {
            return run(cli);
        }
        catch (Exception e) when (e is CryptographicException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            throw new IOException(e.Message, e);
        }
    };

    private static Func<CliArgs, int> Guard(Func<CliArgs, Task<int>> run) => Guard(cli => run(cli).GetAwaiter().GetResult());

    private static int Keygen(CliArgs cli)
    {
        string dir = cli.Option("out")!;
        string id = cli.Option("key-id") ?? "fleet-" + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(dir);
        var (priv, pub) = ManifestSigner.GenerateKeyPair();
        string privPath = Path.Combine(dir, id + ".key.pem"), pubPath = Path.Combine(dir, id + ".pub.pem");
        if (File.Exists(privPath)) throw new CliException($"{privPath} exists; refusing to overwrite a key");
        // 0600 from the moment it exists (no chmod afterwards), refused in a folder others can write to.
        PrivateFile.WriteNew(privPath, System.Text.Encoding.UTF8.GetBytes(priv));
        File.WriteAllText(pubPath, pub);
        Console.Out.WriteLine($"key id     {id}");
        Console.Out.WriteLine($"private    {privPath} (keep offline)");
        Console.Out.WriteLine($"public     {pubPath} (devices: Ota:TrustedKeys:{id}=<path or PEM>, or Ota:TrustedKeysDirectory)");
        return 0;
    }

    private static int Sign(CliArgs cli)
    {
        string modelPath = cli.Required(0, "MODEL");
        string keyPath = cli.Option("key")!;
        string name = cli.Option("name")!;
        long version = cli.Long("version", 0);
        string[] urls = (cli.Option("url") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? chunks = cli.Option("mqtt-chunks");
        string keyId = cli.Option("key-id") ?? KeyIdFromPath(keyPath);
        string golden = cli.Option("golden") ?? "xorshift:1";
        double minAgreement = cli.Double("golden-min-agreement", 0);
        double budget = cli.Double("latency-budget-ms", 0);
        int healthFrames = cli.Int("health-frames", 0);
        string? expiresText = cli.Option("expires");
        double expiresInHours = cli.Double("expires-in-hours", 24 * 30);
        bool pin = cli.Flag("pin"), noShapes = cli.Flag("no-shapes");
        string output = cli.Option("out")!;
        if (urls.Length == 0 && chunks is null) throw new CliException("give --url and/or --mqtt-chunks");
        foreach (string u in urls)
            if (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new CliException($"--url '{u}' is not an http(s) URL");

        byte[] model = File.ReadAllBytes(modelPath);
        var graph = TfliteModelReader.Read(model);
        var interpreter = Interpreter.Create(graph);
        DateTimeOffset expires = expiresText is not null
            ? DateTimeOffset.Parse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : DateTimeOffset.UtcNow.AddHours(expiresInHours);
        var manifest = new ModelManifest
        {
            Name = name,
            Version = version,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(model)),
            Length = model.Length,
            Urls = urls,
            MqttChunks = chunks,
            Input = noShapes ? null : new TensorExpectation { Shape = graph.Input(0).Shape, Type = ModelVerifier.TypeName(graph.Input(0).Type) },
            Output = noShapes ? null : new TensorExpectation { Shape = graph.Output(0).Shape, Type = ModelVerifier.TypeName(graph.Output(0).Type) },
            Golden = golden == "none" ? null : GoldenCheck.Record(interpreter, golden, minAgreement, includeMap: false),
            LatencyBudgetMs = budget,
            HealthFrames = healthFrames,
            Expires = expires,
            Pin = pin,
            KeyId = keyId,
        };
        using var key = ManifestSigner.LoadPem(File.ReadAllText(keyPath));
        var signed = ManifestSigner.Sign(manifest, key, keyId);
        File.WriteAllText(output, ManifestSigner.ToJson(signed));
        Console.Out.WriteLine($"signed {name} v{version} ({manifest.Sha256[..12]}, {model.Length:N0} bytes, arena {interpreter.Layout.ArenaBytes:N0} bytes) with key {keyId} -> {output}");
        return 0;
    }

    private static async Task<int> Publish(CliArgs cli)
    {
        string manifestPath = cli.Required(0, "manifest.json");
        string? device = cli.Option("device"), group = cli.Option("group");
        string broker = cli.Option("broker")!;
        string? modelPath = cli.Option("model");
        int chunkSize = cli.Int("chunk-size", MqttChunkDownloader.DefaultChunkSize);
        bool clear = cli.Flag("clear");
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        var login = Login(cli);
        if ((device is null) == (group is null)) throw new CliException("give exactly one of --device D or --group G");
        byte[] json = clear ? [] : File.ReadAllBytes(manifestPath);
        var manifest = clear ? null : ManifestSigner.Parse(json);
        await using var fleet = await FleetMqtt.ConnectAsync(broker, prefix, default, null, login).ConfigureAwait(false);
        if (modelPath is not null && manifest?.MqttChunks is { } topic)
        {
            int n = 0;
            foreach (var chunk in MqttChunkDownloader.Chunks(topic, File.ReadAllBytes(modelPath), chunkSize))
            {
                await fleet.PublishAsync(chunk).ConfigureAwait(false);
                n++;
            }
            Console.Out.WriteLine($"published {n} chunks on {topic}/+");
        }
        string target = device is not null ? fleet.DeviceDesiredTopic(device) : fleet.GroupDesiredTopic(group!);
        await fleet.PublishRetainedAsync(target, json).ConfigureAwait(false);
        Console.Out.WriteLine(clear ? $"cleared {target}" : $"published {manifest!.Name} v{manifest.Version} on {target} (retained)");
        return 0;
    }

    private static async Task<int> Status(CliArgs cli)
    {
        string broker = cli.Option("broker")!;
        int waitMs = cli.Int("wait-ms", 1500);
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        string? devicesDir = cli.Option("devices");
        var login = Login(cli);
        await using var fleet = await FleetMqtt.ConnectAsync(broker, prefix, default, devicesDir is null ? null : DeviceKeyRing.Load(devicesDir), login).ConfigureAwait(false);
        await Task.Delay(waitMs).ConfigureAwait(false);
        Console.Out.Write(FleetMqtt.FormatTable(fleet.States.Values));
        Console.Out.WriteLine($"{fleet.States.Count} devices{(devicesDir is null ? " (UNVERIFIED: no --devices)" : "")}; {fleet.Unverified} state messages dropped unverified");
        return 0;
    }

    private static async Task<int> Rollout(CliArgs cli)
    {
        string manifestPath = cli.Required(0, "manifest.json");
        string stagesSpec = cli.Option("stages")!;
        double success = cli.Double("success", 0.9);
        int maxFailures = cli.Int("max-failures", 0);
        string broker = cli.Option("broker")!;
        int stageTimeout = cli.Int("stage-timeout-s", 600);
        int discovery = cli.Int("discovery-ms", 1500);
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        string? devicesDir = cli.Option("devices");
        bool allowUnsigned = cli.Flag("allow-unsigned-states");
        var login = Login(cli);
        if (devicesDir is null && !allowUnsigned)
            throw new CliException("rollout needs --devices DIR (enrolled device keys: edgert fleet enroll); --allow-unsigned-states believes anyone on the broker");
        byte[] json = File.ReadAllBytes(manifestPath);
        var manifest = ManifestSigner.Parse(json);
        var stages = FleetRollout.ParseStages(stagesSpec);
        await using var fleet = await FleetMqtt.ConnectAsync(broker, prefix, default, devicesDir is null ? null : DeviceKeyRing.Load(devicesDir), login).ConfigureAwait(false);
        var result = await FleetRollout.RunAsync(fleet, manifest, json, stages, success, maxFailures,
            TimeSpan.FromSeconds(stageTimeout), TimeSpan.FromMilliseconds(discovery), Console.Out).ConfigureAwait(false);
        Console.Out.Write(FleetMqtt.FormatTable(fleet.States.Values));
        Console.Out.WriteLine(result.Completed
            ? $"rollout of {manifest.Name} v{manifest.Version} complete in {result.Elapsed.TotalSeconds:F1} s"
            : $"rollout HALTED at stage {result.HaltedAt}: {result.HaltReason}");
        return result.Completed ? 0 : 3;
    }

    /// <summary>Broker login/TLS options shared by the commands that connect: --username/--password, --credentials FILE (the fleet user), --ca-file.</summary>
    private static Telemetry.MqttOptions? Login(CliArgs cli)
    {
        string? user = cli.Option("username"), password = cli.Option("password"), credentials = cli.Option("credentials"), ca = cli.Option("ca-file");
        if (credentials is not null)
        {
            var creds = System.Text.Json.JsonSerializer.Deserialize(PrivateFile.Read(credentials), Telemetry.BrokerJsonContext.Default.BrokerCredentials)
                ?? throw new CliException($"{credentials} is empty");
            var fleetUser = creds.Find(Telemetry.BrokerRoles.Fleet) ?? throw new CliException($"{credentials} has no fleet user");
            user = fleetUser.Username;
            password = fleetUser.Password;
        }
        if (user is null && ca is null) return null;
        return new Telemetry.MqttOptions { Username = user, Password = password, UseTls = ca is not null, CaFile = ca };
    }

    private static async Task<int> Enroll(CliArgs cli)
    {
        string device = cli.Option("device")!;
        string dir = cli.Option("devices")!;
        string? pubPath = cli.Option("pub"), broker = cli.Option("broker");
        int waitMs = cli.Int("wait-ms", 1500);
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        var login = Login(cli);
        if ((pubPath is null) == (broker is null)) throw new CliException("give exactly one of --pub FILE or --broker host:port");
        string pem;
        if (pubPath is not null)
        {
            pem = File.ReadAllText(pubPath);
        }
        else
        {
            // Trust on first use: the key the device published (retained) on <prefix>/<device>/identity, pinned from now on.
            await using var fleet = await FleetMqtt.ConnectAsync(broker!, prefix, default, null, login).ConfigureAwait(false);
            var deadline = DateTime.UtcNow.AddMilliseconds(waitMs);
            while (!fleet.Identities.ContainsKey(device) && DateTime.UtcNow < deadline) await Task.Delay(50).ConfigureAwait(false);
            if (!fleet.Identities.TryGetValue(device, out var published)) throw new CliException($"{device} published no identity on {prefix}/{device}/identity");
            pem = published;
        }
        string kid = DeviceKeyRing.Enroll(dir, device, pem);
        Console.Out.WriteLine($"enrolled {device} (key {kid}) in {Path.Combine(dir, device + ".pub.pem")}");
        return 0;
    }

    private static string KeyIdFromPath(string path)
    {
        string file = Path.GetFileName(path);
        foreach (string suffix in new[] { ".key.pem", ".pem" })
            if (file.EndsWith(suffix, StringComparison.Ordinal)) return file[..^suffix.Length];
        return file;
    }
}
