using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Bench;

/// <summary>
/// The benchmark's input: a decoded image (preprocessed on every run, as a camera frame would be) or a raw
/// input tensor (e.g. ../shared/golden/raw/MODEL/ID.input.bin, copied as is).
/// </summary>
internal sealed class BenchInput
{
    private readonly RgbImage? _image;
    private readonly byte[]? _raw;
    private readonly InputPreprocessor? _preprocessor;
    private readonly SegmentationModel _model;

    private BenchInput(string path, SegmentationModel model, RgbImage? image, byte[]? raw)
    {
        Path = path;
        _model = model;
        _image = image;
        _raw = raw;
        if (image is not null) _preprocessor = new InputPreprocessor(model.Input, model.DefaultFitMode);
    }

    public string Path { get; }
    public bool IsRawTensor => _raw is not null;

    /// <summary>Size of the class map a user gets: the image's size, or the whole canvas for a raw tensor.</summary>
    public int MapWidth => _image?.Width ?? _model.Input.Width;
    public int MapHeight => _image?.Height ?? _model.Input.Height;

    /// <summary>Loads an image (JPEG/PNG/BMP, decoded once here) or, for a .bin/.raw file, a raw input tensor.</summary>
    public static BenchInput Load(string path, SegmentationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".bin" or ".raw")
        {
            byte[] raw = File.ReadAllBytes(path);
            if (raw.Length != model.Input.TensorBytes)
                throw new InvalidDataException($"{path} has {raw.Length} bytes, the model input needs {model.Input.TensorBytes}");
            return new BenchInput(path, model, null, raw);
        }
        var image = new RgbImage();
        ImageDecoder.DecodeFile(path, image);
        return new BenchInput(path, model, image, null);
    }

    public static BenchInput FromImage(string path, RgbImage image, SegmentationModel model) => new(path, model, image, null);

    /// <summary>Writes the model input (preprocessing the image) and returns where the image lies on the canvas.</summary>
    public ImageRegion Fill(Span<byte> tensor)
    {
        if (_raw is not null)
        {
            _raw.CopyTo(tensor);
            return new ImageRegion(0, 0, _model.Input.Width, _model.Input.Height);
        }
        return _preprocessor!.Process(_image!, tensor);
    }
}
