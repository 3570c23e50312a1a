using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tflite;
using static EdgeRuntime.Cli.Grammar;

namespace EdgeRuntime.Cli;

/// <summary>
/// `edgert quantize FLOAT.tflite OUT.tflite --calibration-dir DIR ...`: post-training full-integer int8 quantization.
/// Helper: `edgert quantize eval MODEL VOC_DIR [--limit N] [--offset N] [--compare MODEL2]` (mIoU with the golden
/// protocol, and pixel agreement with another model), used by scripts/ptq-eval.sh.
/// </summary>
public static class QuantizeCommand
{
    /// <summary>The declared grammar: types and ranges are checked before <see cref="Run(CliArgs)"/> runs.</summary>
    public static Command Create()
    {
        // Listed rather than hidden: System.CommandLine prints an empty --help for a hidden command.
        Command eval = Verb("eval", "helper of scripts/ptq-eval.sh: mIoU with the golden protocol on a VOC-layout folder", Eval,
            Folder("MODEL", "a .tflite model (only a label with --predictions)"), Folder("VOC_DIR", "VOC-layout folder"),
            FileOption("--list", "image ids, one a line (default VOC_DIR/val_first200.txt)"),
            Int("--limit", "at most N images", 1), Int("--offset", "skip the first N ids", 0), Int("--step", "every Nth id (default 1)", 1),
            FileOption("--compare", "pixel agreement with this model's class maps"), Choice("--fit", "preprocessing", "resize", "pad"),
            Text("--predictions", "read class maps from DIR/ID.png instead of running MODEL", "DIR"));
        return Verb("quantize", "post-training int8 quantization (docs/quantization.md)", Run,
            InFile("FLOAT.tflite", "the float32 model"), OutFile("OUT.tflite", "the int8 model to write"),
            Required(Text("--calibration-dir", "calibration images: folders or files, comma-separated", "DIR[,DIR...]")),
            Choice("--calibration", "range selection (default minmax)", "minmax", "ema", "percentile", "kl", "entropy"),
            Double("--percentile", "for percentile calibration (default 99.99)", 0, 100, "P"),
            Int("--max-images", "calibration images to use (default all)", 1),
            Choice("--fit", "preprocessing (default: pad for >=500px inputs, else resize)", "resize", "pad"),
            Switch("--per-tensor", "one weight scale per tensor instead of per channel"),
            Choice("--input-type", "model input type (uint8: raw pixels, scale 1/127.5 zero point 128; default float)", "float", "float32", "int8", "uint8"),
            Choice("--output-type", "model output type (default float)", "float", "float32", "int8"),
            Switch("--bias-correction", "empirical bias correction of conv biases"),
            IntList("--keep-float", "operator indices to keep in float32", 0),
            Switch("--no-fold-batchnorm", "keep MUL/ADD after convolutions as int8 operators"),
            Hidden(Switch("--fold-batchnorm", "fold batch norms (the default)")),
            Switch("--report", "per-layer SQNR table"), Int("--report-images", "images for --report (default 2)", 1),
            eval);
    }

    public static int Run(CliArgs a)
    {
        string modelPath = a.Required(0, "FLOAT.tflite");
        string outPath = a.Required(1, "OUT.tflite");
        string dirs = a.Option("calibration-dir")!;
        var options = new QuantizationOptions
        {
            Calibration = CalibrationMethods.Parse(a.Option("calibration") ?? "minmax"),
            Percentile = a.Double("percentile", 99.99),
            PerTensorWeights = a.Flag("per-tensor"),
            InputType = ParseIo(a.Option("input-type") ?? "float"),
            OutputType = ParseIo(a.Option("output-type") ?? "float"),
            BiasCorrection = a.Flag("bias-correction"),
            FoldBatchNorm = !a.Flag("no-fold-batchnorm") || a.Flag("fold-batchnorm"),
            KeepFloat = (a.Option("keep-float") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToHashSet(),
        };
        int maxImages = a.Int("max-images", int.MaxValue);
        string? fit = a.Option("fit");
        bool report = a.Flag("report");
        int reportImages = a.Int("report-images", 2);

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

    // The grammar admits only the listed words; these map them.
    private static IoType ParseIo(string s) => s switch
    {
        "int8" => IoType.Int8,
        "uint8" => IoType.UInt8,
        _ => IoType.Float,
    };

    private static FitMode ParseFit(string s) => s == "pad" ? FitMode.PadTopLeft : FitMode.Resize;

    /// <summary>mIoU of a model on a VOC-layout folder (JPEGImages/ID.jpg, SegmentationClass/ID.png), optionally agreement with another model.</summary>
    private static int Eval(CliArgs a)
    {
        string modelPath = a.Required(0, "MODEL");
        string voc = a.Required(1, "VOC_DIR");
        string list = a.Option("list") ?? Path.Combine(voc, "val_first200.txt");
        int limit = a.Int("limit", int.MaxValue);
        int offset = a.Int("offset", 0);
        int step = a.Int("step", 1);
        string? compare = a.Option("compare");
        string? fit = a.Option("fit");
        string? predictions = a.Option("predictions");

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
