using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Imaging;

/// <summary>JPEG decode + preprocessing reproduce, byte for byte, the input tensors TFLite's golden runs were fed.</summary>
public class ExactInputTests
{
    private static RgbImage DecodeVoc(string id)
    {
        var image = new RgbImage();
        ImageDecoder.Decode(File.ReadAllBytes(SharedData.Path("data", "voc2012_val", "JPEGImages", id + ".jpg")), image);
        return image;
    }

    [Fact]
    public void CoralUint8PadTopLeftEqualsGoldenInput()
    {
        RgbImage image = DecodeVoc("2007_000033");
        Assert.Equal((500, 366), (image.Width, image.Height));
        var pre = new InputPreprocessor(InputSpec.Quantized(513, 513, InputElementType.UInt8, 1f / 128, 128), FitMode.PadTopLeft);
        var tensor = new byte[pre.Spec.TensorBytes];
        ImageRegion region = pre.Process(image, tensor);
        Assert.Equal(new ImageRegion(0, 0, 500, 366), region);
        byte[] golden = File.ReadAllBytes(SharedData.Path("golden", "raw", "deeplabv3_mnv2_pascal_quant", "2007_000033.input.bin"));
        Assert.Equal(golden.Length, tensor.Length);
        Assert.True(golden.AsSpan().SequenceEqual(tensor), FirstDifference(golden, tensor));
    }

    [Fact]
    public void HubFloatPadTopLeftEqualsGoldenInput()
    {
        RgbImage image = DecodeVoc("2007_000033");
        var pre = new InputPreprocessor(InputSpec.Float32(513, 513), FitMode.PadTopLeft);
        var tensor = new byte[pre.Spec.TensorBytes];
        pre.Process(image, tensor);
        byte[] golden = File.ReadAllBytes(SharedData.Path("golden", "raw", "lite-model_deeplabv3-mobilenetv2-int8_1_default_1", "2007_000033.input.bin"));
        Assert.Equal(golden.Length, tensor.Length);
        Assert.True(golden.AsSpan().SequenceEqual(tensor), FirstDifference(golden, tensor));
    }

    [Fact]
    public void CoralQuantizationTableIsIdentity()
    {
        var pre = new InputPreprocessor(InputSpec.Quantized(513, 513, InputElementType.UInt8, 1f / 128, 128), FitMode.PadTopLeft);
        for (int p = 0; p < 256; p++) Assert.Equal(p, pre.QuantizedTable[p]);
    }

    [Fact]
    public void BirdBmpFedAsIsEqualsGoldenInput()
    {
        var image = new RgbImage();
        ImageDecoder.Decode(File.ReadAllBytes(SharedData.Path("data", "coral_test_data", "bird_segmentation.bmp")), image);
        var pre = new InputPreprocessor(InputSpec.Quantized(513, 513, InputElementType.UInt8, 1f / 128, 128), FitMode.PadTopLeft);
        var tensor = new byte[pre.Spec.TensorBytes];
        pre.Process(image, tensor);
        byte[] golden = File.ReadAllBytes(SharedData.Path("golden", "raw", "deeplabv3_mnv2_pascal_quant", "bird_segmentation.input.bin"));
        Assert.True(golden.AsSpan().SequenceEqual(tensor), FirstDifference(golden, tensor));
    }

    internal static string FirstDifference(byte[] expected, byte[] actual)
    {
        int n = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < n; i++)
            if (expected[i] != actual[i]) return $"first difference at byte {i}: expected {expected[i]}, got {actual[i]}";
        return expected.Length == actual.Length ? "equal" : $"lengths differ: {expected.Length} vs {actual.Length}";
    }
}
