using System.Runtime.InteropServices;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Quantization;

/// <summary>
/// Image -> class map with the golden DeepLab protocol, for float, int8 and uint8 models alike: the 257 model
/// resizes the whole image (align_corners) and resizes logits straight back; 513 models place the image top-left
/// on a canvas padded with 0.0 (quantized: its code), upsample the logits to the canvas and crop.
/// </summary>
public sealed class SegmentationRunner
{
    private readonly Interpreter _interpreter;
    private readonly InputPreprocessor _pre;
    private readonly LogitsArgMax _argMax = new();
    private readonly int _h, _w, _classes, _inH, _inW;
    private readonly TensorType _outType;

    public SegmentationRunner(ModelGraph model, FitMode? mode = null)
    {
        _interpreter = Interpreter.Create(model);
        TensorInfo input = model.Input(), output = model.Output();
        (_inH, _inW) = (input.Shape[1], input.Shape[2]);
        Mode = mode ?? DefaultFit(_inH);
        InputSpec spec = input.Type switch
        {
            TensorType.Float32 => InputSpec.Float32(_inW, _inH),
            TensorType.UInt8 => InputSpec.Quantized(_inW, _inH, InputElementType.UInt8, input.Quantization!.Scale, input.Quantization.ZeroPoint),
            TensorType.Int8 => InputSpec.Quantized(_inW, _inH, InputElementType.Int8, input.Quantization!.Scale, input.Quantization.ZeroPoint),
            _ => throw new NotSupportedException($"input type {input.Type} is not supported"),
        };
        _pre = new InputPreprocessor(spec, Mode);
        (_h, _w, _classes) = (output.Shape[1], output.Shape[2], output.Shape[3]);
        _outType = output.Type;
    }

    public FitMode Mode { get; }

    /// <summary>DeepLab's eval protocol: 513x513 canvases pad top-left; smaller inputs (the 257 model) resize.</summary>
    public static FitMode DefaultFit(int inputHeight) => inputHeight >= 500 ? FitMode.PadTopLeft : FitMode.Resize;

    /// <summary>Fills <paramref name="classMap"/> (image.Width * image.Height bytes).</summary>
    public void Run(RgbImage image, Span<byte> classMap)
    {
        ImageRegion region = _pre.Process(image, _interpreter.InputBytes());
        _interpreter.Invoke();
        ReadOnlySpan<byte> raw = _interpreter.OutputBytes();
        if (Mode == FitMode.Resize)
        {
            switch (_outType)
            {
                case TensorType.Float32: _argMax.Resize(MemoryMarshal.Cast<byte, float>(raw), _h, _w, _classes, image.Height, image.Width, classMap); break;
                case TensorType.Int8: _argMax.Resize(MemoryMarshal.Cast<byte, sbyte>(raw), _h, _w, _classes, image.Height, image.Width, classMap); break;
                default: _argMax.Resize(raw, _h, _w, _classes, image.Height, image.Width, classMap); break;
            }
            return;
        }
        if (region.Width != image.Width || region.Height != image.Height)
            throw new NotSupportedException($"image {image.Width}x{image.Height} does not fit the {_inW}x{_inH} canvas");
        switch (_outType)
        {
            case TensorType.Float32: _argMax.UpsampleCrop(MemoryMarshal.Cast<byte, float>(raw), _h, _w, _classes, _inH, _inW, region, classMap); break;
            case TensorType.Int8: _argMax.UpsampleCrop(MemoryMarshal.Cast<byte, sbyte>(raw), _h, _w, _classes, _inH, _inW, region, classMap); break;
            default: _argMax.UpsampleCrop(raw, _h, _w, _classes, _inH, _inW, region, classMap); break;
        }
    }
}
