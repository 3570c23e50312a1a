using System.Diagnostics;
using System.Security.Cryptography;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Segmentation;

/// <summary>How a segmenter fits frames into the model input and which kernels and threads it uses.</summary>
internal sealed class SegmenterOptions
{
    /// <summary>How images meet the model's canvas; null = the model's evaluation protocol.</summary>
    public FitMode? FitMode { get; init; }
    public InterpreterOptions? Interpreter { get; init; }
}

/// <summary>
/// frame -> tensor -> plan -> kernels -> class map. Preprocessing fills the interpreter's input tensor in place,
/// and the output is upsampled and arg-maxed in one pass straight into the caller's class map, so after the first
/// frame of a given size nothing is allocated.
/// </summary>
internal sealed class DeepLabSegmenter : ISegmenter
{
    private readonly Interpreter _interpreter;
    private readonly InputPreprocessor _preprocessor;
    private readonly ClassMapDecoder _decoder;

    public DeepLabSegmenter(SegmentationModel model, string modelName, string modelSha256, SegmenterOptions? options = null)
    {
        Model = model;
        ModelName = modelName;
        ModelSha256 = modelSha256;
        _interpreter = Interpreter.Create(model.Graph, options?.Interpreter);
        _preprocessor = new InputPreprocessor(model.Input, options?.FitMode ?? model.DefaultFitMode);
        _decoder = new ClassMapDecoder(model);
    }

    /// <summary>A segmenter for a model already in memory (e.g. one just quantized).</summary>
    public DeepLabSegmenter(ModelGraph graph, SegmenterOptions? options = null)
        : this(SegmentationModel.Describe(graph), graph.Description, Convert.ToHexStringLower(SHA256.HashData(graph.FileBytes.Span)), options)
    {
    }

    public static DeepLabSegmenter Load(string modelPath, SegmenterOptions? options = null)
    {
        byte[] bytes = File.ReadAllBytes(modelPath);
        ModelGraph graph = TfliteModelReader.Read(bytes);
        return new DeepLabSegmenter(SegmentationModel.Describe(graph), Path.GetFileNameWithoutExtension(modelPath),
            Convert.ToHexStringLower(SHA256.HashData(bytes)), options);
    }

    public SegmentationModel Model { get; }
    public Interpreter Interpreter => _interpreter;
    public FitMode FitMode => _preprocessor.Mode;
    public string ModelName { get; }
    public string ModelSha256 { get; }
    public int ClassCount => Model.ClassCount;

    public SegmentationTimings Segment(RgbImage frame, Span<byte> classMap)
    {
        int w = frame.Width, h = frame.Height;
        if (classMap.Length < w * h) throw new ArgumentException($"class map holds {classMap.Length} bytes, {w * h} needed", nameof(classMap));
        long t0 = Stopwatch.GetTimestamp();
        ImageRegion region = _preprocessor.Process(frame, _interpreter.InputBytes());
        long t1 = Stopwatch.GetTimestamp();
        _interpreter.Invoke();
        long t2 = Stopwatch.GetTimestamp();
        _decoder.Decode(_interpreter.OutputBytes(), region, h, w, classMap[..(w * h)]);
        long t3 = Stopwatch.GetTimestamp();
        return new SegmentationTimings(Ms(t0, t1), Ms(t1, t2), Ms(t2, t3));
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>Stops the interpreter's worker threads (when it has any).</summary>
    public void Dispose() => _interpreter.Dispose();
}
