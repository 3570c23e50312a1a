using System.Buffers.Binary;
using StbImageSharp;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Camera.Imaging;

/// <summary>The container formats <see cref="ImageDecoder"/> recognises by their magic bytes.</summary>
public enum ImageFormat
{
    Unknown,
    Jpeg,
    Png,
    Bmp,
}

/// <summary>
/// Decodes JPEG, PNG and BMP into an <see cref="RgbImage"/>, detecting the format by magic bytes.
/// JPEG goes through libjpeg-turbo's TurboJPEG API (islow DCT, fancy upsampling: identical to <c>djpeg</c> defaults,
/// the decoder the golden outputs were made with); PNG and BMP go through StbImageSharp after a structural check
/// (chunk CRCs, IEND, BMP pixel-array size) so truncated files are rejected rather than half-decoded.
/// </summary>
/// <remarks>
/// JPEG decoding writes straight into the <see cref="RgbImage"/> buffer (no allocation once it is large enough).
/// PNG/BMP decoding allocates StbImageSharp's result array per call; these formats are for files, not the camera path.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Identifies the format from the first bytes.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length >= 3 && encoded[0] == 0xFF && encoded[1] == 0xD8 && encoded[2] == 0xFF) return ImageFormat.Jpeg;
        if (PngFile.HasSignature(encoded)) return ImageFormat.Png;
        if (encoded.Length >= 2 && encoded[0] == (byte)'B' && encoded[1] == (byte)'M') return ImageFormat.Bmp;
        return ImageFormat.Unknown;
    }

    /// <summary>
    /// Default pixel budget of one decode, width x height: 32 Mi pixels (a 96 MiB RGB image; 4K frames are 8.3 M). Checked
    /// from the header before anything is allocated, so a small file declaring a huge image costs nothing.
    /// </summary>
    public const long DefaultMaxPixels = 32L << 20;

    /// <summary>Decodes into <paramref name="into"/>, reusing its buffer. Throws <see cref="InvalidDataException"/> for a corrupt or unknown image.</summary>
    /// <exception cref="InvalidDataException">corrupt, truncated or unrecognised data (libjpeg warnings included), or more pixels than <see cref="DefaultMaxPixels"/>.</exception>
    /// <exception cref="TurboJpegNotFoundException">a JPEG was given and libturbojpeg.so.0 is not installed.</exception>
    public static void Decode(ReadOnlySpan<byte> encoded, RgbImage into) => Decode(encoded, into, DefaultMaxPixels);

    /// <summary>As <see cref="Decode(ReadOnlySpan{byte}, RgbImage)"/> with a pixel budget: an image whose header declares more than <paramref name="maxPixels"/> is refused before decoding.</summary>
    public static void Decode(ReadOnlySpan<byte> encoded, RgbImage into, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(into);
        switch (DetectFormat(encoded))
        {
            case ImageFormat.Jpeg:
                TurboJpeg.Decode(encoded, into, maxPixels);
                break;
            case ImageFormat.Png:
                PngHeader png = PngFile.Validate(encoded);
                CheckPixels("PNG", png.Width, png.Height, maxPixels);
                DecodeWithStb(encoded, into, "PNG");
                break;
            case ImageFormat.Bmp:
                BmpInfo bmp = ValidateBmp(encoded);
                CheckPixels("BMP", bmp.Width, bmp.Height, maxPixels);
                DecodeWithStb(encoded, into, "BMP");
                break;
            default:
                throw new InvalidDataException(encoded.Length == 0
                    ? "empty image data"
                    : $"unknown image format (first bytes {Convert.ToHexString(encoded[..Math.Min(8, encoded.Length)])}); expected JPEG, PNG or BMP");
        }
    }

    /// <summary>Refuses (as corrupt data) an image whose header declares more than <paramref name="maxPixels"/> pixels.</summary>
    internal static void CheckPixels(string format, long width, long height, long maxPixels)
    {
        if (width * height > maxPixels)
            throw new InvalidDataException($"{format} size {width}x{height} is {width * height} pixels, over the pixel budget of {maxPixels}");
    }

    /// <summary>Reads and decodes a file.</summary>
    public static void DecodeFile(string path, RgbImage into) => Decode(File.ReadAllBytes(path), into);

    private static unsafe void DecodeWithStb(ReadOnlySpan<byte> encoded, RgbImage into, string format)
    {
        ImageResult result;
        try
        {
            fixed (byte* p = encoded)
            {
                using var stream = new UnmanagedMemoryStream(p, encoded.Length);
                result = ImageResult.FromStream(stream, ColorComponents.RedGreenBlue);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"corrupt or unsupported {format}: {e.Message}", e);
        }
        if (result.Width <= 0 || result.Height <= 0 || result.Width > 16384 || result.Height > 16384)
            throw new InvalidDataException($"{format} size {result.Width}x{result.Height} is out of range (1..16384)");
        if (result.Data.Length < result.Width * result.Height * 3)
            throw new InvalidDataException($"corrupt {format}: decoder returned too few pixels");
        into.Reset(result.Width, result.Height);
        result.Data.AsSpan(0, result.Width * result.Height * 3).CopyTo(into.Pixels);
    }

    /// <summary>Header sanity and pixel-array size check for uncompressed BMPs.</summary>
    internal static BmpInfo ValidateBmp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 26) throw new InvalidDataException("truncated BMP: header incomplete");
        uint offBits = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        int width, height, bpp, compression = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadInt16LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadInt16LittleEndian(data[20..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(data[24..]);
        }
        else if (dibSize >= 40)
        {
            if (data.Length < 14 + 40) throw new InvalidDataException("truncated BMP: info header incomplete");
            width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
            compression = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        }
        else throw new InvalidDataException($"corrupt BMP: unknown info header size {dibSize}");
        bool topDown = height < 0;
        long absHeight = Math.Abs((long)height);
        if (width <= 0 || absHeight == 0 || width > 16384 || absHeight > 16384)
            throw new InvalidDataException($"BMP size {width}x{absHeight} is out of range (1..16384)");
        if (bpp is not (1 or 4 or 8 or 16 or 24 or 32)) throw new InvalidDataException($"corrupt BMP: {bpp} bits per pixel");
        long stride = ((long)width * bpp + 31) / 32 * 4;
        if (compression is 0 or 3 or 6) // BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS: the pixel array size is known
        {
            if (offBits > data.Length || stride * absHeight > data.Length - offBits)
                throw new InvalidDataException($"truncated BMP: pixel data needs {stride * absHeight} bytes from offset {offBits}, file has {data.Length}");
        }
        return new BmpInfo((int)offBits, (int)dibSize, width, (int)absHeight, bpp, compression, topDown, (int)stride);
    }
}

internal readonly record struct BmpInfo(int PixelOffset, int DibSize, int Width, int Height, int BitsPerPixel, int Compression, bool TopDown, int Stride);
