using System.Text.Json;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Segmentation;

public class MetricsTests
{
    [Fact]
    public void HandWorkedConfusionMatrix()
    {
        // 3 classes; 255 ignored. Pixels (gt -> pred):
        // 0->0 x3, 0->1 x1, 1->1 x2, 1->0 x1, 255->2 x2 (ignored). Class 2 never appears in gt or (counted) prediction.
        byte[] gt = [0, 0, 0, 0, 1, 1, 1, 255, 255];
        byte[] pr = [0, 0, 0, 1, 1, 1, 0, 2, 2];
        var cm = new ConfusionMatrix(3);
        cm.Add(pr, gt);
        Assert.Equal(7, cm.Total);
        Assert.Equal(3, cm[0, 0]);
        Assert.Equal(1, cm[0, 1]);
        Assert.Equal(1, cm[1, 0]);
        Assert.Equal(2, cm[1, 1]);
        // IoU0 = 3 / (4 + 4 - 3) = 3/5; IoU1 = 2 / (3 + 3 - 2) = 1/2; class 2 absent -> NaN, excluded from the mean.
        SegmentationMetrics m = cm.Compute();
        Assert.Equal(0.6, m.PerClassIoU[0], 15);
        Assert.Equal(0.5, m.PerClassIoU[1], 15);
        Assert.True(double.IsNaN(m.PerClassIoU[2]));
        Assert.Equal(0.55, m.MeanIoU, 15);
        Assert.Equal(5.0 / 7, m.PixelAccuracy, 15);

        // A class only predicted (never in gt) has union > 0 and IoU 0, and counts in the mean.
        cm.Add([2], [0]);
        m = cm.Compute();
        Assert.Equal(0.0, m.PerClassIoU[2]);
        Assert.Equal((3.0 / 6 + 0.5 + 0) / 3, m.MeanIoU, 15);
    }

    [Fact]
    public void OutOfRangeClassesThrow()
    {
        var cm = new ConfusionMatrix(21);
        Assert.Throws<ArgumentOutOfRangeException>(() => cm.Add([21], [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => cm.Add([0], [30]));
        cm.Add([200], [255]); // ignored pixel: any prediction is fine
        Assert.Equal(0, cm.Total);
    }

    [Fact]
    public void AgreementMetrics()
    {
        byte[] a = [0, 1, 2, 3];
        byte[] b = [0, 1, 0, 0];
        Assert.Equal(0.5, PixelAgreement.Fraction(a, b));
        Assert.Equal(2.0 / 6, PixelAgreement.CoralAgreement(a, b));
        Assert.Equal(1.0, PixelAgreement.CoralAgreement(a, a));
    }

    public static TheoryData<string> GoldenModels => new()
    {
        "deeplabv3_mnv2_pascal_quant",
        "deeplabv3_mnv2_dm05_pascal_quant",
        "lite-model_deeplabv3-mobilenetv2-int8_1_default_1",
        "lite-model_deeplabv3-mobilenetv2_dm05-int8_1_default_2",
        "deeplabv3_257_mv_gpu",
    };

    /// <summary>Our metric over TFLite's golden class maps reproduces TFLite's/DeepLab's summary.json.</summary>
    [Theory]
    [MemberData(nameof(GoldenModels))]
    public void GoldenMapsReproduceSummaryJson(string model)
    {
        string dir = SharedData.Path("golden", "tflite", model);
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        LabelMap labels = LabelMap.Load(SharedData.Model("coral/pascal_voc_segmentation_labels.txt"), 21);

        var cm = new ConfusionMatrix(21);
        var pred = new LabelImage();
        var gt = new LabelImage();
        string[] ids = File.ReadAllLines(SharedData.Path("data", "voc2012_val", "val_first200.txt")).Where(l => l.Trim().Length > 0).ToArray();
        foreach (string raw in ids)
        {
            string id = raw.Trim();
            LabelImageReader.Read(File.ReadAllBytes(Path.Combine(dir, id + ".png")), pred);
            LabelImageReader.Read(File.ReadAllBytes(SharedData.Path("data", "voc2012_val", "SegmentationClass", id + ".png")), gt);
            Assert.Equal((gt.Width, gt.Height), (pred.Width, pred.Height));
            cm.Add(pred.Labels, gt.Labels);
        }
        SegmentationMetrics m = cm.Compute();
        Assert.Equal(200, summary.RootElement.GetProperty("images").GetInt32());
        Assert.Equal(summary.RootElement.GetProperty("mIoU").GetDouble(), m.MeanIoU, 1e-9);
        Assert.Equal(summary.RootElement.GetProperty("pixelAccuracy").GetDouble(), m.PixelAccuracy, 1e-9);
        JsonElement perClass = summary.RootElement.GetProperty("perClassIoU");
        for (int c = 0; c < 21; c++)
            Assert.Equal(perClass.GetProperty(labels[c]).GetDouble(), m.PerClassIoU[c], 1e-9);
        if (model == "deeplabv3_mnv2_pascal_quant")
            Assert.Equal(0.744845869697164, m.MeanIoU, 1e-9);
    }

    [Fact]
    public void BirdAgreementMatchesCoralTestMetric()
    {
        LabelImage pred = LabelImageReader.ReadFile(SharedData.Path("golden", "tflite", "deeplabv3_mnv2_pascal_quant", "bird_segmentation.png"));
        LabelImage mask = LabelImageReader.ReadFile(SharedData.Path("data", "coral_test_data", "bird_segmentation_mask.bmp"));
        byte[] m = mask.Labels.ToArray().Select(v => v == 255 ? (byte)0 : v).ToArray();
        double agreement = PixelAgreement.CoralAgreement(pred.Labels, m);
        Assert.InRange(agreement, 0.9565, 0.9575); // README: 0.957
    }
}
