using EdgeRuntime.Graph;

namespace EdgeRuntime.Cli;

/// <summary>
/// The `edgert` verbs. Each verb lives in its own file in this folder. The device program has the verbs a board needs;
/// edgert-tools compiles this file too and adds the offline verbs through <see cref="RunToolVerb"/> and
/// <see cref="ToolsUsage"/> (src/edgert-tools/Cli/CommandLine.Tools.cs), so the device binary links none of them.
/// </summary>
public static partial class CommandLine
{
    private const string DeviceUsage = """
        usage: edgert <command> [arguments]

          inspect MODEL                      operators, tensors, quantization and the arena plan
          infer MODEL IMAGE --out mask.png   segment one image [--overlay overlay.png] [--mode pad|resize|letterbox]
          run [--source URI] [--model PATH]  the edge daemon (camera -> masks -> MQTT), see deploy/raspberrypi
          selftest kernels                   bit-exactness of every kernel variant on this CPU
          bench MODEL                        latency, per-op time and memory [--threads N]
                                             [--warmup N] [--iterations N] [--input IMAGE|RAW.bin] [--json out.json]
          opmarkers MODEL                    frames with per-operator marker syscalls for the ARM cycle model
                                             (scripts/arm-model.sh) [--frames N] [--threads N] [--table FILE] [--times FILE]
          zone-coverage [--frames N]         the zone-coverage step alone (8 zones, 513x513), for the ARM cycle model
        """;

    private static string Usage
    {
        get
        {
            string tools = "";
            ToolsUsage(ref tools);
            return tools.Length == 0 ? DeviceUsage : DeviceUsage + "\n\n" + tools;
        }
    }

    /// <summary>Runs an offline verb when this program has it (edgert-tools); leaves <paramref name="exit"/> null otherwise.</summary>
    static partial void RunToolVerb(string verb, string[] rest, ref int? exit);

    /// <summary>The usage lines of the offline verbs (edgert-tools); empty in the device program.</summary>
    static partial void ToolsUsage(ref string usage);

    /// <summary>The verbs only edgert-tools has, named so the device binary can say where they went.</summary>
    private static readonly string[] OfflineVerbs = ["eval", "export-onnx", "quantize", "compare", "fleet", "ort-agreement", "fuzz-models"];

    private static int RunVerb(string verb, string[] rest)
    {
        int? exit = null;
        RunToolVerb(verb, rest, ref exit);
        if (exit is int code) return code;
        throw new CliException(OfflineVerbs.Contains(verb)
            ? $"'{verb}' is an offline tool: run it with edgert-tools (the device binary edgert has only the commands below)"
            : $"unknown command '{verb}'");
    }

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            string[] rest = args[1..];
            return args[0] switch
            {
                "inspect" => InspectCommand.Run(rest),
                "infer" => InferCommand.Run(rest),
                "run" => RunCommand.Run(rest),
                "bench" => BenchCommand.Run(rest),
                "opmarkers" => OpMarkersCommand.Run(rest),
                "zone-coverage" => ZoneCoverageCommand.Run(rest),
                "selftest" => SelfTestCommand.Run(rest),
                _ => RunVerb(args[0], rest),
            };
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"edgert: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOperatorException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"edgert: {e.Message}");
            return 1;
        }
    }
}
