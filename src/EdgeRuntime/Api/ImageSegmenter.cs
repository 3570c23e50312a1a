using EdgeRuntime.Graph;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tflite;

namespace EdgeRuntime;

/// <summary>
/// Semantic segmentation of RGB images with a DeepLab-style TFLite model: an image in, one class id per pixel out, at
/// the image's own size. Preprocessing writes straight into the model's input and the scores are upsampled and
/// arg-maxed in one pass, so after the first image of a given size nothing is allocated. Not thread-safe.
/// </summary>
public sealed class ImageSegmenter : IDisposable
{
    private readonly DeepLabSegmenter _segmenter;
    private readonly RgbImage _frame = new();
    private string[] _labels;

    private ImageSegmenter(DeepLabSegmenter segmenter)
    {
        _segmenter = segmenter;
        Input = new TensorDescription(segmenter.Model.Graph.Input());
        Output = new TensorDescription(segmenter.Model.Graph.Output());
        _labels = segmenter.ClassCount == VocDataset.ClassNames.Length
            ? [.. VocDataset.ClassNames]
            : [.. Enumerable.Range(0, segmenter.ClassCount).Select(i => $"class {i}")];
    }

    /// <summary>
    /// Loads a segmentation model file: one NHWC RGB input and an output of per-class scores or class ids. Throws
    /// <see cref="ModelFormatException"/> for a file that is not such a model, otherwise as
    /// <see cref="EdgeModel.Load(string, ModelOptions?)"/>.
    /// </summary>
    public static ImageSegmenter Load(string path, ModelOptions? options = null) =>
        Load(KernelVariantMapping.ReadModelFile(path, options), options);

    /// <summary>Loads a segmentation model from the bytes of a TFLite file (kept, not copied).</summary>
    public static ImageSegmenter Load(ReadOnlyMemory<byte> model, ModelOptions? options = null)
    {
        var interpreterOptions = KernelVariantMapping.ToInterpreterOptions(options);
        ModelGraph graph = TfliteModelReader.Read(model);
        // No model hash here (the daemon's constructor computes one): SHA-256 would make every app load OpenSSL at start-up.
        var segmenter = new DeepLabSegmenter(SegmentationModel.Describe(graph), graph.Description, modelSha256: "",
            new SegmenterOptions { Interpreter = interpreterOptions });
        return new ImageSegmenter(segmenter);
    }

    /// <summary>Classes the model tells apart (21 for PASCAL VOC: background and 20 objects).</summary>
    public int ClassCount => _segmenter.ClassCount;

    /// <summary>
    /// One name per class id: the PASCAL VOC names for a 21-class model, "class N" otherwise, or what
    /// <see cref="SetLabels"/> gave.
    /// </summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The model's image input (its height and width are the model's canvas).</summary>
    public TensorDescription Input { get; }

    /// <summary>The model's output: per-class scores or class ids at the model's resolution.</summary>
    public TensorDescription Output { get; }

    /// <summary>The kernel variant that runs the model.</summary>
    public KernelVariant Kernels => KernelVariantMapping.FromIsa(_segmenter.Interpreter.Isa);

    /// <summary>
    /// Names the classes: the first <see cref="ClassCount"/> non-empty lines of <paramref name="labelText"/> (the
    /// format of TFLite label files; lines after them are ignored). Throws <see cref="InvalidDataException"/> when
    /// there are fewer.
    /// </summary>
    public void SetLabels(string labelText)
    {
        LabelMap map = LabelMap.Parse(labelText, ClassCount);
        _labels = [.. map.Names];
    }

    /// <summary>
    /// Segments an image of <paramref name="width"/> x <paramref name="height"/> pixels given as interleaved 8-bit
    /// R,G,B rows without padding, writing one class id per pixel (row-major) into <paramref name="classMap"/>.
    /// </summary>
    public SegmentTimings Segment(ReadOnlySpan<byte> rgb, int width, int height, Span<byte> classMap)
    {
        _frame.Reset(width, height);
        if (rgb.Length != _frame.Pixels.Length)
            throw new ArgumentException($"an RGB image of {width}x{height} is {_frame.Pixels.Length} bytes, not {rgb.Length}", nameof(rgb));
        if (classMap.Length < width * height)
            throw new ArgumentException($"the class map holds {classMap.Length} bytes, {width * height} needed", nameof(classMap));
        rgb.CopyTo(_frame.Pixels);
        return Segment(_frame, classMap);
    }

    /// <summary>
    /// Segments <paramref name="image"/> without copying it, writing one class id per pixel (row-major) into
    /// <paramref name="classMap"/>. The way to go for a stream of frames decoded into one reused <see cref="RgbImage"/>.
    /// </summary>
    public SegmentTimings Segment(RgbImage image, Span<byte> classMap)
    {
        ArgumentNullException.ThrowIfNull(image);
        SegmentationTimings t = _segmenter.Segment(image, classMap);
        return new SegmentTimings(t.PreprocessMs, t.InferenceMs, t.PostprocessMs);
    }

    /// <summary>Segments an image as <see cref="Segment(ReadOnlySpan{byte}, int, int, Span{byte})"/> into a new class map.</summary>
    public byte[] Segment(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is out of range");
        var classMap = new byte[width * height];
        Segment(rgb, width, height, classMap);
        return classMap;
    }

    /// <summary>Stops the model's worker threads, if it has any.</summary>
    public void Dispose() => _segmenter.Dispose();
}
