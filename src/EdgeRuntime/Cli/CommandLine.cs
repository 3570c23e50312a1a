using EdgeRuntime.Graph;

namespace EdgeRuntime.Cli;

/// <summary>The `edgert` verbs. Each verb lives in its own file in this folder.</summary>
public static class CommandLine
{
    private const string Usage = """
        usage: edgert <command> [arguments]

          inspect MODEL                      operators, tensors, quantization and the arena plan
          infer MODEL IMAGE --out mask.png   segment one image [--overlay overlay.png] [--mode pad|resize|letterbox]
          eval MODEL DATASET                 mIoU on a VOC-layout folder [--list ids.txt] [--json out.json] [--limit N]
          run [--source URI] [--model PATH]  the edge daemon (camera -> masks -> MQTT), see deploy/raspberrypi
          export-onnx MODEL OUT.onnx         the same quantized graph as ONNX (QDQ) for ONNX Runtime
          quantize FLOAT OUT --calibration-dir DIR   post-training int8 quantization (quantize --help)
          compare --dataset VOC_DIR          float vs PTQ vs QAT table + figure (compare --help)
          fleet keygen|sign|publish|status|rollout   signed OTA model updates and staged rollouts (edgert fleet for help)
          selftest kernels                   bit-exactness of every kernel variant on this CPU
          bench MODEL                        latency, per-op time and memory [--compare onnxruntime] [--threads N]
                                             [--warmup N] [--iterations N] [--input IMAGE|RAW.bin] [--json out.json]
          opmarkers MODEL                    frames with per-operator marker syscalls for the ARM cycle model
                                             (scripts/arm-model.sh) [--frames N] [--threads N] [--table FILE] [--times FILE]
          zone-coverage [--frames N]         the zone-coverage step alone (8 zones, 513x513), for the ARM cycle model
        """;

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
                "eval" => EvalCommand.Run(rest),
                "run" => RunCommand.Run(rest),
                "export-onnx" => ExportOnnxCommand.Run(rest),
                "bench" => BenchCommand.Run(rest),
                "opmarkers" => OpMarkersCommand.Run(rest),
                "zone-coverage" => ZoneCoverageCommand.Run(rest),
                "ort-agreement" => OrtAgreementCommand.Run(rest),
                "selftest" => SelfTestCommand.Run(rest),
                "quantize" => QuantizeCommand.Run(rest),
                "compare" => CompareCommand.Run(rest),
                "fleet" => FleetCommand.Run(rest),
                "fuzz-models" => FuzzModelsCommand.Run(rest),
                _ => throw new CliException($"unknown command '{args[0]}'"),
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
