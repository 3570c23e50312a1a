using EdgeRuntime.Graph;
using EdgeRuntime.Onnx;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert export-onnx MODEL.tflite OUT.onnx`: the same quantized graph as ONNX (QDQ form) for ONNX Runtime.
/// The writer has no dependencies and is AOT-clean, so it lives in the edgert binary; only running ONNX Runtime
/// (src/EdgeRuntime.Onnx) needs the native ORT library.
/// Wire-up: CommandLine adds `"export-onnx" => ExportOnnxCommand.Run(rest),` and the usage line below.
/// </summary>
public static class ExportOnnxCommand
{
    public const string UsageLine = "  export-onnx MODEL OUT.onnx         the same quantized graph as ONNX (QDQ) for ONNX Runtime";

    public static int Run(string[] args) => Run(new CliArgs(args, new HashSet<string>()));

    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        string model = cli.Required(0, "MODEL");
        string output = cli.Required(1, "OUT.onnx");
        cli.RejectUnknown();

        ModelGraph graph = TfliteModelReader.Load(model);
        OnnxModel onnx = OnnxExporter.BuildModel(graph);
        byte[] bytes = onnx.ToBytes();
        File.WriteAllBytes(output, bytes);
        Console.Out.WriteLine($"wrote {output}: {bytes.Length:N0} bytes, {onnx.Graph.Nodes.Count} nodes, {onnx.Graph.Initializers.Count} initializers, opset {OnnxModel.DefaultOpset}");
        return 0;
    }
}
