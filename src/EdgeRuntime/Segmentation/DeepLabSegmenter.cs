using System.Diagnostics;
using System.Security.Cryptography;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Segmentation;

public sealed class SegmenterOptions
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
public sealed class DeepLabSegmenter : ISegmenter
{
    private readonly Interpreter _interpreter;
    private readonly InputPreprocessor _preprocessor;
    private readonly LogitsArgMax _argMax = new();
    private int[] _rowIndex = [], _colIndex = [];
    private byte[] _idCrop = [];

    public DeepLabSegmenter(SegmentationModel model, string modelName, string modelSha256, SegmenterOptions? options = null)
    {
        Model = model;
        ModelName = modelName;
        ModelSha256 = modelSha256;
        _interpreter = Interpreter.Create(model.Graph, options?.Interpreter);
        _preprocessor = new InputPreprocessor(model.Input, options?.FitMode ?? model.DefaultFitMode);
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
        Postprocess(region, w, h, classMap[..(w * h)]);
        long t3 = Stopwatch.GetTimestamp();
        return new SegmentationTimings(Ms(t0, t1), Ms(t1, t2), Ms(t2, t3));
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private void Postprocess(ImageRegion region, int width, int height, Span<byte> classMap)
    {
        int oh = Model.OutputHeight, ow = Model.OutputWidth, c = Model.ClassCount;
        if (Model.OutputKind == SegmentationOutputKind.ClassIds)
        {
            bool sameSize = region.Width == width && region.Height == height;
            Span<byte> crop = sameSize ? classMap : Scratch(ref _idCrop, region.Width * region.Height);
            if (Model.OutputType == TensorType.Int64)
                LogitsArgMax.CropClassIds(_interpreter.Output<long>(), oh, ow, region, crop);
            else
                LogitsArgMax.CropClassIds(_interpreter.Output<int>(), oh, ow, region, crop);
            if (!sameSize) NearestResize(crop, region.Width, region.Height, classMap, width, height);
            return;
        }

        int canvasH = Model.Input.Height, canvasW = Model.Input.Width;
        switch (Model.OutputType)
        {
            case TensorType.Float32:
                _argMax.UpsampleRegion(_interpreter.Output<float>(), oh, ow, c, canvasH, canvasW, region, height, width, classMap);
                break;
            case TensorType.UInt8:
                _argMax.UpsampleRegion(_interpreter.OutputBytes(), oh, ow, c, canvasH, canvasW, region, height, width, classMap);
                break;
            default:
                _argMax.UpsampleRegion(_interpreter.Output<sbyte>(), oh, ow, c, canvasH, canvasW, region, height, width, classMap);
                break;
        }
    }

    /// <summary>Class ids are labels, not intensities: scaled back to the frame by nearest neighbour.</summary>
    private void NearestResize(ReadOnlySpan<byte> src, int sw, int sh, Span<byte> dst, int dw, int dh)
    {
        if (_colIndex.Length != dw || _rowIndex.Length != dh)
        {
            _colIndex = new int[dw];
            _rowIndex = new int[dh];
            for (int x = 0; x < dw; x++) _colIndex[x] = Math.Min(sw - 1, (int)((x + 0.5) * sw / dw));
            for (int y = 0; y < dh; y++) _rowIndex[y] = Math.Min(sh - 1, (int)((y + 0.5) * sh / dh));
        }
        for (int y = 0; y < dh; y++)
        {
            ReadOnlySpan<byte> srow = src.Slice(_rowIndex[y] * sw, sw);
            Span<byte> drow = dst.Slice(y * dw, dw);
            for (int x = 0; x < dw; x++) drow[x] = srow[_colIndex[x]];
        }
    }

    private static Span<byte> Scratch(ref byte[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new byte[size];
        return buffer.AsSpan(0, size);
    }

    // The interpreter owns worker threads when created with several threads.
    public void Dispose() => ((object)_interpreter as IDisposable)?.Dispose();
}
