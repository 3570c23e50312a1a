using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;

namespace EdgeRuntime.Compare;

/// <summary>
/// One model of the comparison: either a file (<see cref="Path"/>) or a PTQ int8 model built by the comparison from
/// another entry (<see cref="QuantizeFrom"/> + <see cref="Quantization"/>). <see cref="ReferenceKey"/> names the
/// model of the same family whose class maps the pixel agreement is measured against.
/// </summary>
public sealed record CompareModelSpec
{
    public required string Key { get; init; }
    public required string Label { get; init; }
    /// <summary>Upper-case, at most 14 characters: the figure's header (3x5 bitmap font).</summary>
    public required string Short { get; init; }
    public required string Kind { get; init; }
    public string? Path { get; init; }
    public string? QuantizeFrom { get; init; }
    public QuantizationOptions? Quantization { get; init; }
    public string? ReferenceKey { get; init; }
}

/// <summary>The models of the float vs PTQ vs QAT table.</summary>
public static class CompareModels
{
    public const string Float257 = "f257";
    public const string HubDynamic = "hub-dr";

    /// <summary>
    /// float 257; its PTQ minmax / percentile; TF Hub dynamic-range 513; its PTQ minmax; TF Hub int8; Coral QAT dm1.0
    /// and dm0.5. PTQ-of-257 is compared with float 257; PTQ-of-Hub, Hub int8 and both Coral models with the Hub
    /// dynamic-range model (float compute with int8 weights: the closest thing to a float reference of that family;
    /// Coral is a different training run, so its agreement also measures training differences, not only quantization).
    /// </summary>
    public static IReadOnlyList<CompareModelSpec> Default(string modelsDir, double percentile = 99.99) =>
    [
        new() { Key = Float257, Label = "float 257 (deeplabv3_257_mv_gpu)", Short = "FLOAT 257", Kind = "float32",
            Path = System.IO.Path.Combine(modelsDir, "tflite_float", "deeplabv3_257_mv_gpu.tflite") },
        new() { Key = "f257-ptq-minmax", Label = "float 257, PTQ int8 minmax", Short = "257 PTQ MINMAX", Kind = "PTQ int8 (edgert quantize)",
            QuantizeFrom = Float257, Quantization = new QuantizationOptions { Calibration = CalibrationMethod.MinMax }, ReferenceKey = Float257 },
        new() { Key = "f257-ptq-percentile", Label = $"float 257, PTQ int8 percentile {percentile}", Short = "257 PTQ PCTL", Kind = "PTQ int8 (edgert quantize)",
            QuantizeFrom = Float257, Quantization = new QuantizationOptions { Calibration = CalibrationMethod.Percentile, Percentile = percentile }, ReferenceKey = Float257 },
        new() { Key = HubDynamic, Label = "TF Hub 513 dynamic-range", Short = "HUB DR", Kind = "dynamic-range (int8 weights, float compute)",
            Path = System.IO.Path.Combine(modelsDir, "tfhub", "lite-model_deeplabv3-mobilenetv2_1_default_1.tflite") },
        new() { Key = "hub-dr-ptq-minmax", Label = "TF Hub 513 dynamic-range, PTQ int8 minmax", Short = "HUB DR PTQ", Kind = "PTQ int8 (edgert quantize)",
            QuantizeFrom = HubDynamic, Quantization = new QuantizationOptions { Calibration = CalibrationMethod.MinMax }, ReferenceKey = HubDynamic },
        new() { Key = "hub-int8", Label = "TF Hub 513 int8", Short = "HUB INT8", Kind = "int8 (TF converter PTQ)",
            Path = System.IO.Path.Combine(modelsDir, "tfhub", "lite-model_deeplabv3-mobilenetv2-int8_1_default_1.tflite"), ReferenceKey = HubDynamic },
        new() { Key = "coral-dm1", Label = "Coral QAT uint8 dm1.0", Short = "CORAL DM1 QAT", Kind = "QAT uint8",
            Path = System.IO.Path.Combine(modelsDir, "coral", "deeplabv3_mnv2_pascal_quant.tflite"), ReferenceKey = HubDynamic },
        new() { Key = "coral-dm05", Label = "Coral QAT uint8 dm0.5", Short = "CORAL DM05 QAT", Kind = "QAT uint8",
            Path = System.IO.Path.Combine(modelsDir, "coral", "deeplabv3_mnv2_dm05_pascal_quant.tflite"), ReferenceKey = HubDynamic },
    ];

    /// <summary>
    /// The calibration photos scripts/ptq-eval.sh uses: the demo photos plus bird, cityscapes and dog of
    /// coral_test_data (masks and the 256-px dog excluded). Never the evaluation images.
    /// </summary>
    public static IReadOnlyList<string> DefaultCalibration(string dataDir) =>
    [
        System.IO.Path.Combine(dataDir, "demo"),
        System.IO.Path.Combine(dataDir, "coral_test_data", "bird.bmp"),
        System.IO.Path.Combine(dataDir, "coral_test_data", "cityscapes_segmentation.bmp"),
        System.IO.Path.Combine(dataDir, "coral_test_data", "dog_segmentation.bmp"),
    ];
}

/// <summary>Calibration images given as folders and/or files (folders: .jpg/.jpeg/.png/.bmp, no "mask" names, sorted).</summary>
internal sealed class CalibrationFiles : ICalibrationSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp"];
    private readonly string[] _files;
    private readonly InputPreprocessor _pre;
    private readonly RgbImage _image = new();

    public CalibrationFiles(IReadOnlyList<string> files, int width, int height, FitMode mode)
    {
        if (files.Count == 0) throw new InvalidDataException("no calibration images");
        _files = [.. files];
        _pre = new InputPreprocessor(InputSpec.Float32(width, height), mode);
    }

    /// <summary>Expands folders into their images; files are kept as given. At most <paramref name="max"/> images.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths, int max = int.MaxValue)
    {
        var files = new List<string>();
        foreach (string p in paths)
        {
            if (Directory.Exists(p))
                files.AddRange(Directory.EnumerateFiles(p)
                    .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
                    .Where(f => !System.IO.Path.GetFileName(f).Contains("mask", StringComparison.OrdinalIgnoreCase))
                    .OrderBy(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal));
            else if (File.Exists(p)) files.Add(p);
            else throw new FileNotFoundException($"calibration path {p} does not exist");
        }
        if (files.Count == 0) throw new InvalidDataException($"no calibration images in {string.Join(", ", paths)}");
        return files.Take(max).ToArray();
    }

    public int Count => _files.Length;
    public string Name(int index) => System.IO.Path.GetFileName(_files[index]);

    public void Fill(int index, Span<byte> input)
    {
        ImageDecoder.DecodeFile(_files[index], _image);
        _pre.Process(_image, input);
    }
}

/// <summary>Multiply-accumulates of a model's convolutions (the Pi latency estimate's numerator).</summary>
internal static class MacCounter
{
    /// <summary>
    /// Sum over CONV_2D (out_elems * kh * kw * in_ch), DEPTHWISE_CONV_2D (out_elems * kh * kw), TRANSPOSE_CONV and
    /// FULLY_CONNECTED; <c>IntegerMacs</c> = the part whose input activation is int8/uint8.
    /// </summary>
    public static (long Macs, long IntegerMacs) Count(ModelGraph graph)
    {
        long total = 0, integer = 0;
        foreach (OperatorNode node in graph.Operators)
        {
            long macs = node.Op switch
            {
                BuiltinOperator.Conv2D => Out(graph, node) * Filter(graph, node, 1) * Filter(graph, node, 2) * Filter(graph, node, 3),
                BuiltinOperator.DepthwiseConv2D => Out(graph, node) * Filter(graph, node, 1) * Filter(graph, node, 2),
                BuiltinOperator.FullyConnected => Out(graph, node) * Filter(graph, node, -1),
                BuiltinOperator.TransposeConv => graph.Tensors[node.Inputs[2]].ElementCount * graph.Tensors[node.Inputs[1]].ElementCount
                    / Math.Max(1, graph.Tensors[node.Inputs[2]].Shape[^1]),
                _ => 0,
            };
            if (macs == 0) continue;
            total += macs;
            int act = node.Op == BuiltinOperator.TransposeConv ? node.Inputs[2] : node.Inputs[0];
            if (graph.Tensors[act].Type is TensorType.Int8 or TensorType.UInt8) integer += macs;
        }
        return (total, integer);
    }

    private static long Out(ModelGraph g, OperatorNode n) => g.Tensors[n.Outputs[0]].ElementCount;

    private static long Filter(ModelGraph g, OperatorNode n, int dim)
    {
        int[] s = g.Tensors[n.Inputs[1]].Shape;
        return dim < 0 ? s[^1] : s[dim];
    }
}
