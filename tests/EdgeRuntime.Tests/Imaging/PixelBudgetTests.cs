using System.Buffers.Binary;
using System.IO.Hashing;
using System.Diagnostics;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Imaging;

/// <summary>
/// Issue 11, item 5: images whose header declares more than the pixel budget are refused as corrupt data (the daemon's
/// frame loop counts any decode exception as a corrupt frame) before anything the size of the image is allocated.
/// </summary>
public class PixelBudgetTests
{
    private static byte[] Voc(string folder, string file) => File.ReadAllBytes(SharedData.Path("data", "voc2012_val", folder, file));

    /// <summary>A real JPEG whose SOF0 frame header is patched to declare width x height.</summary>
    private static byte[] JpegDeclaring(int width, int height)
    {
        byte[] jpeg = Voc("JPEGImages", "2007_000033.jpg");
        for (int i = 2; i + 9 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), (ushort)width);
                return jpeg;
            }
        throw new InvalidOperationException("no SOF marker");
    }

    /// <summary>A real PNG whose IHDR is patched (CRC recomputed) to declare width x height.</summary>
    private static byte[] PngDeclaring(int width, int height)
    {
        byte[] png = Voc("SegmentationClass", "2007_000033.png");
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), (uint)height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32.HashToUInt32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>An RLE8 BMP header (pixel array size not implied by the header) declaring width x height.</summary>
    private static byte[] BmpDeclaring(int width, int height)
    {
        var bmp = new byte[14 + 40 + 1024 + 64];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 14 + 40 + 1024);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(28), 8);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(30), 1); // BI_RLE8
        return bmp;
    }

    public static TheoryData<string> Formats() => ["jpeg", "png", "bmp"];

    private static byte[] Declaring(string format, int width, int height) => format switch
    {
        "jpeg" => JpegDeclaring(width, height),
        "png" => PngDeclaring(width, height),
        _ => BmpDeclaring(width, height),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void HeaderOverThePixelBudgetIsRefusedBeforeDecoding(string format)
    {
        byte[] file = Declaring(format, 16384, 16384); // within the per-side limit, 268 M pixels
        var image = new RgbImage();
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(file, image));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated0 < 16 << 20);
        Assert.Contains("16384x16384 is 268435456 pixels, over the pixel budget of 33554432", e.Message);
        Assert.Equal(0, image.Width);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void SmallerBudgetRefusesAnOrdinaryImage(string format)
    {
        byte[] file = Declaring(format, 500, 366);
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(file, new RgbImage(), maxPixels: 100_000));
        Assert.Contains("500x366 is 183000 pixels, over the pixel budget of 100000", e.Message);
    }

    [Fact]
    public void ImagesWithinTheBudgetStillDecode()
    {
        var image = new RgbImage();
        ImageDecoder.Decode(Voc("JPEGImages", "2007_000033.jpg"), image, maxPixels: 500 * 366);
        Assert.Equal((500, 366), (image.Width, image.Height));
    }
}
