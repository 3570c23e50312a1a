using System.Runtime.InteropServices;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Bench;

/// <summary>
/// What a benchmark needs to know about a segmentation model's input and output, derived from the graph alone:
/// the <see cref="InputSpec"/> (size, type, quantization), the fit mode and how to turn the output into a class map.
/// Shared by both runtimes so they get byte-identical inputs and the same post-processing.
/// </summary>
public sealed class SegmentationIo
{
    private SegmentationIo(InputSpec spec, FitMode fit, TensorType outputType, int[] outputShape)
    {
        Spec = spec;
        Fit = fit;
        OutputType = outputType;
        OutputShape = outputShape;
    }

    public InputSpec Spec { get; }
    public FitMode Fit { get; }
    public TensorType OutputType { get; }
    public int[] OutputShape { get; }

    /// <summary>True when the model ends in ARG_MAX (class ids [1, H, W]); false for logits [1, h, w, C].</summary>
    public bool OutputsClassIds => OutputType is TensorType.Int64 or TensorType.Int32;

    /// <summary>
    /// Coral/DeepLab conventions (the golden outputs' protocol, ../shared/golden/README.md): uint8 input as the pixel
    /// value itself (scale 1/128, zero point 128: the full quantized domain), int8 and float inputs map pixels onto
    /// [-1, 1]; padding is the real value 0. 513-wide canvases take the image top-left (downscaled only if larger);
    /// smaller inputs (257x257) take the whole image resized.
    /// </summary>
    public static SegmentationIo For(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.Inputs.Length != 1 || graph.Outputs.Length != 1)
            throw new NotSupportedException($"expected one input and one output, the model has {graph.Inputs.Length} and {graph.Outputs.Length}");
        TensorInfo input = graph.Input();
        if (input.Rank != 4 || input.Shape[0] != 1 || input.Shape[3] != 3)
            throw new NotSupportedException($"expected an image input [1, H, W, 3], got {input}");
        int h = input.Shape[1], w = input.Shape[2];
        InputSpec spec = input.Type switch
        {
            TensorType.Float32 => InputSpec.Float32(w, h),
            TensorType.UInt8 => InputSpec.Quantized(w, h, InputElementType.UInt8, Quant(input).Scale, Quant(input).ZeroPoint),
            TensorType.Int8 => InputSpec.Quantized(w, h, InputElementType.Int8, Quant(input).Scale, Quant(input).ZeroPoint, -1f, 1f),
            _ => throw new NotSupportedException($"input type {input.Type}"),
        };
        FitMode fit = Math.Max(w, h) >= 400 ? FitMode.PadTopLeft : FitMode.Resize;

        TensorInfo output = graph.Output();
        bool ids = output.Type is TensorType.Int64 or TensorType.Int32;
        if (ids ? output.Rank != 3 : output.Rank != 4 || !(output.Type is TensorType.Float32 or TensorType.UInt8 or TensorType.Int8))
            throw new NotSupportedException($"expected class ids [1, H, W] or logits [1, h, w, C], got {output}");
        return new SegmentationIo(spec, fit, output.Type, output.Shape);
    }

    /// <summary>Class ids of a downscaled region mapped back to the image size (nearest, align_corners).</summary>
    private static void NearestIds<T>(ReadOnlySpan<T> ids, int width, ImageRegion region, int outHeight, int outWidth, Span<byte> classMap)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        for (int y = 0; y < outHeight; y++)
        {
            int sy = region.Y + (outHeight == 1 ? 0 : (int)Math.Round((double)y * (region.Height - 1) / (outHeight - 1)));
            for (int x = 0; x < outWidth; x++)
            {
                int sx = region.X + (outWidth == 1 ? 0 : (int)Math.Round((double)x * (region.Width - 1) / (outWidth - 1)));
                classMap[y * outWidth + x] = byte.CreateSaturating(ids[sy * width + sx]);
            }
        }
    }

    private static QuantizationInfo Quant(TensorInfo t) =>
        t.Quantization ?? throw new ModelFormatException($"quantized input {t} has no quantization parameters");

    public InputPreprocessor CreatePreprocessor() => new(Spec, Fit);

    /// <summary>
    /// Writes <paramref name="classMap"/> (<paramref name="outHeight"/> x <paramref name="outWidth"/> bytes) from the raw
    /// output bytes: ARG_MAX outputs are cropped to <paramref name="region"/> (Coral: the model itself produced the
    /// 513x513 map), logits are upsampled (bilinear, align_corners) and arg-maxed with <see cref="LogitsArgMax"/>.
    /// </summary>
    public void DecodeClassMap(ReadOnlySpan<byte> output, LogitsArgMax argMax, ImageRegion region, int outHeight, int outWidth, Span<byte> classMap)
    {
        int canvasH = Spec.Height, canvasW = Spec.Width;
        bool sameSize = region.Width == outWidth && region.Height == outHeight;
        switch (OutputType)
        {
            case TensorType.Int64 when sameSize:
                LogitsArgMax.CropClassIds(MemoryMarshal.Cast<byte, long>(output), OutputShape[1], OutputShape[2], region, classMap);
                return;
            case TensorType.Int32 when sameSize:
                LogitsArgMax.CropClassIds(MemoryMarshal.Cast<byte, int>(output), OutputShape[1], OutputShape[2], region, classMap);
                return;
            case TensorType.Int64:
                NearestIds(MemoryMarshal.Cast<byte, long>(output), OutputShape[2], region, outHeight, outWidth, classMap);
                return;
            case TensorType.Int32:
                NearestIds(MemoryMarshal.Cast<byte, int>(output), OutputShape[2], region, outHeight, outWidth, classMap);
                return;
        }
        int h = OutputShape[1], w = OutputShape[2], c = OutputShape[3];
        switch (OutputType)
        {
            case TensorType.Float32:
                argMax.UpsampleRegion(MemoryMarshal.Cast<byte, float>(output), h, w, c, canvasH, canvasW, region, outHeight, outWidth, classMap);
                break;
            case TensorType.UInt8:
                argMax.UpsampleRegion(output, h, w, c, canvasH, canvasW, region, outHeight, outWidth, classMap);
                break;
            case TensorType.Int8:
                argMax.UpsampleRegion(MemoryMarshal.Cast<byte, sbyte>(output), h, w, c, canvasH, canvasW, region, outHeight, outWidth, classMap);
                break;
            default:
                throw new NotSupportedException($"output type {OutputType}");
        }
    }
}

/// <summary>
/// The benchmark's input: a decoded image (preprocessed on every run, as a camera frame would be) or a raw
/// input tensor (e.g. ../shared/golden/raw/MODEL/ID.input.bin, copied as is).
/// </summary>
public sealed class BenchInput
{
    private readonly RgbImage? _image;
    private readonly byte[]? _raw;
    private readonly InputPreprocessor? _preprocessor;
    private readonly SegmentationIo _io;

    private BenchInput(string path, SegmentationIo io, RgbImage? image, byte[]? raw)
    {
        Path = path;
        _io = io;
        _image = image;
        _raw = raw;
        if (image is not null) _preprocessor = io.CreatePreprocessor();
    }

    public string Path { get; }
    public bool IsRawTensor => _raw is not null;

    /// <summary>Size of the class map a user gets: the image's size, or the whole canvas for a raw tensor.</summary>
    public int MapWidth => _image?.Width ?? _io.Spec.Width;
    public int MapHeight => _image?.Height ?? _io.Spec.Height;

    /// <summary>Loads an image (JPEG/PNG/BMP, decoded once here) or, for a .bin/.raw file, a raw input tensor.</summary>
    public static BenchInput Load(string path, SegmentationIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".bin" or ".raw")
        {
            byte[] raw = File.ReadAllBytes(path);
            if (raw.Length != io.Spec.TensorBytes)
                throw new InvalidDataException($"{path} has {raw.Length} bytes, the model input needs {io.Spec.TensorBytes}");
            return new BenchInput(path, io, null, raw);
        }
        var image = new RgbImage();
        ImageDecoder.DecodeFile(path, image);
        return new BenchInput(path, io, image, null);
    }

    public static BenchInput FromImage(string path, RgbImage image, SegmentationIo io) => new(path, io, image, null);

    /// <summary>Writes the model input (preprocessing the image) and returns where the image lies on the canvas.</summary>
    public ImageRegion Fill(Span<byte> tensor)
    {
        if (_raw is not null)
        {
            _raw.CopyTo(tensor);
            return new ImageRegion(0, 0, _io.Spec.Width, _io.Spec.Height);
        }
        return _preprocessor!.Process(_image!, tensor);
    }
}
