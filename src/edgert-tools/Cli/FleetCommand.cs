using System.Globalization;
using System.Security.Cryptography;
using EdgeRuntime.Ota;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Cli;

/// <summary>`edgert fleet ...`: keys, signed manifests, publishing, status and staged rollouts of OTA model updates.</summary>
public static class FleetCommand
{
    public const string Usage = """
        usage: edgert fleet <keygen|sign|enroll|publish|status|rollout> ...
          keygen --out DIR [--key-id ID]                 P-256 key pair: DIR/ID.key.pem (private), DIR/ID.pub.pem (public)
          sign MODEL --key PRIV --name N --version V --url URL[,URL] [--mqtt-chunks TOPIC] [--key-id ID]
               [--golden xorshift:SEED|gradient|const:V|none] [--golden-min-agreement F] [--latency-budget-ms X]
               [--health-frames N] [--expires ISO8601 | --expires-in-hours H] [--pin] [--no-shapes] --out manifest.json
          enroll --device D --devices DIR (--pub FILE | --broker host:port)   pin a device's public key (DIR/D.pub.pem)
          publish manifest.json (--device D | --group G) --broker host:port [--model FILE [--chunk-size N]] [--clear]
          status --broker host:port [--wait-ms N] [--devices DIR]
          rollout manifest.json --stages "canary:devA,devB;wave1:group1" [--success 0.9] [--max-failures 1]
                  --broker host:port --devices DIR [--stage-timeout-s 600] [--discovery-ms 1500]
          broker login (every command with --broker): [--username U --password P | --credentials broker-users.json]
                  [--ca-file CA.pem] (TLS); rollout counts only states signed by enrolled devices unless
                  --allow-unsigned-states (then anyone who can publish on the broker can fake success)
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0) throw new CliException("fleet needs a subcommand\n" + Usage);
        string[] rest = args[1..];
        try
        {
            return Dispatch(args[0], rest);
        }
        catch (Exception e) when (e is CryptographicException or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException
            or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"edgert fleet: {e.Message}");
            return 1;
        }
    }

    private static int Dispatch(string verb, string[] rest) =>
        verb switch
        {
            "keygen" => Keygen(rest),
            "enroll" => Enroll(rest).GetAwaiter().GetResult(),
            "sign" => Sign(rest),
            "publish" => Publish(rest).GetAwaiter().GetResult(),
            "status" => Status(rest).GetAwaiter().GetResult(),
            "rollout" => Rollout(rest).GetAwaiter().GetResult(),
            _ => throw new CliException($"unknown fleet subcommand '{verb}'\n" + Usage),
        };

    private static int Keygen(string[] args)
    {
        var cli = new CliArgs(args, new HashSet<string>());
        string dir = cli.Option("out") ?? throw new CliException("--out DIR is required");
        string id = cli.Option("key-id") ?? "fleet-" + DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        cli.RejectUnknown();
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

    private static int Sign(string[] args)
    {
        var cli = new CliArgs(args, new HashSet<string> { "pin", "no-shapes" });
        string modelPath = cli.Required(0, "MODEL");
        string keyPath = cli.Option("key") ?? throw new CliException("--key PRIV is required");
        string name = cli.Option("name") ?? throw new CliException("--name is required");
        string versionText = cli.Option("version") ?? throw new CliException("--version is required");
        if (!long.TryParse(versionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long version) || version <= 0)
            throw new CliException($"--version expects a positive whole number, got '{versionText}'");
        string[] urls = (cli.Option("url") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? chunks = cli.Option("mqtt-chunks");
        string keyId = cli.Option("key-id") ?? KeyIdFromPath(keyPath);
        string golden = cli.Option("golden") ?? "xorshift:1";
        double minAgreement = Double(cli.Option("golden-min-agreement"), 0);
        double budget = Double(cli.Option("latency-budget-ms"), 0);
        int healthFrames = cli.Int("health-frames", 0);
        string? expiresText = cli.Option("expires");
        double expiresInHours = Double(cli.Option("expires-in-hours"), 24 * 30);
        bool pin = cli.Flag("pin"), noShapes = cli.Flag("no-shapes");
        string output = cli.Option("out") ?? throw new CliException("--out manifest.json is required");
        cli.RejectUnknown();
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

    private static async Task<int> Publish(string[] args)
    {
        var cli = new CliArgs(args, new HashSet<string> { "clear" });
        string manifestPath = cli.Required(0, "manifest.json");
        string? device = cli.Option("device"), group = cli.Option("group");
        string broker = cli.Option("broker") ?? throw new CliException("--broker host:port is required");
        string? modelPath = cli.Option("model");
        int chunkSize = cli.Int("chunk-size", MqttChunkDownloader.DefaultChunkSize);
        bool clear = cli.Flag("clear");
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        var login = Login(cli);
        cli.RejectUnknown();
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

    private static async Task<int> Status(string[] args)
    {
        var cli = new CliArgs(args, new HashSet<string>());
        string broker = cli.Option("broker") ?? throw new CliException("--broker host:port is required");
        int waitMs = cli.Int("wait-ms", 1500);
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        string? devicesDir = cli.Option("devices");
        var login = Login(cli);
        cli.RejectUnknown();
        await using var fleet = await FleetMqtt.ConnectAsync(broker, prefix, default, devicesDir is null ? null : DeviceKeyRing.Load(devicesDir), login).ConfigureAwait(false);
        await Task.Delay(waitMs).ConfigureAwait(false);
        Console.Out.Write(FleetMqtt.FormatTable(fleet.States.Values));
        Console.Out.WriteLine($"{fleet.States.Count} devices{(devicesDir is null ? " (UNVERIFIED: no --devices)" : "")}; {fleet.Unverified} state messages dropped unverified");
        return 0;
    }

    private static async Task<int> Rollout(string[] args)
    {
        var cli = new CliArgs(args, new HashSet<string> { "allow-unsigned-states" });
        string manifestPath = cli.Required(0, "manifest.json");
        string stagesSpec = cli.Option("stages") ?? throw new CliException("--stages is required");
        double success = Double(cli.Option("success"), 0.9);
        int maxFailures = cli.Int("max-failures", 0);
        string broker = cli.Option("broker") ?? throw new CliException("--broker host:port is required");
        int stageTimeout = cli.Int("stage-timeout-s", 600);
        int discovery = cli.Int("discovery-ms", 1500);
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        string? devicesDir = cli.Option("devices");
        bool allowUnsigned = cli.Flag("allow-unsigned-states");
        var login = Login(cli);
        cli.RejectUnknown();
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

    private static async Task<int> Enroll(string[] args)
    {
        var cli = new CliArgs(args, new HashSet<string>());
        string device = cli.Option("device") ?? throw new CliException("--device D is required");
        string dir = cli.Option("devices") ?? throw new CliException("--devices DIR is required");
        string? pubPath = cli.Option("pub"), broker = cli.Option("broker");
        int waitMs = cli.Int("wait-ms", 1500);
        string prefix = cli.Option("prefix") ?? Telemetry.TopicLayout.DefaultPrefix;
        var login = Login(cli);
        cli.RejectUnknown();
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

    private static double Double(string? v, double fallback) =>
        v is null ? fallback
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
        : throw new CliException($"expected a number, got '{v}'");
}
