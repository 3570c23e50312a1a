using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using static EdgeRuntime.Cli.Grammar;

namespace EdgeRuntime.Cli;

/// <summary>
/// The `edgert` grammar: one System.CommandLine tree for every verb. The device program has the verbs a board needs;
/// edgert-tools compiles this file too and adds the offline verbs through <see cref="AddToolVerbs"/>
/// (src/edgert-tools/Cli/CommandLine.Tools.cs), so the device binary links none of them.
/// Exit codes: 0 ok, 1 runtime failure (one line; details with --verbose or EDGERT_VERBOSE=1), 2 usage error.
/// </summary>
public static partial class CommandLine
{
    public const string ExitCodes = "exit codes: 0 ok, 1 runtime failure (one line; --verbose or EDGERT_VERBOSE=1 adds the detail), 2 usage error";

    /// <summary>The offline verbs, added by edgert-tools; the device program adds none.</summary>
    static partial void AddToolVerbs(List<Command> verbs);

    /// <summary>The verbs only edgert-tools has, named so the device binary can say where they went.</summary>
    private static readonly string[] OfflineVerbs = ["eval", "export-onnx", "quantize", "compare", "fleet", "ort-agreement", "fuzz-models"];

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Parses and runs one command line; usage and failures are written to <paramref name="error"/> as one line.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        RootCommand root = BuildRoot(output);
        ParseResult parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        bool verbose = parse.GetValue<bool>("--verbose") || FailureReport.VerboseFromEnvironment();
        string who = CommandPath(parse.CommandResult);

        if (parse.Action is HelpAction) return parse.Invoke(invocation) == 0 ? 0 : 0;
        if (parse.Errors.Count > 0)
        {
            string help = parse.CommandResult.Command is RootCommand ? "edgert --help" : $"{who} --help";
            // "fleet frobnicate" is two errors (no subcommand, unknown word): the word is the one worth naming.
            ParseError first = parse.Errors.OrderBy(e => e.Message.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0).First();
            error.WriteLine($"{who}: {FailureReport.OneLine(first.Message)} (see {help})");
            return 2;
        }
        try
        {
            if (parse.CommandResult.Command is not RootCommand) KernelVariant.CheckEnvironment();
            return parse.Invoke(invocation);
        }
        catch (Exception e)
        {
            return FailureReport.Write(e, who, verbose, error);
        }
    }

    /// <summary>"edgert fleet sign": the words that name the command, for the one-line messages.</summary>
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is CommandResult c && c.Command is not RootCommand; r = r.Parent) names.Insert(0, c.Command.Name);
        return string.Join(' ', ["edgert", .. names]);
    }

    /// <summary>The whole tree (tests inspect it: every command's --help must exit 0).</summary>
    internal static RootCommand BuildRoot(TextWriter output)
    {
        var root = new RootCommand("EdgeRuntime: int8 segmentation on the edge.\n" + ExitCodes);
        foreach (Option o in root.Options.Where(o => o is VersionOption).ToList()) root.Options.Remove(o);
        var version = Switch("--version", "version, git commit and the kernel variant this CPU runs");
        root.Add(version);
        root.Add(new Option<bool>("--verbose") { Description = "on failure, print the exception detail too", Recursive = true });
        root.SetAction(parse =>
        {
            if (parse.GetValue(version))
            {
                output.WriteLine(KernelVariant.VersionText());
                return 0;
            }
            output.WriteLine("edgert: a command is needed (edgert --help lists them)");
            return 2;
        });

        var verbs = new List<Command>(DeviceVerbs());
        AddToolVerbs(verbs);
        foreach (string offline in OfflineVerbs.Where(v => verbs.All(c => c.Name != v)))
            verbs.Add(OfflineStub(offline));
        foreach (Command c in verbs) root.Add(c);
        return root;
    }

    private static IEnumerable<Command> DeviceVerbs()
    {
        yield return Verb("inspect", "operators, tensors, quantization and the arena plan", InspectCommand.Run,
            InFile("MODEL", "a .tflite model"), Switch("--no-tensors", "leave out the tensor table"));
        yield return Verb("infer", "segment one image: a class-index PNG and an optional coloured overlay", InferCommand.Run,
            [InFile("MODEL", "a .tflite segmentation model"), InFile("IMAGE", "a JPEG or PNG image"),
             FileOption("--out", "the class-index PNG to write", required: true), FileOption("--overlay", "a coloured overlay PNG to write"),
             .. SegmenterOptions()]);
        yield return RunCommand.Create();
        var kernels = Verb("kernels", "bit-exactness of every kernel variant on this CPU against Reference", SelfTestCommand.RunKernels,
            Choice("--expect", "fail unless the dispatcher picks this variant", KernelVariant.Names),
            Int("--seed", "random seed (default 1234)", int.MinValue),
            Int("--cases", "random cases per kernel (default 100)", 1),
            new Option<string[]>("--model") { Description = "also compare a whole model, Reference vs active (repeatable)", HelpName = "PATH" },
            Text("--threads", "thread counts for the model check (default 1,2)", "N,N"));
        var thermal = Verb("thermal", "the CPU temperature path of this build (binding value conversion, then the sensor)", SelfTestCommand.RunThermal);
        var selftest = new Command("selftest", "self-tests of this build on this CPU") { kernels, thermal };
        yield return selftest;
        yield return Verb("bench", "latency, per-operator time and memory", BenchCommand.Run,
            InFile("MODEL", "a .tflite model"),
            Choice("--compare", "run ONNX Runtime on the same input (edgert-tools only)", "onnxruntime"),
            Int("--threads", "interpreter threads (default 1)", 1), Int("--warmup", "untimed runs (default 3)", 0),
            Int("--iterations", "timed runs (default 20)", 1), Int("--profile-invokes", "extra per-operator profiled runs (default 0)", 0),
            FileOption("--input", "IMAGE or RAW.bin input (default the shared demo photo)"), FileOption("--json", "write the report as JSON"),
            Switch("--quiet", "no progress lines"));
        yield return Verb("opmarkers", "frames with per-operator marker syscalls for the ARM cycle model (scripts/arm-model.sh)", OpMarkersCommand.Run,
            InFile("MODEL", "a .tflite model"), Int("--frames", "frames to run (default 3)", 1), Int("--threads", "threads (default 1)", 1),
            FileOption("--input", "IMAGE or RAW.bin (default a synthetic tensor)"), FileOption("--table", "write the operator table here"),
            FileOption("--times", "write measured per-operator times here"));
        yield return Verb("zone-coverage", "the zone-coverage step alone (8 zones, 513x513), for the ARM cycle model", ZoneCoverageCommand.Run,
            Int("--frames", "frames after the one that builds the masks (default 100)", 1, 10_000_000));
    }

    /// <summary>--mode, --kernels, --threads: every command that segments images.</summary>
    internal static Symbol[] SegmenterOptions() =>
    [
        Choice("--mode", "how the image fits the model input (default: the model's)", "pad", "resize", "letterbox"),
        Choice("--kernels", "kernel variant (default: the best this CPU runs)", KernelVariant.Names),
        Int("--threads", "interpreter threads (default 1)", 1),
    ];

    private static Command OfflineStub(string verb)
    {
        // Listed so a user sees where the verb went; whatever follows the verb is taken in, so the answer is this
        // line rather than a complaint about an option the device binary never declared.
        var command = new Command(verb, "offline tool: run it with edgert-tools") { TreatUnmatchedTokensAsErrors = false };
        command.Add(new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore, Description = "the edgert-tools arguments" });
        Func<ParseResult, int> refuse = _ =>
            throw new CliException($"'{verb}' is an offline tool: run it with edgert-tools (the device binary edgert has only the commands of edgert --help)");
        command.SetAction(refuse);
        return command;
    }
}
