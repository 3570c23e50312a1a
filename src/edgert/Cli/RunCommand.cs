using System.CommandLine;
using System.CommandLine.Parsing;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Hosting;
using EdgeRuntime.Segmentation;
using static EdgeRuntime.Cli.Grammar;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert run --model PATH --source URI [...]`: the edge daemon. The declared options are translated into the daemon's
/// configuration keys (DaemonHost reads appsettings.json, --config, EDGERT_* variables, then these); any other
/// configuration key may be given as --Section:Key=value. Every other word is a usage error.
/// </summary>
public static class RunCommand
{
    private static readonly (string Option, string Key, string Help)[] Texts =
    [
        ("--model", "Daemon:ModelPath", "the .tflite model (required unless Daemon:ModelPath is set in --config, appsettings.json or EDGERT_Daemon__ModelPath)"),
        ("--source", "Daemon:Source", "camera or file: v4l2:/dev/video0, rpicam:, file:clip.mjpg, folder:DIR, synthetic: (required unless configured)"),
        ("--model-version", "Daemon:ModelVersion", "version reported in telemetry (default: the model's SHA-256 prefix)"),
        ("--output", "Daemon:OutputDirectory", "write mask and overlay PNGs here"),
        ("--device", "Daemon:DeviceId", "device id in MQTT topics (default: the host name)"),
        ("--mqtt-host", "Mqtt:Host", "MQTT broker host (default: the embedded broker)"),
        ("--config", "Daemon:ConfigFile", "a JSON configuration file (also EDGERT_CONFIG)"),
        ("--zones", "Automation:ZonesFile", "a zones file: polygons, watched classes, occupancy rules (also EDGERT_ZONES; docs/mqtt.md#zones)"),
        ("--console-bind", "Console:Bind", "address of the local console (default 127.0.0.1; 0.0.0.0 = the LAN, then set Console:CertificatePath)"),
    ];

    private static readonly (string Option, string Key, string Help, int Min, int Max)[] Numbers =
    [
        ("--threads", "Daemon:Threads", "interpreter threads (default 1)", 1, 256),
        ("--mqtt-port", "Mqtt:Port", "MQTT broker port (default 1883)", 1, 65535),
        ("--telemetry-interval", "Daemon:TelemetryIntervalMs", "milliseconds between telemetry messages (default 1000)", 1, int.MaxValue),
        ("--status-interval", "Daemon:StatusIntervalSeconds", "seconds between status lines on the console (default 5; 0 = off)", 0, 86_400),
        ("--console-port", "Console:Port", "port of the local console (default 8780)", 1, 65535),
    ];

    public static Command Create()
    {
        var command = new Command("run", "the edge daemon: camera -> masks -> MQTT, with signed OTA model updates (deploy/raspberrypi)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var t in Texts)
            command.Add(t.Option == "--config" ? FileOption(t.Option, t.Help) : Text(t.Option, t.Help, t.Option == "--source" ? "URI" : t.Option == "--model" ? "PATH" : "VALUE"));
        foreach (var n in Numbers) command.Add(Int(n.Option, n.Help, n.Min, n.Max));
        command.Add(Choice("--publish-masks", "publish each mask PNG over MQTT (default false)", "true", "false"));
        command.Add(Switch("--no-status", "no periodic status line (same as --status-interval 0)"));
        command.Add(Switch("--console", "serve the local web console, /metrics, /healthz and /readyz (token in ~/.local/state/edgert/console-token)"));
        command.SetAction(Execute);
        return command;
    }

    /// <summary>Words the grammar does not know must be configuration overrides: --Section:Key=value or --Section:Key value.</summary>
    internal static List<string> ConfigurationOverrides(IReadOnlyList<string> unmatched)
    {
        var overrides = new List<string>();
        for (int i = 0; i < unmatched.Count; i++)
        {
            string w = unmatched[i];
            if (!w.StartsWith("--", StringComparison.Ordinal) || !w.Contains(':', StringComparison.Ordinal))
                throw new CliException($"unknown option or argument '{w}' (other configuration keys go as --Section:Key=value; see edgert run --help)");
            overrides.Add(w);
            if (!w.Contains('=', StringComparison.Ordinal))
            {
                if (i + 1 >= unmatched.Count) throw new CliException($"{w} needs a value (--Section:Key=value)");
                overrides.Add(unmatched[++i]);
            }
        }
        return overrides;
    }

    private static int Execute(ParseResult parse)
    {
        var config = new List<string>();
        foreach (var t in Texts)
        {
            string? v = parse.GetValue<string>(t.Option);
            if (v is null) continue;
            if (t.Option == "--config") { config.Add("--config"); config.Add(v); }
            else config.Add($"--{t.Key}={v}");
        }
        foreach (var n in Numbers)
            if (parse.GetResult(n.Option) is OptionResult { Implicit: false }) config.Add($"--{n.Key}={parse.GetValue<int>(n.Option)}");
        if (parse.GetValue<string>("--publish-masks") is string pm) config.Add($"--Daemon:PublishMasks={pm}");
        if (parse.GetValue<bool>("--no-status")) config.Add("--Daemon:StatusIntervalSeconds=0");
        if (parse.GetValue<bool>("--console")) config.Add("--Console:Enabled=true");
        List<string> overrides = ConfigurationOverrides(parse.UnmatchedTokens);
        config.AddRange(overrides);

        RequireConfigured(parse, overrides, "--model", "Daemon:ModelPath", "ModelPath");
        RequireConfigured(parse, overrides, "--source", "Daemon:Source", "Source");
        // The daemon retries a model that fails to load (a later OTA update may fix it), but a --model that is not
        // there at start is a typo: one line now rather than a retry loop.
        if (parse.GetValue<string>("--model") is string model && !File.Exists(model))
            throw Directory.Exists(model)
                ? new CliException($"--model '{model}' is a directory; give the .tflite file")
                : new FileNotFoundException($"model {model} not found", model);

        var outputs = new PngFrameOutputs();
        return DaemonHost.Run([.. config],
            options => DeepLabSegmenter.Load(options.ModelPath,
                new SegmenterOptions { Interpreter = new Runtime.InterpreterOptions { Threads = Math.Max(1, options.Threads) } }),
            uri => FrameSourceFactory.Create(uri),
            hooks =>
            {
                hooks.WriteOutputs = outputs.Write;
                hooks.EncodeMaskPng = outputs.EncodeMask;
            });
    }

    /// <summary>
    /// A setting the daemon cannot start without is a usage error here, unless it can come from configuration this
    /// command does not read (a --config file, EDGERT_CONFIG, appsettings.json beside the binary, EDGERT_Daemon__X).
    /// </summary>
    private static void RequireConfigured(ParseResult parse, List<string> overrides, string option, string key, string property)
    {
        if (!string.IsNullOrWhiteSpace(parse.GetValue<string>(option))) return;
        if (overrides.Any(w => w.StartsWith("--" + key, StringComparison.OrdinalIgnoreCase))) return;
        if (parse.GetValue<string>("--config") is not null) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("EDGERT_CONFIG"))) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable($"EDGERT_Daemon__{property}"))) return;
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))) return;
        throw new CliException($"{option} is required (or {key} in a --config file); see edgert run --help");
    }
}
