using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;

namespace EdgeRuntime.Quantization;

/// <summary>
/// Images of a folder (.jpg/.jpeg/.png/.bmp, names containing "mask" skipped, sorted by name), decoded and
/// preprocessed exactly as at inference: <see cref="InputPreprocessor"/> with a float32 spec ([-1, 1] by default)
/// and the given fit mode (DeepLab: Resize for the 257 model, PadTopLeft with 0.0 padding for 513 models).
/// </summary>
internal sealed class ImageFolderSource : ICalibrationSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp"];
    private readonly string[] _files;
    private readonly InputPreprocessor _pre;
    private readonly RgbImage _image = new();

    public ImageFolderSource(IEnumerable<string> folders, int width, int height, FitMode mode, int maxImages = int.MaxValue,
        float rangeMin = -1f, float rangeMax = 1f)
    {
        var files = new List<string>();
        foreach (string folder in folders)
        {
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"calibration folder {folder} does not exist");
            files.AddRange(Directory.EnumerateFiles(folder)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Where(f => !Path.GetFileName(f).Contains("mask", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal));
        }
        _files = files.Take(maxImages).ToArray();
        if (_files.Length == 0) throw new InvalidDataException($"no calibration images (.jpg/.png/.bmp) in {string.Join(", ", folders)}");
        _pre = new InputPreprocessor(InputSpec.Float32(width, height, rangeMin, rangeMax), mode);
    }

    public int Count => _files.Length;
    public string Name(int index) => Path.GetFileName(_files[index]);

    public void Fill(int index, Span<byte> input)
    {
        ImageDecoder.DecodeFile(_files[index], _image);
        _pre.Process(_image, input);
    }
}
