using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Segmentation;

public class PaletteOverlayLabelTests
{
    [Fact]
    public void VocPaletteKnownColours()
    {
        Assert.Equal(((byte)0, (byte)0, (byte)0), VocPalette.GetColor(0));
        Assert.Equal(((byte)128, (byte)0, (byte)0), VocPalette.GetColor(1));       // aeroplane
        Assert.Equal(((byte)0, (byte)128, (byte)0), VocPalette.GetColor(2));       // bicycle
        Assert.Equal(((byte)192, (byte)128, (byte)128), VocPalette.GetColor(15));  // person
        Assert.Equal(((byte)0, (byte)64, (byte)128), VocPalette.GetColor(20));     // tvmonitor
        Assert.Equal(((byte)224, (byte)224, (byte)192), VocPalette.GetColor(255)); // ignore / border
    }

    [Fact]
    public void VocLabelPngPaletteIsTheVocPalette()
    {
        // Decoded as RGB, VOC's palette PNG shows the class colours; as labels it shows the ids.
        string path = SharedData.Path("data", "voc2012_val", "SegmentationClass", "2007_000033.png");
        var rgb = new RgbImage();
        ImageDecoder.Decode(File.ReadAllBytes(path), rgb);
        LabelImage ids = LabelImageReader.ReadFile(path);
        var colored = new byte[ids.Width * ids.Height * 3];
        Overlay.Colorize(ids.Labels, ids.Width, ids.Height, colored);
        Assert.True(colored.AsSpan().SequenceEqual(rgb.Pixels));
    }

    [Fact]
    public void OverlayBlendsHalfAndKeepsBackground()
    {
        byte[] image = [100, 100, 100, 10, 20, 30, 255, 255, 255];
        byte[] classes = [0, 1, 15];
        var output = new byte[9];
        Overlay.Blend(image, classes, 3, 1, output);
        Assert.Equal(new byte[] { 100, 100, 100, 69, 10, 15, 224, 192, 192 }, output);
        // In place works too.
        Overlay.Blend(image, classes, 3, 1, image);
        Assert.Equal(output, image);
    }

    [Fact]
    public void CoralLabelFileReadsOnlyTheLabels()
    {
        string path = SharedData.Model("coral/pascal_voc_segmentation_labels.txt");
        LabelMap fixedCount = LabelMap.Load(path, 21);
        Assert.Equal(21, fixedCount.Count);
        Assert.Equal("background", fixedCount[0]);
        Assert.Equal("tvmonitor", fixedCount[20]);
        LabelMap auto = LabelMap.Load(path);
        Assert.Equal(fixedCount.Names, auto.Names);
        Assert.Throws<InvalidDataException>(() => LabelMap.Parse("a\nb\n", 3));
        Assert.Equal("class 40", auto.NameOf(40));
    }
}
