using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeRuntime.Bench;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Compare;

/// <summary>What <see cref="CompareRunner.Run"/> does.</summary>
internal sealed record CompareSettings
{
    public required VocDataset Dataset { get; init; }
    public string? ListFile { get; init; }
    /// <summary>Calibration folders and/or files (never the evaluation images).</summary>
    public required IReadOnlyList<string> Calibration { get; init; }
    public int MaxCalibrationImages { get; init; } = int.MaxValue;
    public required string OutDir { get; init; }
    public int Warmup { get; init; } = 3;
    public int Iterations { get; init; } = 10;
    public int Threads { get; init; } = 1;
    /// <summary>Image timed for latency (default: the dataset's first).</summary>
    public string? LatencyImageId { get; init; }
    /// <summary>Images of the side-by-side figure; empty = no figure.</summary>
    public IReadOnlyList<string> FigureIds { get; init; } = [];
    public int FigureTileWidth { get; init; } = 112;
}

/// <summary>
/// Float vs PTQ vs QAT: builds the PTQ models, then per model file size, arena, x64 latency, a Pi estimate from the
/// MAC count, mIoU on the dataset and pixel agreement with the float reference of its family; optionally the figure.
/// </summary>
internal static class CompareRunner
{
    /// <summary>docs/performance.md: int8 GEMM estimates per core (advsimd-dot on Cortex-A76, advsimd on Cortex-A72).</summary>
    public const double Pi5GmacLow = 55, Pi5GmacHigh = 70, Pi4GmacLow = 10, Pi4GmacHigh = 13;

    public const string EstimateMethod =
        "estimate, not measured: conv/depthwise MACs / the int8 GEMM rates per core of docs/performance.md " +
        "(Pi 5 Cortex-A76 advsimd-dot 55-70 GMAC/s, Pi 4 Cortex-A72 advsimd 10-13 GMAC/s), one core; a lower bound " +
        "in practice (depthwise runs far below the GEMM rate, and preprocessing/class map are not counted). " +
        "Float and dynamic-range models: n/a (no float rate is stated there).";

    public static CompareReport Run(IReadOnlyList<CompareModelSpec> specs, CompareSettings settings, TextWriter? log = null,
        Func<string, IProgress<(int Done, int Total, string Item)>?>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Dataset.Ids.Count == 0) throw new InvalidDataException("the dataset has no images");
        Directory.CreateDirectory(settings.OutDir);
        var byKey = specs.ToDictionary(s => s.Key, StringComparer.Ordinal);
        foreach (CompareModelSpec s in specs)
        {
            if ((s.Path is null) == (s.QuantizeFrom is null)) throw new ArgumentException($"{s.Key}: give exactly one of Path and QuantizeFrom");
            if (s.QuantizeFrom is not null && !byKey.ContainsKey(s.QuantizeFrom)) throw new ArgumentException($"{s.Key}: unknown QuantizeFrom {s.QuantizeFrom}");
            if (s.ReferenceKey is not null && (!byKey.TryGetValue(s.ReferenceKey, out var rs) || rs.ReferenceKey is not null))
                throw new ArgumentException($"{s.Key}: reference {s.ReferenceKey} must be a listed model without a reference of its own");
        }

        // ---- 1. PTQ models (written to OUT/<key>.tflite)
        IReadOnlyList<string> calibration = CalibrationFiles.Expand(settings.Calibration, settings.MaxCalibrationImages);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var quantizeSeconds = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (CompareModelSpec s in specs.Where(s => s.Path is not null)) paths[s.Key] = s.Path!;
        foreach (CompareModelSpec s in specs.Where(s => s.QuantizeFrom is not null))
        {
            ModelGraph source = TfliteModelReader.Load(paths[s.QuantizeFrom!]);
            TensorInfo input = source.Input();
            var cal = new CalibrationFiles(calibration, input.Shape[2], input.Shape[1], SegmentationModel.Describe(source).DefaultFitMode);
            log?.WriteLine($"quantizing {s.Label} on {cal.Count} calibration image(s)");
            var sw = Stopwatch.StartNew();
            QuantizationResult q = PostTrainingQuantizer.Quantize(source, cal, s.Quantization ?? new QuantizationOptions(), progress?.Invoke($"calibrate {s.Key}"));
            foreach (string w in q.Warnings) log?.WriteLine($"  warning: {w}");
            string path = Path.Combine(settings.OutDir, s.Key + ".tflite");
            File.WriteAllBytes(path, q.Bytes);
            paths[s.Key] = path;
            quantizeSeconds[s.Key] = sw.Elapsed.TotalSeconds;
        }

        // ---- 2. Evaluate: references first (their maps are kept), then the rest.
        var referenceKeys = specs.Where(s => s.ReferenceKey is not null).Select(s => s.ReferenceKey!).ToHashSet(StringComparer.Ordinal);
        var referenceMaps = new Dictionary<string, Dictionary<string, byte[]>>(StringComparer.Ordinal);
        var figureIds = settings.FigureIds.ToHashSet(StringComparer.Ordinal);
        var figureMaps = new Dictionary<string, Dictionary<string, byte[]>>(StringComparer.Ordinal);
        var rows = new Dictionary<string, CompareRow>(StringComparer.Ordinal);
        string latencyId = settings.LatencyImageId ?? settings.Dataset.Ids[0];
        var latencyImage = new RgbImage();
        ImageDecoder.DecodeFile(settings.Dataset.ImagePath(latencyId), latencyImage);

        // Figure images outside the evaluation list are segmented separately.
        var extraFigureIds = settings.FigureIds.Where(id => !settings.Dataset.Ids.Contains(id)).ToArray();

        foreach (CompareModelSpec s in specs.OrderBy(s => s.ReferenceKey is null ? 0 : 1))
        {
            string path = paths[s.Key];
            log?.WriteLine($"evaluating {s.Label} ({Path.GetFileName(path)}) on {settings.Dataset.Ids.Count} image(s)");
            var options = new SegmenterOptions { Interpreter = new InterpreterOptions { Threads = settings.Threads } };
            using DeepLabSegmenter seg = DeepLabSegmenter.Load(path, options);
            bool keep = referenceKeys.Contains(s.Key);
            var mine = keep ? referenceMaps[s.Key] = new(StringComparer.Ordinal) : null;
            var figure = figureMaps[s.Key] = new(StringComparer.Ordinal);
            Dictionary<string, byte[]>? reference = s.ReferenceKey is null ? null : referenceMaps[s.ReferenceKey];
            long agree = 0, compared = 0;
            IProgress<(int, int, string)>? bar = progress?.Invoke($"eval {s.Key}");
            EvaluationResult result = Evaluator.Run(seg, settings.Dataset, null,
                bar is null ? null : (done, total) => bar.Report((done, total, "")),
                (id, map, w, h) =>
                {
                    if (mine is not null) mine[id] = map.ToArray();
                    if (figureIds.Contains(id)) figure[id] = map.ToArray();
                    if (reference is not null)
                    {
                        agree += PixelAgreement.CountEqual(map, reference[id]);
                        compared += map.Length;
                    }
                });
            var image = new RgbImage();
            foreach (string id in extraFigureIds)
            {
                ImageDecoder.DecodeFile(settings.Dataset.ImagePath(id), image);
                var map = new byte[image.Width * image.Height];
                seg.Segment(image, map);
                figure[id] = map;
            }

            // ---- latency: the same segmenter (already warm), one image, preprocessing + inference + class map
            var classMap = new byte[latencyImage.Width * latencyImage.Height];
            for (int i = 0; i < settings.Warmup; i++) seg.Segment(latencyImage, classMap);
            var samples = new double[Math.Max(1, settings.Iterations)];
            for (int i = 0; i < samples.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                seg.Segment(latencyImage, classMap);
                samples[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            LatencyStats latency = LatencyStats.From(samples);

            ModelGraph graph = seg.Model.Graph;
            var (macs, integerMacs) = MacCounter.Count(graph);
            double intFraction = macs == 0 ? 0 : (double)integerMacs / macs;
            bool estimate = intFraction >= 0.95;
            TensorInfo input = graph.Input();
            rows[s.Key] = new CompareRow
            {
                Key = s.Key,
                Label = s.Label,
                Kind = s.Kind,
                File = path,
                FileBytes = new FileInfo(path).Length,
                ArenaBytes = seg.Interpreter.Layout.ArenaBytes,
                PackedWeightBytes = seg.Interpreter.PackedWeightBytes,
                Kernels = seg.Interpreter.Isa.ToString().ToLowerInvariant(),
                Input = $"{input.Type} {input.Shape[1]}x{input.Shape[2]} ({seg.FitMode})",
                LatencyP50Ms = latency.P50Ms,
                LatencyMinMs = latency.MinMs,
                Macs = macs,
                IntegerMacFraction = intFraction,
                Pi5EstMsLow = estimate ? macs / (Pi5GmacHigh * 1e6) : null,
                Pi5EstMsHigh = estimate ? macs / (Pi5GmacLow * 1e6) : null,
                Pi4EstMsLow = estimate ? macs / (Pi4GmacHigh * 1e6) : null,
                Pi4EstMsHigh = estimate ? macs / (Pi4GmacLow * 1e6) : null,
                MeanIoU = result.Metrics.MeanIoU,
                PixelAccuracy = result.Metrics.PixelAccuracy,
                Reference = s.ReferenceKey is null ? null : byKey[s.ReferenceKey].Label,
                Agreement = s.ReferenceKey is null || compared == 0 ? null : (double)agree / compared,
                Images = result.Images,
                SecondsPerImage = result.SecondsPerImage,
                QuantizeSeconds = quantizeSeconds.TryGetValue(s.Key, out double qs) ? qs : null,
            };
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  mIoU {result.Metrics.MeanIoU * 100:F2}, p50 {latency.P50Ms:F1} ms, {macs / 1e9:F2} GMAC"));
        }

        // ---- 3. Figure
        string? figurePath = null;
        string[] columns = ["IMAGE", "GROUND TRUTH", .. specs.Select(s => s.Short)];
        if (settings.FigureIds.Count > 0)
        {
            figurePath = Path.Combine(settings.OutDir, "figure.png");
            var figureRows = settings.FigureIds.Select(id => new FigureRow(settings.Dataset.ImagePath(id), settings.Dataset.LabelPath(id),
                specs.Select(s => figureMaps[s.Key][id]).ToArray())).ToArray();
            byte[] png = ComparisonFigure.Render(figureRows, columns, settings.FigureTileWidth, out _, out _);
            File.WriteAllBytes(figurePath, png);
        }

        string[] calibrationNames = calibration.Select(f => Path.GetFileName(f)!).ToArray();
        return new CompareReport
        {
            Dataset = settings.Dataset.Root,
            List = settings.ListFile,
            Images = settings.Dataset.Ids.Count,
            CalibrationImages = calibration,
            CalibrationNote = $"{calibration.Count} photos NOT from the evaluation set ({string.Join(", ", calibrationNames)}), as scripts/ptq-eval.sh does",
            LatencyImage = latencyId,
            Warmup = settings.Warmup,
            Iterations = samplesCount(settings),
            Threads = settings.Threads,
            Machine = $"{RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}",
            EstimateMethod = EstimateMethod,
            Rows = specs.Select(s => rows[s.Key]).ToArray(),
            Figure = figurePath,
            FigureIds = settings.FigureIds,
            FigureColumns = columns,
        };

        static int samplesCount(CompareSettings s) => Math.Max(1, s.Iterations);
    }
}
