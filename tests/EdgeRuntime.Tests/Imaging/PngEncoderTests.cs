using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Imaging;

public class PngEncoderTests
{
    /// <summary>The check value of CRC-32/ISO-HDLC (zlib, PNG) and the CRC every PNG's IEND chunk carries.</summary>
    [Fact]
    public void Crc32MatchesKnownValues()
    {
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
        Assert.Equal(0xAE426082u, Crc32.HashToUInt32("IEND"u8));
        Assert.Equal(0u, Crc32.HashToUInt32([]));
    }

    /// <summary>Every chunk the encoder writes carries the CRC of its type and body; IEND ends in the well-known bytes.</summary>
    [Fact]
    public void EncodedChunksCarryTheirCrc()
    {
        var pixels = new byte[19 * 7 * 3];
        new Random(3).NextBytes(pixels);
        byte[] png = new PngEncoder().Encode(pixels, 19, 7, PngColorFormat.Rgb8).ToArray();
        Assert.Equal([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^12..]);
        var types = new List<string>();
        for (int pos = 8; pos < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            types.Add(System.Text.Encoding.ASCII.GetString(png, pos + 4, 4));
            Assert.Equal(Crc32.HashToUInt32(png.AsSpan(pos + 4, 4 + length)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length)));
            pos += 12 + length;
        }
        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
    }

    [Fact]
    public void GrayRoundTripsThroughBothDecoders()
    {
        var rng = new Random(7);
        int w = 37, h = 23;
        var pixels = new byte[w * h];
        rng.NextBytes(pixels);
        var encoder = new PngEncoder();
        byte[] png = encoder.Encode(pixels, w, h, PngColorFormat.Gray8).ToArray();

        var label = new LabelImage();
        LabelImageReader.Read(png, label);
        Assert.Equal((w, h), (label.Width, label.Height));
        Assert.True(pixels.AsSpan().SequenceEqual(label.Labels));

        var rgb = new RgbImage();
        ImageDecoder.Decode(png, rgb);
        Assert.Equal((w, h), (rgb.Width, rgb.Height));
        for (int i = 0; i < w * h; i++)
            Assert.Equal((pixels[i], pixels[i], pixels[i]), (rgb.Pixels[i * 3], rgb.Pixels[i * 3 + 1], rgb.Pixels[i * 3 + 2]));
    }

    [Fact]
    public void RgbRoundTripsAndEncoderIsReusable()
    {
        var rng = new Random(11);
        var encoder = new PngEncoder();
        var rgb = new RgbImage();
        foreach (var (w, h) in new[] { (1, 1), (64, 48), (5, 300), (64, 48) })
        {
            var pixels = new byte[w * h * 3];
            rng.NextBytes(pixels);
            using var stream = new MemoryStream();
            encoder.Encode(pixels, w, h, PngColorFormat.Rgb8, stream);
            ImageDecoder.Decode(stream.ToArray(), rgb);
            Assert.Equal((w, h), (rgb.Width, rgb.Height));
            Assert.True(pixels.AsSpan().SequenceEqual(rgb.Pixels));
        }
    }

    [Fact]
    public void GoldenClassMapRoundTripsViaBufferWriter()
    {
        LabelImage golden = LabelImageReader.ReadFile(SharedData.Path("golden", "tflite", "deeplabv3_mnv2_pascal_quant", "2007_000033.png"));
        var writer = new ArrayBufferWriter<byte>();
        new PngEncoder().Encode(golden.Labels, golden.Width, golden.Height, PngColorFormat.Gray8, writer);
        var back = new LabelImage();
        LabelImageReader.Read(writer.WrittenSpan, back);
        Assert.True(golden.Labels.SequenceEqual(back.Labels));
    }

    [Fact]
    public void RepeatedEncodesAllocateLittle()
    {
        var pixels = new byte[513 * 513];
        new Random(3).NextBytes(pixels.AsSpan(0, 1000));
        var encoder = new PngEncoder();
        encoder.Encode(pixels, 513, 513, PngColorFormat.Gray8);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) encoder.Encode(pixels, 513, 513, PngColorFormat.Gray8);
        long perEncode = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
        Assert.True(perEncode < 4096, $"{perEncode} bytes allocated per encode");
    }
}
