namespace EdgeRuntime.Cli;

/// <summary>The offline verbs of edgert-tools, added to the device program's command table (Cli/CommandLine.cs).</summary>
public static partial class CommandLine
{
    private const string OfflineUsage = """
        offline tools (edgert-tools only; the device binary edgert has none of them):
          eval MODEL DATASET                 mIoU on a VOC-layout folder [--list ids.txt] [--json out.json] [--limit N]
          export-onnx MODEL OUT.onnx         the same quantized graph as ONNX (QDQ) for ONNX Runtime
          quantize FLOAT OUT --calibration-dir DIR   post-training int8 quantization (quantize --help)
          compare --dataset VOC_DIR          float vs PTQ vs QAT table + figure (compare --help)
          fleet keygen|sign|publish|status|rollout   signed OTA model updates and staged rollouts (edgert-tools fleet for help)
          bench MODEL --compare onnxruntime  the same benchmark side by side with ONNX Runtime
        """;

    static partial void ToolsUsage(ref string usage) => usage = OfflineUsage;

    static partial void RunToolVerb(string verb, string[] rest, ref int? exit) => exit = verb switch
    {
        "eval" => EvalCommand.Run(rest),
        "export-onnx" => ExportOnnxCommand.Run(rest),
        "ort-agreement" => OrtAgreementCommand.Run(rest),
        "quantize" => QuantizeCommand.Run(rest),
        "compare" => CompareCommand.Run(rest),
        "fleet" => FleetCommand.Run(rest),
        "fuzz-models" => FuzzModelsCommand.Run(rest),
        _ => null,
    };
}
