using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Models;

/// <summary>
/// Class maps against TensorFlow Lite's own (../shared/golden/tflite), through the whole pipeline: JPEG decode,
/// preprocessing by the evaluation protocol, inference, fused upsample + argmax. CI runs a subset of the 200
/// images (scripts/eval-all.sh runs all of them; the README has those figures).
/// </summary>
public class GoldenAgreementTests(ITestOutputHelper output)
{
    private const int SubsetSize = 6;

    [Theory]
    [InlineData(SharedData.CoralDm1, "deeplabv3_mnv2_pascal_quant")]
    [InlineData(SharedData.CoralDm05, "deeplabv3_mnv2_dm05_pascal_quant")]
    [InlineData(SharedData.HubInt8, "lite-model_deeplabv3-mobilenetv2-int8_1_default_1")]
    [InlineData(SharedData.HubInt8Dm05, "lite-model_deeplabv3-mobilenetv2_dm05-int8_1_default_2")]
    [InlineData(SharedData.Float257, "deeplabv3_257_mv_gpu")]
    public void ClassMapsAgreeWithTfliteOnVocSubset(string model, string goldenDir)
    {
        var dataset = VocDataset.Open(SharedData.Path("data", "voc2012_val"), SharedData.Path("data", "voc2012_val", "val_first200.txt"), SubsetSize);
        using var segmenter = DeepLabSegmenter.Load(SharedData.Model(model));
        var result = Evaluator.Run(segmenter, dataset, SharedData.Path("golden", "tflite", goldenDir));
        output.WriteLine($"{model}: agreement {100 * result.Agreement:F3}% over {result.Images} images, mIoU on them {100 * result.Metrics.MeanIoU:F2}");
        Assert.True(result.Agreement >= 0.995, $"agreement {result.Agreement:P3} < 99.5%");
    }

    [Theory]
    [InlineData(SharedData.CoralDm1, 0.9)]
    [InlineData(SharedData.CoralDm05, 0.9)]
    public void CoralModelsFindTheBird(string model, double minimum)
    {
        double agreement = CoralAgreement(model, "bird_segmentation.bmp", "bird_segmentation_mask.bmp");
        output.WriteLine($"{model}: bird agreement {agreement:F4} (coral's test requires > {minimum})");
        Assert.True(agreement > minimum);
    }

    [Fact]
    public void CityscapesModelSegmentsTheStreet()
    {
        double agreement = CoralAgreement(SharedData.CoralCityscapes, "cityscapes_segmentation.bmp", "cityscapes_segmentation_mask.bmp");
        output.WriteLine($"cityscapes agreement {agreement:F4} (coral's test requires > 0.84)");
        Assert.True(agreement > 0.84);
    }

    /// <summary>Coral's segmentation test metric: common / (2N - common), mask value 255 mapped to 0.</summary>
    private static double CoralAgreement(string model, string imageFile, string maskFile)
    {
        using var segmenter = DeepLabSegmenter.Load(SharedData.Model(model));
        var image = new RgbImage();
        ImageDecoder.DecodeFile(SharedData.Path("data", "coral_test_data", imageFile), image);
        var prediction = new byte[image.Width * image.Height];
        segmenter.Segment(image, prediction);
        LabelImage mask = LabelImageReader.ReadFile(SharedData.Path("data", "coral_test_data", maskFile));
        Span<byte> expected = mask.Labels;
        for (int i = 0; i < expected.Length; i++) if (expected[i] == 255) expected[i] = 0;
        return PixelAgreement.CoralAgreement(prediction, expected);
    }
}
