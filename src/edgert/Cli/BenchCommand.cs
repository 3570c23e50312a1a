using System.Text.Json;
using EdgeRuntime.Bench;

namespace EdgeRuntime.Cli;

/// <summary>
/// <c>edgert bench MODEL [--compare onnxruntime] [--threads N] [--warmup N] [--iterations N] [--input IMAGE|RAW.bin]
/// [--json out.json] [--profile-invokes N]</c>: end-to-end latency percentiles, a per-operator time table and memory of
/// edgert's interpreter, and with --compare the same for ONNX Runtime on the same input in the same process
/// (docs/benchmarks.md).
/// </summary>
public static class BenchCommand
{
    /// <summary>Default input, relative to the reference data folder (../shared or $EDGERT_SHARED).</summary>
    public const string DefaultInput = "data/voc2012_val/JPEGImages/2007_000033.jpg";

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(CliArgs cli) => Run(cli, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter log) => Run(new CliArgs(args, new HashSet<string> { "quiet" }), output, log);

    public static int Run(CliArgs cli, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(output);
        string model = cli.Required(0, "MODEL");
        string? compare = cli.Option("compare");
        int threads = cli.Int("threads", 1);
        int warmup = cli.Int("warmup", 3);
        int iterations = cli.Int("iterations", 20);
        int profileInvokes = cli.Int("profile-invokes", 0);
        string? input = cli.Option("input");
        string? json = cli.Option("json");
        bool quiet = cli.Flag("quiet");
        cli.RejectUnknown();
        if (cli.Positional.Count > 1) throw new CliException($"unexpected argument '{cli.Positional[1]}'");
        if (compare is not null && compare != "onnxruntime") throw new CliException($"--compare supports 'onnxruntime', not '{compare}'");
        if (compare is not null && !BenchRunner.SupportsOnnxRuntime)
            throw new CliException("--compare onnxruntime is in edgert-tools: the device binary has no ONNX Runtime");
        if (threads < 1) throw new CliException("--threads must be at least 1");
        if (warmup < 0) throw new CliException("--warmup must be 0 or more");
        if (iterations < 1) throw new CliException("--iterations must be at least 1");
        if (profileInvokes < 0) throw new CliException("--profile-invokes must be 0 or more");
        input ??= FindDefaultInput() ?? throw new CliException($"no --input given and ../shared/{DefaultInput} not found (set EDGERT_SHARED or pass --input)");

        var settings = new BenchSettings
        {
            ModelPath = model,
            InputPath = input,
            Warmup = warmup,
            Iterations = iterations,
            Threads = threads,
            CompareOnnxRuntime = compare is not null,
            ProfileInvokes = profileInvokes,
        };
        BenchReport report;
        try
        {
            report = BenchRunner.Run(settings, quiet ? null : log);
        }
        catch (Exception e) when (IsMissingOrt(e))
        {
            log.WriteLine($"edgert: ONNX Runtime could not be loaded ({FirstLine(e)}); libonnxruntime.so must sit beside edgert (it is published there)");
            return 1;
        }
        output.Write(BenchReportFormatter.Format(report));
        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport));
            output.WriteLine($"wrote {json}");
        }
        return 0;
    }

    internal static bool IsMissingOrt(Exception e) =>
        e is DllNotFoundException or EntryPointNotFoundException ||
        (e is TypeInitializationException && e.GetBaseException() is DllNotFoundException or EntryPointNotFoundException);

    internal static string FirstLine(Exception e) => e.GetBaseException().Message.Split('\n')[0].Trim();

    /// <summary>$EDGERT_SHARED/DefaultInput, else a "shared" folder beside the working directory or the binary, or above them.</summary>
    internal static string? FindDefaultInput()
    {
        string? env = Environment.GetEnvironmentVariable("EDGERT_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            string p = Path.Combine(env, DefaultInput);
            return File.Exists(p) ? p : null;
        }
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string p = Path.Combine(dir.FullName, "shared", DefaultInput);
                if (File.Exists(p)) return p;
            }
        }
        return null;
    }
}
