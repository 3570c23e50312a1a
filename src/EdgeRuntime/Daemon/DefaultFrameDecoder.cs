using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Daemon;

/// <summary>The default <see cref="FrameDecoder"/>: encoded images via <see cref="ImageDecoder"/>, raw RGB24 and YUYV directly.</summary>
public static class DefaultFrameDecoder
{
    public static void Decode(FrameBuffer frame, RgbImage into)
    {
        switch (frame.Format)
        {
            case FrameFormat.Encoded:
                ImageDecoder.Decode(frame.Bytes, into);
                break;
            case FrameFormat.Rgb24:
                CheckRaw(frame, 3);
                into.Reset(frame.Width, frame.Height);
                frame.Bytes[..into.Pixels.Length].CopyTo(into.Pixels);
                break;
            case FrameFormat.Yuyv:
                CheckRaw(frame, 2);
                if ((frame.Width & 1) != 0) throw new InvalidDataException($"YUYV frame width {frame.Width} is odd");
                into.Reset(frame.Width, frame.Height);
                YuyvToRgb(frame.Bytes, into.Pixels);
                break;
            default:
                throw new InvalidDataException($"unknown frame format {frame.Format}");
        }
    }

    private static void CheckRaw(FrameBuffer frame, int bytesPerPixel)
    {
        if (frame.Width <= 0 || frame.Height <= 0)
            throw new InvalidDataException($"raw {frame.Format} frame has no size ({frame.Width}x{frame.Height})");
        long expected = (long)frame.Width * frame.Height * bytesPerPixel;
        if (frame.Length != expected)
            throw new InvalidDataException($"{frame.Format} frame {frame.Width}x{frame.Height} has {frame.Length} bytes, expected {expected}");
    }

    /// <summary>YUYV 4:2:2 (BT.601 limited range) to packed RGB, integer arithmetic.</summary>
    internal static void YuyvToRgb(ReadOnlySpan<byte> yuyv, Span<byte> rgb)
    {
        int pairs = yuyv.Length / 4;
        for (int i = 0; i < pairs; i++)
        {
            int y0 = yuyv[4 * i] - 16, u = yuyv[4 * i + 1] - 128, y1 = yuyv[4 * i + 2] - 16, v = yuyv[4 * i + 3] - 128;
            int rv = 409 * v, gu = -100 * u - 208 * v, bu = 516 * u;
            int c0 = 298 * y0, c1 = 298 * y1;
            var o = rgb.Slice(6 * i, 6);
            o[0] = Clamp((c0 + rv + 128) >> 8);
            o[1] = Clamp((c0 + gu + 128) >> 8);
            o[2] = Clamp((c0 + bu + 128) >> 8);
            o[3] = Clamp((c1 + rv + 128) >> 8);
            o[4] = Clamp((c1 + gu + 128) >> 8);
            o[5] = Clamp((c1 + bu + 128) >> 8);
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
