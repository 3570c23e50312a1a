using System.Diagnostics;
using System.Globalization;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert quantize FLOAT.tflite OUT.tflite --calibration-dir DIR ...`: post-training full-integer int8 quantization.
/// Hidden helper: `edgert quantize eval MODEL VOC_DIR [--limit N] [--offset N] [--compare MODEL2]` (mIoU with the golden
/// protocol, and pixel agreement with another model), used by scripts/ptq-eval.sh.
/// </summary>
public static class QuantizeCommand
{
    internal const string Help = """
        usage: edgert quantize FLOAT.tflite OUT.tflite --calibration-dir DIR[,DIR...] [options]
          --calibration minmax|ema|percentile|kl   range selection (default minmax)
          --percentile P          for percentile calibration (default 99.99)
          --max-images N          calibration images to use (default all)
          --fit resize|pad        preprocessing (default: pad for >=500px inputs, else resize)
          --per-tensor            one weight scale per tensor instead of per channel
          --input-type float|int8|uint8   (uint8: raw pixels, scale 1/127.5 zero point 128)
          --output-type float|int8
          --bias-correction       empirical bias correction of conv biases
          --keep-float I,J,...    operator indices to keep in float32
          --no-fold-batchnorm     keep MUL/ADD after convolutions as int8 operators
          --report [--report-images N]   per-layer SQNR table (default 2 images)
        """;

    private static readonly HashSet<string> Switches = ["per-tensor", "bias-correction", "report", "no-fold-batchnorm", "fold-batchnorm", "help"];

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "eval") return Eval(args[1..]);
        var a = new CliArgs(args, Switches);
        if (a.Flag("help"))
        {
            Console.Out.WriteLine(Help);
            return 0;
        }
        string modelPath = a.Required(0, "FLOAT.tflite");
        string outPath = a.Required(1, "OUT.tflite");
        string dirs = a.Option("calibration-dir") ?? throw new CliException("quantize: --calibration-dir is required");
        var options = new QuantizationOptions
        {
            Calibration = Parse(() => CalibrationMethods.Parse(a.Option("calibration") ?? "minmax")),
            Percentile = double.Parse(a.Option("percentile") ?? "99.99", CultureInfo.InvariantCulture),
            PerTensorWeights = a.Flag("per-tensor"),
            InputType = ParseIo(a.Option("input-type") ?? "float", allowUInt8: true),
            OutputType = ParseIo(a.Option("output-type") ?? "float", allowUInt8: false),
            BiasCorrection = a.Flag("bias-correction"),
            FoldBatchNorm = !a.Flag("no-fold-batchnorm") || a.Flag("fold-batchnorm"),
            KeepFloat = (a.Option("keep-float") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : throw new CliException($"--keep-float: '{s}' is not an operator index"))
                .ToHashSet(),
        };
        int maxImages = a.Int("max-images", int.MaxValue);
        string? fit = a.Option("fit");
        bool report = a.Flag("report");
        int reportImages = a.Int("report-images", 2);
        a.RejectUnknown();

        ModelGraph model = TfliteModelReader.Load(modelPath);
        TensorInfo input = model.Input();
        if (input.Type is not TensorType.Float32)
            throw new NotSupportedException($"{modelPath} is already quantized (input {input.Type}); quantize takes a float32 model (e.g. the float .tflite it was made from)");
        if (input.Rank != 4 || input.Shape[3] != 3) throw new CliException($"quantize: input {input} is not an [1,H,W,3] image");
        FitMode mode = fit is null ? SegmentationModel.Describe(model).DefaultFitMode : ParseFit(fit);
        var source = new ImageFolderSource(dirs.Split(','), input.Shape[2], input.Shape[1], mode, maxImages);
        Console.Error.WriteLine($"calibrating {Path.GetFileName(modelPath)} on {source.Count} image(s) from {dirs} ({mode}, {options.Calibration.Name()})");

        var sw = Stopwatch.StartNew();
        QuantizationResult r = PostTrainingQuantizer.Quantize(model, source, options, new ProgressBar(Console.Error, "calibrate"));
        foreach (string w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
        File.WriteAllBytes(outPath, r.Bytes);
        Console.Out.WriteLine($"wrote {outPath} ({r.Bytes.Length:N0} bytes, {r.QuantizedModel.Operators.Length} operators) in {sw.Elapsed.TotalSeconds:F1} s; " +
            $"folded {r.FoldedDequantize} dequantized weight(s), {r.FoldedBatchNorm} batch norm(s); {r.QuantizedActivations.Count} int8 activations");
        if (report)
        {
            int n = Math.Min(reportImages, source.Count);
            ErrorReport.Print(Console.Out, ErrorReport.Measure(r, source, n), n);
        }
        return 0;
    }

    private static T Parse<T>(Func<T> f)
    {
        try { return f(); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
    }

    private static IoType ParseIo(string s, bool allowUInt8) => s switch
    {
        "float" or "float32" => IoType.Float,
        "int8" => IoType.Int8,
        "uint8" when allowUInt8 => IoType.UInt8,
        _ => throw new CliException($"unknown type '{s}' (float, int8{(allowUInt8 ? ", uint8" : "")})"),
    };

    private static FitMode ParseFit(string s) => s switch
    {
        "resize" => FitMode.Resize,
        "pad" => FitMode.PadTopLeft,
        _ => throw new CliException($"--fit: '{s}' is not resize or pad"),
    };

    /// <summary>mIoU of a model on a VOC-layout folder (JPEGImages/ID.jpg, SegmentationClass/ID.png), optionally agreement with another model.</summary>
    private static int Eval(string[] args)
    {
        var a = new CliArgs(args, new HashSet<string>());
        string modelPath = a.Required(0, "MODEL");
        string voc = a.Required(1, "VOC_DIR");
        string list = a.Option("list") ?? Path.Combine(voc, "val_first200.txt");
        int limit = a.Int("limit", int.MaxValue);
        int offset = a.Int("offset", 0);
        int step = a.Int("step", 1);
        string? compare = a.Option("compare");
        string? fit = a.Option("fit");
        string? predictions = a.Option("predictions");
        a.RejectUnknown();

        // With --predictions DIR, MODEL is only a label: class maps are read from DIR/ID.png (e.g. the golden outputs).
        FitMode? mode = fit is null ? null : ParseFit(fit);
        using DeepLabSegmenter? runner = predictions is null ? new DeepLabSegmenter(TfliteModelReader.Load(modelPath), new SegmenterOptions { FitMode = mode }) : null;
        using DeepLabSegmenter? other = compare is null ? null : new DeepLabSegmenter(TfliteModelReader.Load(compare), new SegmenterOptions { FitMode = mode });
        string[] ids = File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0).Skip(offset).Where((_, i) => i % step == 0).Take(limit).ToArray();
        var cm = new ConfusionMatrix(21);
        var image = new RgbImage();
        long agree = 0, pixels = 0;
        var bar = new ProgressBar(Console.Error, "eval");
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < ids.Length; i++)
        {
            bar.Report((i, ids.Length, ids[i]));
            ImageDecoder.DecodeFile(Path.Combine(voc, "JPEGImages", ids[i] + ".jpg"), image);
            LabelImage gt = LabelImageReader.ReadFile(Path.Combine(voc, "SegmentationClass", ids[i] + ".png"));
            var map = new byte[image.Width * image.Height];
            if (runner is not null) runner.Segment(image, map);
            else LabelImageReader.ReadFile(Path.Combine(predictions!, ids[i] + ".png")).Labels.CopyTo(map);
            cm.Add(map, gt.Labels);
            if (other is not null)
            {
                var map2 = new byte[map.Length];
                other.Segment(image, map2);
                agree += PixelAgreement.CountEqual(map, map2);
                pixels += map.Length;
            }
        }
        bar.Report((ids.Length, ids.Length, ""));
        SegmentationMetrics m = cm.Compute();
        string agreement = other is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; pixel agreement with {Path.GetFileName(compare)} {100.0 * agree / Math.Max(1, pixels):F2}%");
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(modelPath)}: mIoU {m.MeanIoU * 100:F2} pixel-acc {m.PixelAccuracy * 100:F2} on {ids.Length} images ({runner?.FitMode.ToString() ?? "precomputed"}, {sw.Elapsed.TotalSeconds:F0} s){agreement}"));
        return 0;
    }
}
