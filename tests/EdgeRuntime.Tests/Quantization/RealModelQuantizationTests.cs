using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Quantization;

public class RealModelQuantizationTests
{
    /// <summary>
    /// The float 257 DeepLab quantized with 4 demo photos (calibration) and compared with the float model on 2 VOC
    /// images (evaluation set, disjoint): class maps must agree on most pixels, and must not be all background.
    /// </summary>
    [Fact]
    public void Float257QuantizedAgreesWithFloatOnVocImages()
    {
        ModelGraph f = TfliteModelReader.Load(SharedData.Model(SharedData.Float257));
        var calib = new ImageFolderSource([SharedData.Path("data", "demo")], 257, 257, FitMode.Resize, maxImages: 4);
        QuantizationResult r = PostTrainingQuantizer.Quantize(f, calib, new QuantizationOptions());
        Assert.Equal(TensorType.Float32, r.QuantizedModel.Input().Type);
        Assert.Equal(38, r.QuantizedModel.Operators.Count(o => o.Op == BuiltinOperator.Conv2D && o.Version == 3));

        using var fr = new DeepLabSegmenter(f);
        using var qr = new DeepLabSegmenter(r.QuantizedModel);
        var image = new RgbImage();
        foreach (string id in new[] { "2007_000033", "2007_000042" })
        {
            ImageDecoder.DecodeFile(SharedData.Path("data", "voc2012_val", "JPEGImages", id + ".jpg"), image);
            var a = new byte[image.Width * image.Height];
            var b = new byte[a.Length];
            fr.Segment(image, a);
            qr.Segment(image, b);
            double agreement = PixelAgreement.Fraction(a, b);
            Assert.True(agreement > 0.9, $"{id}: pixel agreement {agreement:P2}");
            Assert.Contains(b, c => c != 0);
        }
    }
}
