using System.CommandLine;
using System.Text.Json;
using EdgeRuntime.Compare;
using EdgeRuntime.Segmentation;
using static EdgeRuntime.Cli.Grammar;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert compare --dataset DIR ...`: the float vs PTQ vs QAT table (docs/quantization.md, README) and the
/// side-by-side figure. Library code: src/EdgeRuntime.Tools/Compare/.
/// </summary>
public static class CompareCommand
{
    /// <summary>The declared grammar: types and ranges are checked before <see cref="Run"/> runs.</summary>
    public static Command Create() => Verb("compare", "float vs PTQ vs QAT table and figure (docs/quantization.md)", Run,
        Required(Text("--dataset", "VOC-layout folder (JPEGImages/, SegmentationClass/)", "VOC_DIR")),
        FileOption("--list", "image ids (default VOC_DIR/val_first200.txt when present, else every labelled image)"),
        Int("--limit", "first N ids only", 1),
        Text("--models", "the shared models folder (default VOC_DIR/../../models)", "DIR"),
        Text("--calibration-dir", "PTQ calibration folders/files (default: the demo photos + coral_test_data bird, cityscapes and dog, " +
            "as scripts/ptq-eval.sh; never evaluation images)", "P,P,..."),
        Int("--max-calibration-images", "calibration images (default all, i.e. 8 with the default photos)", 1),
        Double("--percentile", "for the percentile PTQ model (default 99.99)", 0, 100, "P"),
        Text("--out", "PTQ models, compare.md, compare.json, figure.png (default ./compare-out)", "DIR"),
        Text("--figure-ids", "images of the figure (default the first 3 ids; \"none\" = no figure)", "ID,ID,..."),
        Int("--tile-width", "figure tile width in pixels (default 112)", 1),
        Text("--only", "a subset of the models (f257, f257-ptq-minmax, f257-ptq-percentile, hub-dr, hub-dr-ptq-minmax, hub-int8, " +
            "coral-dm1, coral-dm05; references are added)", "KEY,KEY,..."),
        Int("--warmup", "untimed latency runs on the first image (default 3)", 0),
        Int("--iterations", "timed latency runs, one thread (default 10)", 1));

    public static int Run(CliArgs a)
    {
        string dataset = a.Option("dataset")!;
        if (!Directory.Exists(dataset)) throw new DirectoryNotFoundException($"--dataset {dataset} is not a folder");
        string dataDir = Path.GetDirectoryName(Path.GetFullPath(dataset).TrimEnd('/'))!;
        string? list = a.Option("list");
        string defaultList = Path.Combine(dataset, "val_first200.txt");
        if (list is null && File.Exists(defaultList)) list = defaultList;
        int limit = a.Int("limit", int.MaxValue);
        string models = a.Option("models") ?? Path.Combine(Path.GetDirectoryName(dataDir)!, "models");
        string? calib = a.Option("calibration-dir");
        int maxCalib = a.Int("max-calibration-images", int.MaxValue);
        double percentile = a.Double("percentile", 99.99);
        string outDir = a.Option("out") ?? "compare-out";
        string? figureIds = a.Option("figure-ids");
        int tile = a.Int("tile-width", 112);
        string? only = a.Option("only");
        int warmup = a.Int("warmup", 3);
        int iterations = a.Int("iterations", 10);

        VocDataset data = VocDataset.Open(dataset, list, limit == int.MaxValue ? null : limit);
        IReadOnlyList<CompareModelSpec> specs = CompareModels.Default(models, percentile);
        if (only is not null)
        {
            var keys = Split(only).ToHashSet(StringComparer.Ordinal);
            foreach (string k in keys)
                if (specs.All(s => s.Key != k)) throw new CliException($"--only: unknown model '{k}'");
            foreach (CompareModelSpec s in specs.Where(s => keys.Contains(s.Key)).ToArray())
            {
                if (s.ReferenceKey is not null) keys.Add(s.ReferenceKey);
                if (s.QuantizeFrom is not null) keys.Add(s.QuantizeFrom);
            }
            specs = specs.Where(s => keys.Contains(s.Key)).ToArray();
        }
        string[] figure = figureIds is null ? data.Ids.Take(3).ToArray()
            : figureIds == "none" ? [] : Split(figureIds);
        var settings = new CompareSettings
        {
            Dataset = data,
            ListFile = list,
            Calibration = calib is null ? CompareModels.DefaultCalibration(dataDir) : Split(calib),
            MaxCalibrationImages = maxCalib,
            OutDir = outDir,
            Warmup = warmup,
            Iterations = iterations,
            FigureIds = figure,
            FigureTileWidth = tile,
        };
        CompareReport report = CompareRunner.Run(specs, settings, Console.Error, label => new ProgressBar(Console.Error, label));
        string md = CompareMarkdown.Format(report);
        Console.Out.Write(md);
        File.WriteAllText(Path.Combine(outDir, "compare.md"), md);
        File.WriteAllText(Path.Combine(outDir, "compare.json"), JsonSerializer.Serialize(report, CompareJsonContext.Default.CompareReport));
        Console.Error.WriteLine($"wrote {Path.Combine(outDir, "compare.md")}, compare.json{(report.Figure is null ? "" : ", figure.png")}");
        return 0;
    }

    private static string[] Split(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
