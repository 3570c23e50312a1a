using System.CommandLine;
using static EdgeRuntime.Cli.Grammar;

namespace EdgeRuntime.Cli;

/// <summary>The offline verbs of edgert-tools, added to the device program's grammar (Cli/CommandLine.cs).</summary>
public static partial class CommandLine
{
    static partial void AddToolVerbs(List<Command> verbs)
    {
        verbs.Add(Verb("eval", "mIoU on a VOC-layout folder", EvalCommand.Run,
            [InFile("MODEL", "a .tflite segmentation model"), Folder("DATASET", "VOC-layout folder (JPEGImages/, SegmentationClass/)"),
             FileOption("--list", "image ids, one a line"), FileOption("--json", "write the report as JSON"),
             Text("--compare", "pixel agreement with the class maps in this folder", "DIR"),
             Int("--limit", "first N images only", 1), Switch("--quiet", "no progress bar"), .. SegmenterOptions()]));
        verbs.Add(Verb("export-onnx", "the same quantized graph as ONNX (QDQ) for ONNX Runtime", ExportOnnxCommand.Run,
            InFile("MODEL", "a .tflite model"), OutFile("OUT.onnx", "the ONNX file to write")));
        verbs.Add(QuantizeCommand.Create());
        verbs.Add(CompareCommand.Create());
        verbs.Add(FleetCommand.Create());
        var ort = Verb("ort-agreement", "pixel agreement of edgert's class maps with ONNX Runtime's (exit 3 below --min)", OrtAgreementCommand.Run,
            InFile("MODEL", "a .tflite model"), Folder("DATASET", "VOC-layout folder"), Int("--limit", "N images spread over the set", 1),
            Int("--threads", "threads (default 1)", 1), Text("--min", "least agreement in percent (default 99.5)", "PERCENT"),
            FileOption("--json", "write the report as JSON"), Switch("--quiet", "no per-image lines"));
        verbs.Add(ort);
        var fuzz = Verb("fuzz-models", "the structure-aware model fuzzer (scripts/fuzz-models.sh)", FuzzModelsCommand.Run,
            Int("--cases", "cases to run (default 5000)", 1), Int("--seed", "seed (default 1)", int.MinValue),
            Int("--start", "first case (default 0)", 0), Switch("--trace", "print each case before it runs"));
        verbs.Add(fuzz);
    }
}
