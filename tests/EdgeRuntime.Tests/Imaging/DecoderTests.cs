using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Imaging;

public class DecoderTests
{
    private static string Voc(string folder, string file) => SharedData.Path("data", "voc2012_val", folder, file);

    private static IEnumerable<string> ValIds() =>
        File.ReadAllLines(SharedData.Path("data", "voc2012_val", "val_first200.txt")).Select(l => l.Trim()).Where(l => l.Length > 0);

    [Fact]
    public void VocLabelClassCountsOf2007_000033()
    {
        LabelImage label = LabelImageReader.ReadFile(Voc("SegmentationClass", "2007_000033.png"));
        Assert.Equal((500, 366), (label.Width, label.Height));
        var counts = new long[256];
        foreach (byte v in label.Labels) counts[v]++;
        var nonZero = Enumerable.Range(0, 256).Where(i => counts[i] > 0).ToDictionary(i => i, i => counts[i]);
        Assert.Equal(new Dictionary<int, long> { [0] = 143868, [1] = 30937, [255] = 8195 }, nonZero);
    }

    [Fact]
    public void VocAndGoldenLabelsHoldOnlyVocClassIds()
    {
        var label = new LabelImage();
        var image = new RgbImage();
        string[] ids = ValIds().ToArray();
        Assert.Equal(200, ids.Length);
        foreach (string id in ids)
        {
            LabelImageReader.Read(File.ReadAllBytes(Voc("SegmentationClass", id + ".png")), label);
            Assert.All(label.Labels.ToArray(), v => Assert.True(v <= 20 || v == 255, $"{id}: VOC label value {v}"));
            int w = label.Width, h = label.Height;

            LabelImageReader.Read(File.ReadAllBytes(SharedData.Path("golden", "tflite", "deeplabv3_mnv2_pascal_quant", id + ".png")), label);
            Assert.Equal((w, h), (label.Width, label.Height));
            Assert.All(label.Labels.ToArray(), v => Assert.True(v <= 20, $"{id}: golden class {v}"));
        }
        // The RGB path (StbImageSharp) also decodes the palette PNG, to colours.
        ImageDecoder.Decode(File.ReadAllBytes(Voc("SegmentationClass", "2007_000033.png")), image);
        Assert.Equal((500, 366), (image.Width, image.Height));
    }

    [Fact]
    public void PaletteBmpMaskReadsAsIndices()
    {
        LabelImage mask = LabelImageReader.ReadFile(SharedData.Path("data", "coral_test_data", "bird_segmentation_mask.bmp"));
        Assert.Equal((513, 513), (mask.Width, mask.Height));
        var values = mask.Labels.ToArray().Distinct().Order().ToArray();
        Assert.Equal(new byte[] { 0, 1, 2, 3, 255 }.Intersect(values).Count(), values.Length);
        Assert.Contains((byte)3, values);
    }

    [Fact]
    public void JpegDecodesToExpectedSizeAndReusesBuffer()
    {
        var image = new RgbImage(500 * 500);
        byte[] jpeg = File.ReadAllBytes(Voc("JPEGImages", "2007_000033.jpg"));
        ImageDecoder.Decode(jpeg, image);
        Assert.Equal((500, 366), (image.Width, image.Height));
        byte[] first = image.Pixels.ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        ImageDecoder.Decode(jpeg, image);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(first.AsSpan().SequenceEqual(image.Pixels));
        Assert.Equal(ImageFormat.Jpeg, ImageDecoder.DetectFormat(jpeg));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void TruncatedJpegThrows(double keep)
    {
        byte[] jpeg = File.ReadAllBytes(Voc("JPEGImages", "2007_000033.jpg"));
        byte[] cut = jpeg[..(int)(jpeg.Length * keep)];
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(cut, new RgbImage()));
        Assert.Contains("JPEG", e.Message);
    }

    [Fact]
    public void TruncatedJpegHeaderThrows()
    {
        byte[] jpeg = File.ReadAllBytes(Voc("JPEGImages", "2007_000033.jpg"));
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(jpeg[..100], new RgbImage()));
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(jpeg[..3], new RgbImage()));
    }

    [Fact]
    public void CorruptJpegEntropyDataThrows()
    {
        byte[] jpeg = File.ReadAllBytes(Voc("JPEGImages", "2007_000033.jpg"));
        // An RST marker in the middle of a scan without restart intervals: libjpeg warns
        // ("Corrupt JPEG data: ... extraneous bytes" / "premature end of data segment"), which must be an error.
        byte[] bad = (byte[])jpeg.Clone();
        int mid = bad.Length / 2;
        bad[mid] = 0xFF;
        bad[mid + 1] = 0xD3;
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(bad, new RgbImage()));
        Assert.Contains("JPEG", e.Message);
    }

    [Fact]
    public void UnknownAndEmptyDataThrow()
    {
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode([], new RgbImage()));
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode("GIF89a...."u8.ToArray(), new RgbImage()));
        Assert.Throws<InvalidDataException>(() => LabelImageReader.Read("hello"u8, new LabelImage()));
    }

    [Fact]
    public void TruncatedOrCorruptPngThrows()
    {
        byte[] png = File.ReadAllBytes(Voc("SegmentationClass", "2007_000033.png"));
        foreach (int len in new[] { 8, 20, 40, png.Length / 2, png.Length - 12, png.Length - 1 })
        {
            byte[] cut = png[..len];
            Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(cut, new RgbImage()));
            Assert.Throws<InvalidDataException>(() => LabelImageReader.Read(cut, new LabelImage()));
        }
        byte[] flipped = (byte[])png.Clone();
        flipped[png.Length / 2] ^= 0x40;
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(flipped, new RgbImage()));
        Assert.Contains("CRC", e.Message);
        Assert.Throws<InvalidDataException>(() => LabelImageReader.Read(flipped, new LabelImage()));
    }

    [Fact]
    public void TruncatedBmpThrows()
    {
        byte[] bmp = File.ReadAllBytes(SharedData.Path("data", "coral_test_data", "bird_segmentation.bmp"));
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(bmp[..(bmp.Length - 100)], new RgbImage()));
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(bmp[..20], new RgbImage()));
        byte[] mask = File.ReadAllBytes(SharedData.Path("data", "coral_test_data", "bird_segmentation_mask.bmp"));
        Assert.Throws<InvalidDataException>(() => LabelImageReader.Read(mask[..(mask.Length / 2)], new LabelImage()));
    }

    [Fact]
    public void RgbPngIsNotALabelImage()
    {
        var encoder = new PngEncoder();
        byte[] png = encoder.Encode(new byte[2 * 2 * 3], 2, 2, PngColorFormat.Rgb8).ToArray();
        Assert.Throws<InvalidDataException>(() => LabelImageReader.Read(png, new LabelImage()));
    }

    [Fact]
    public void MissingLibraryExceptionNamesThePackage()
    {
        var e = new TurboJpegNotFoundException(new DllNotFoundException("x"));
        Assert.IsAssignableFrom<DllNotFoundException>(e);
        Assert.Contains("libturbojpeg0", e.Message);
    }
}
