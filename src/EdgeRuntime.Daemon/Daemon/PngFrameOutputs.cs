using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Daemon;

/// <summary>
/// The daemon's picture outputs: a class-index PNG and a VOC-palette overlay per written frame, and PNG masks
/// for MQTT. Buffers are kept between frames; only the encoded bytes handed to MQTT are new.
/// </summary>
public sealed class PngFrameOutputs
{
    private readonly PngEncoder _encoder = new();
    private byte[] _overlay = [];

    public void Write(string outputDirectory, long frameId, RgbImage image, ReadOnlySpan<byte> classMap, int classCount)
    {
        int w = image.Width, h = image.Height;
        if (_overlay.Length < w * h * 3) _overlay = new byte[w * h * 3];
        Span<byte> overlay = _overlay.AsSpan(0, w * h * 3);
        Overlay.Blend(image.Pixels, classMap, w, h, overlay);
        _encoder.EncodeFile(Path.Combine(outputDirectory, $"frame-{frameId:D6}.overlay.png"), overlay, w, h, PngColorFormat.Rgb8);
        _encoder.EncodeFile(Path.Combine(outputDirectory, $"frame-{frameId:D6}.mask.png"), classMap, w, h, PngColorFormat.Gray8);
    }

    public byte[] EncodeMask(ReadOnlySpan<byte> classMap, int width, int height) =>
        _encoder.Encode(classMap, width, height, PngColorFormat.Gray8).ToArray();
}
