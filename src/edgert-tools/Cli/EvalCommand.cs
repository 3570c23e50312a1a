using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert eval MODEL DATASET [--list ids.txt] [--json out.json] [--limit N] [--compare DIR]`: per-class IoU,
/// mIoU and pixel accuracy from one confusion matrix over the dataset; with --compare, pixel agreement with
/// reference class maps (e.g. TensorFlow Lite's own in ../shared/golden/tflite/MODEL/).
/// </summary>
public static class EvalCommand
{
    public static int Run(string[] args) => Run(new CliArgs(args, new HashSet<string> { "quiet" }));

    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        string modelPath = cli.Required(0, "MODEL");
        string datasetPath = cli.Required(1, "DATASET");
        string? list = cli.Option("list");
        string? jsonPath = cli.Option("json");
        string? compare = cli.Option("compare");
        int limit = cli.Int("limit", int.MaxValue);
        if (limit < 1) throw new CliException($"--limit must be at least 1, got {limit}");
        bool quiet = cli.Flag("quiet");
        var options = SegmenterArgs.Parse(cli);
        cli.RejectUnknown();

        var dataset = VocDataset.Open(datasetPath, list, limit == int.MaxValue ? null : limit);
        using var segmenter = DeepLabSegmenter.Load(modelPath, options);
        var progress = new ProgressBar(Console.Error, "eval", quiet);
        EvaluationResult result = Evaluator.Run(segmenter, dataset, compare, progress.Report);

        var w = Console.Out;
        w.WriteLine($"model    {modelPath}");
        w.WriteLine($"dataset  {datasetPath} ({result.Images} images, {segmenter.FitMode}, kernels {segmenter.Interpreter.Isa})");
        w.WriteLine();
        w.WriteLine($"{"class",-14} {"IoU %",7}");
        for (int c = 0; c < result.Metrics.PerClassIoU.Count; c++)
            w.WriteLine($"{ClassName(c),-14} {100 * result.Metrics.PerClassIoU[c],7:F2}");
        w.WriteLine();
        w.WriteLine($"mIoU           {100 * result.Metrics.MeanIoU:F2}");
        w.WriteLine($"pixel accuracy {100 * result.Metrics.PixelAccuracy:F2}");
        if (compare is not null) w.WriteLine($"agreement with {compare}: {100 * result.Agreement:F3}% of pixels");
        w.WriteLine($"time           {result.SecondsPerImage * 1000:F0} ms/image (inference {result.InferenceMsMean:F0} ms)");

        if (jsonPath is not null)
        {
            var report = new EvalReport(modelPath, segmenter.ModelSha256, datasetPath, result.Images, segmenter.Interpreter.Isa.ToString(),
                NullIfNaN(result.Metrics.MeanIoU), NullIfNaN(result.Metrics.PixelAccuracy),
                Enumerable.Range(0, result.Metrics.PerClassIoU.Count).ToDictionary(ClassName, c => NullIfNaN(result.Metrics.PerClassIoU[c])),
                compare is null ? null : result.Agreement, result.SecondsPerImage * 1000, result.InferenceMsMean);
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, CliJsonContext.Default.EvalReport));
        }
        return 0;
    }

    /// <summary>A class absent from both prediction and labels of a subset has no IoU: JSON says null (NaN is not JSON).</summary>
    internal static double? NullIfNaN(double v) => double.IsFinite(v) ? v : null;

    private static string ClassName(int c) => c < VocDataset.ClassNames.Length ? VocDataset.ClassNames[c] : $"class {c}";
}

public sealed record EvalReport(
    string Model, string ModelSha256, string Dataset, int Images, string Kernels,
    double? MeanIoU, double? PixelAccuracy, Dictionary<string, double?> PerClassIoU,
    double? Agreement, double MsPerImage, double InferenceMsMean);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EvalReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
