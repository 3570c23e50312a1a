using StbImageSharp;
using StbImageWriteSharp;

namespace SegmentImage;

/// <summary>An 8-bit RGB image: interleaved R,G,B rows without padding.</summary>
internal sealed record RgbFrame(int Width, int Height, byte[] Pixels);

/// <summary>Image files in and out (JPEG/PNG/BMP decoding by StbImageSharp, PNG encoding by StbImageWriteSharp).</summary>
internal static class ImageFiles
{
    /// <summary>Larger files are refused before they are read: a camera frame or a photo is far smaller.</summary>
    private const long MaxFileBytes = 64L << 20;
    private const int MaxSide = 16384;

    public static RgbFrame ReadRgb(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes) throw new InvalidDataException($"{path} is {length} bytes, more than an image this sample reads ({MaxFileBytes} bytes)");
        byte[] bytes = File.ReadAllBytes(path);
        ImageInfo? info = ImageInfo.FromStream(new MemoryStream(bytes));
        if (info is not { Width: > 0 and <= MaxSide, Height: > 0 and <= MaxSide })
            throw new InvalidDataException($"{path} is not a JPEG, PNG or BMP image of at most {MaxSide}x{MaxSide} pixels");
        ImageResult image = ImageResult.FromMemory(bytes, StbImageSharp.ColorComponents.RedGreenBlue);
        return new RgbFrame(image.Width, image.Height, image.Data);
    }

    public static void WritePng(string path, byte[] rgb, int width, int height)
    {
        using var file = File.Create(path);
        new ImageWriter().WritePng(rgb, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, file);
    }
}
