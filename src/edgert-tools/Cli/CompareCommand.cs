using System.Globalization;
using System.Text.Json;
using EdgeRuntime.Compare;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert compare --dataset DIR ...`: the float vs PTQ vs QAT table (docs/quantization.md, README) and the
/// side-by-side figure. Library code: src/EdgeRuntime.Tools/Compare/.
/// </summary>
public static class CompareCommand
{
    internal const string Help = """
        usage: edgert compare --dataset VOC_DIR [options]
          --list ids.txt              image ids (default VOC_DIR/val_first200.txt when present, else every labelled image)
          --limit N                   first N ids only
          --models DIR                the shared models folder (default VOC_DIR/../../models)
          --calibration-dir P,P,...   PTQ calibration folders/files (default: the demo photos + coral_test_data
                                      bird, cityscapes and dog, as scripts/ptq-eval.sh; never evaluation images)
          --max-calibration-images N  (default all, i.e. 8 with the default photos)
          --percentile P              for the percentile PTQ model (default 99.99)
          --out DIR                   PTQ models, compare.md, compare.json, figure.png (default ./compare-out)
          --figure-ids ID,ID,...      images of the figure (default the first 3 ids; "none" = no figure)
          --tile-width PX             figure tile width (default 112)
          --only KEY,KEY,...          a subset of the models (keys: f257, f257-ptq-minmax, f257-ptq-percentile,
                                      hub-dr, hub-dr-ptq-minmax, hub-int8, coral-dm1, coral-dm05; references are added)
          --warmup N --iterations N   latency runs (default 3 and 10, one thread, on the first image)
        """;

    public static int Run(string[] args)
    {
        var a = new CliArgs(args, new HashSet<string> { "help" });
        if (a.Flag("help"))
        {
            Console.Out.WriteLine(Help);
            return 0;
        }
        string dataset = a.Option("dataset") ?? throw new CliException("compare: --dataset is required");
        string dataDir = Path.GetDirectoryName(Path.GetFullPath(dataset).TrimEnd('/'))!;
        string? list = a.Option("list");
        string defaultList = Path.Combine(dataset, "val_first200.txt");
        if (list is null && File.Exists(defaultList)) list = defaultList;
        int limit = a.Int("limit", int.MaxValue);
        string models = a.Option("models") ?? Path.Combine(Path.GetDirectoryName(dataDir)!, "models");
        string? calib = a.Option("calibration-dir");
        int maxCalib = a.Int("max-calibration-images", int.MaxValue);
        double percentile = double.Parse(a.Option("percentile") ?? "99.99", CultureInfo.InvariantCulture);
        string outDir = a.Option("out") ?? "compare-out";
        string? figureIds = a.Option("figure-ids");
        int tile = a.Int("tile-width", 112);
        string? only = a.Option("only");
        int warmup = a.Int("warmup", 3);
        int iterations = a.Int("iterations", 10);
        a.RejectUnknown();

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
