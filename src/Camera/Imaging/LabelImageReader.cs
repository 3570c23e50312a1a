using System.Buffers;
using System.IO.Compression;

namespace EdgeRuntime.Camera.Imaging;

/// <summary>
/// Reads label images as raw class ids: the palette INDEX of palette PNGs (VOC SegmentationClass files),
/// the sample value of grayscale PNGs (1/2/4/8-bit, golden class maps), the index of 8-bit palette BMPs
/// (Coral test masks). Never converts to RGB. Our own decoder: StbImageSharp expands palettes to colours.
/// </summary>
public static class LabelImageReader
{
    public static LabelImage ReadFile(string path)
    {
        var image = new LabelImage();
        Read(File.ReadAllBytes(path), image);
        return image;
    }

    /// <summary>Decodes <paramref name="encoded"/> (PNG or BMP) into <paramref name="into"/>.</summary>
    /// <exception cref="InvalidDataException">corrupt/truncated data, or a colour format that holds no class ids (RGB).</exception>
    public static void Read(ReadOnlySpan<byte> encoded, LabelImage into)
    {
        ArgumentNullException.ThrowIfNull(into);
        switch (ImageDecoder.DetectFormat(encoded))
        {
            case ImageFormat.Png: ReadPng(encoded, into); break;
            case ImageFormat.Bmp: ReadBmp(encoded, into); break;
            default: throw new InvalidDataException("label images must be PNG (grayscale or palette) or 8-bit palette BMP");
        }
    }

    private static void ReadBmp(ReadOnlySpan<byte> data, LabelImage into)
    {
        BmpInfo info = ImageDecoder.ValidateBmp(data);
        if (info.BitsPerPixel != 8 || info.Compression != 0)
            throw new InvalidDataException($"label BMP must be 8-bit uncompressed palette (got {info.BitsPerPixel} bpp, compression {info.Compression})");
        into.Reset(info.Width, info.Height);
        Span<byte> labels = into.Labels;
        for (int y = 0; y < info.Height; y++)
        {
            int srcRow = info.TopDown ? y : info.Height - 1 - y;
            data.Slice(info.PixelOffset + srcRow * info.Stride, info.Width).CopyTo(labels.Slice(y * info.Width, info.Width));
        }
    }

    private static unsafe void ReadPng(ReadOnlySpan<byte> data, LabelImage into)
    {
        PngHeader h = PngFile.Validate(data);
        if (h.ColorType is not (0 or 3))
            throw new InvalidDataException($"label PNG must be grayscale or palette (colour type {h.ColorType} holds no class ids)");
        if (h.BitDepth > 8)
            throw new InvalidDataException("16-bit grayscale label PNGs are not supported (class ids are 8-bit)");

        int depth = h.BitDepth;
        // Raw (filtered) size: one filter byte per row of each pass.
        long rawSize = 0;
        for (int pass = h.Interlaced ? 1 : 0; pass < (h.Interlaced ? 8 : 1); pass++)
        {
            (int pw, int ph) = PassSize(pass, h.Width, h.Height);
            if (pw > 0 && ph > 0) rawSize += (long)ph * (1 + RowBytes(pw, depth));
        }
        if (rawSize > int.MaxValue) throw new InvalidDataException("PNG too large");

        byte[] idat = ArrayPool<byte>.Shared.Rent(h.IdatBytes);
        byte[] raw = ArrayPool<byte>.Shared.Rent((int)rawSize);
        try
        {
            PngFile.CopyIdat(data, idat);
            int got;
            try
            {
                fixed (byte* p = idat)
                {
                    using var compressed = new UnmanagedMemoryStream(p, h.IdatBytes);
                    using var z = new ZLibStream(compressed, CompressionMode.Decompress);
                    got = z.ReadAtLeast(raw.AsSpan(0, (int)rawSize), (int)rawSize, throwOnEndOfStream: false);
                }
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException("corrupt PNG: bad zlib data: " + e.Message, e);
            }
            if (got < rawSize) throw new InvalidDataException($"truncated PNG: image data inflates to {got} bytes, {rawSize} needed");

            into.Reset(h.Width, h.Height);
            Span<byte> labels = into.Labels;
            int offset = 0;
            if (!h.Interlaced)
            {
                Unfilter(raw.AsSpan(0, (int)rawSize), h.Width, h.Height, depth);
                Unpack(raw.AsSpan(0, (int)rawSize), h.Width, h.Height, depth, labels, 0, 0, 1, 1, h.Width);
            }
            else
            {
                for (int pass = 1; pass <= 7; pass++)
                {
                    (int pw, int ph) = PassSize(pass, h.Width, h.Height);
                    if (pw == 0 || ph == 0) continue;
                    int size = ph * (1 + RowBytes(pw, depth));
                    Span<byte> passRaw = raw.AsSpan(offset, size);
                    Unfilter(passRaw, pw, ph, depth);
                    var (x0, y0, dx, dy) = Adam7[pass - 1];
                    Unpack(passRaw, pw, ph, depth, labels, x0, y0, dx, dy, h.Width);
                    offset += size;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<byte>.Shared.Return(idat);
        }
    }

    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private static (int W, int H) PassSize(int pass, int width, int height)
    {
        if (pass == 0) return (width, height);
        var (x0, y0, dx, dy) = Adam7[pass - 1];
        return ((width - x0 + dx - 1) / dx, (height - y0 + dy - 1) / dy);
    }

    private static int RowBytes(int width, int depth) => (width * depth + 7) / 8;

    /// <summary>Reverses the PNG row filters in place (bytes per pixel is 1 for all formats read here).</summary>
    private static void Unfilter(Span<byte> raw, int width, int height, int depth)
    {
        int rowBytes = RowBytes(width, depth);
        int stride = rowBytes + 1;
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = raw.Slice(y * stride + 1, rowBytes);
            ReadOnlySpan<byte> prev = y > 0 ? raw.Slice((y - 1) * stride + 1, rowBytes) : default;
            byte filter = raw[y * stride];
            switch (filter)
            {
                case 0: break;
                case 1:
                    for (int i = 1; i < rowBytes; i++) row[i] += row[i - 1];
                    break;
                case 2:
                    if (y > 0) for (int i = 0; i < rowBytes; i++) row[i] += prev[i];
                    break;
                case 3:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i > 0 ? row[i - 1] : 0, b = y > 0 ? prev[i] : 0;
                        row[i] += (byte)((a + b) >> 1);
                    }
                    break;
                case 4:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i > 0 ? row[i - 1] : 0, b = y > 0 ? prev[i] : 0, c = i > 0 && y > 0 ? prev[i - 1] : 0;
                        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                        row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                    }
                    break;
                default:
                    throw new InvalidDataException($"corrupt PNG: unknown row filter {filter} in row {y}");
            }
        }
    }

    private static void Unpack(ReadOnlySpan<byte> raw, int width, int height, int depth, Span<byte> labels,
        int x0, int y0, int dx, int dy, int imageWidth)
    {
        int rowBytes = RowBytes(width, depth);
        int mask = (1 << depth) - 1;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = raw.Slice(y * (rowBytes + 1) + 1, rowBytes);
            int dst = (y0 + y * dy) * imageWidth + x0;
            if (depth == 8 && dx == 1)
            {
                row.CopyTo(labels.Slice(dst, width));
                continue;
            }
            for (int x = 0; x < width; x++)
            {
                int bit = x * depth;
                int v = (row[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
                labels[dst + x * dx] = (byte)v;
            }
        }
    }
}
