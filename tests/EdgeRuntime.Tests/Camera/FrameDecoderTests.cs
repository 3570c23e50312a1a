using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class FrameDecoderTests
{
    private static FrameBuffer Frame(FrameFormat format, int width, int height, byte[] bytes)
    {
        var frame = new FrameBuffer(4) { Format = format, Width = width, Height = height };
        bytes.CopyTo(frame.Prepare(bytes.Length));
        return frame;
    }

    [Fact]
    public void YuyvLimitedRangeHandWorkedPixels()
    {
        // Y0 U Y1 V per pixel pair; BT.601 limited range, hand-computed with
        // R = (298C + 409E + 128) >> 8, G = (298C - 100D - 208E + 128) >> 8, B = (298C + 516D + 128) >> 8.
        byte[] yuyv =
        [
            16, 128, 235, 128,  // black, white
            81, 90, 81, 240,    // red (BT.601 studio-swing red is Y 81, Cb 90, Cr 240), twice
            126, 128, 0, 128,   // mid grey (298*110+128)>>8 = 128; Y below 16 clamps to black
            41, 240, 235, 110,  // blue (Y 41, Cb 240, Cr 110); same chroma on Y 235 -> (226, 226, 255)
        ];
        var image = new RgbImage();
        FrameDecoder.Decode(Frame(FrameFormat.Yuyv, 4, 2, yuyv), image);
        Assert.Equal((4, 2), (image.Width, image.Height));
        byte[] expected =
        [
            0, 0, 0, 255, 255, 255,
            255, 0, 0, 255, 0, 0,
            128, 128, 128, 0, 0, 0,
            0, 0, 255, 226, 226, 255,
        ];
        Assert.Equal(expected, image.Pixels.ToArray());
    }

    [Fact]
    public void YuyvFullRangeHandWorkedPixels()
    {
        // JFIF: R = Y + 1.402E, G = Y - 0.344136D - 0.714136E, B = Y + 1.772D (16-bit fixed point, rounded).
        byte[] yuyv = [128, 128, 255, 128, 76, 85, 76, 255, 29, 255, 0, 107];
        var rgb = new byte[6 * 3];
        FrameDecoder.YuyvToRgb(yuyv, rgb, 6, YuvRange.Full);
        Assert.Equal(new byte[] { 128, 128, 128, 255, 255, 255, 254, 0, 0, 254, 0, 0, 0, 0, 254, 0, 0, 225 }, rgb);
    }

    [Fact]
    public void Rgb24IsCopied()
    {
        byte[] rgb = Enumerable.Range(0, 3 * 2 * 3).Select(i => (byte)(i * 7)).ToArray();
        var image = new RgbImage();
        FrameDecoder.Decode(Frame(FrameFormat.Rgb24, 3, 2, rgb), image);
        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(rgb, image.Pixels.ToArray());
    }

    [Theory]
    [InlineData(FrameFormat.Yuyv, 4, 2, 15)]   // too short
    [InlineData(FrameFormat.Yuyv, 3, 2, 100)]  // odd width
    [InlineData(FrameFormat.Rgb24, 2, 2, 11)]  // too short
    [InlineData(FrameFormat.Rgb24, 0, 2, 100)] // no size
    [InlineData(FrameFormat.Encoded, 0, 0, 0)] // empty
    public void BadFramesThrowInvalidData(FrameFormat format, int width, int height, int length)
    {
        Assert.Throws<InvalidDataException>(() => FrameDecoder.Decode(Frame(format, width, height, new byte[length]), new RgbImage()));
    }

    [Fact]
    public void EncodedFramesGoToTheImageDecoder()
    {
        // Garbage must be rejected by ImageDecoder as corrupt data.
        Exception? garbage = Record.Exception(() => FrameDecoder.Decode(Frame(FrameFormat.Encoded, 0, 0, [1, 2, 3, 4, 5]), new RgbImage()));
        Assert.True(garbage is InvalidDataException, $"unexpected {garbage}");

        // A real JPEG decodes to its size (2007_000033.jpg is 500x366).
        var image = new RgbImage();
        Exception? real = Record.Exception(() => FrameDecoder.Decode(Frame(FrameFormat.Encoded, 0, 0, File.ReadAllBytes(CameraTestData.VocJpg(0))), image));
        Assert.Null(real);
        Assert.Equal((500, 366), (image.Width, image.Height));
    }
}
