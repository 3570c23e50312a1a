using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Camera.Sources;

/// <summary>Range of the Y'CbCr samples in a YUYV frame.</summary>
public enum YuvRange
{
    /// <summary>"TV"/limited range: Y 16..235, Cb/Cr 16..240 (the V4L2 default for YUYV webcams).</summary>
    Limited,
    /// <summary>Full range: Y, Cb and Cr 0..255 (JFIF).</summary>
    Full,
}

/// <summary>Turns any <see cref="FrameBuffer"/> into an <see cref="RgbImage"/>, reusing the image's buffer.</summary>
public static class FrameDecoder
{
    /// <summary>
    /// Decodes <paramref name="frame"/> into <paramref name="into"/>: encoded images through
    /// <see cref="ImageDecoder.Decode"/>, YUYV with BT.601 limited range (see <see cref="Decode(FrameBuffer, RgbImage, YuvRange)"/>),
    /// RGB24 by copying. Throws <see cref="InvalidDataException"/> for a frame that cannot be decoded.
    /// </summary>
    public static void Decode(FrameBuffer frame, RgbImage into) => Decode(frame, into, YuvRange.Limited);

    /// <summary>
    /// As <see cref="Decode(FrameBuffer, RgbImage)"/>, choosing the YUYV range. YUYV uses BT.601 coefficients
    /// (Kr = 0.299, Kb = 0.114), which V4L2 defines as the default Y'CbCr encoding for the sRGB colorspace
    /// webcams report, and limited range is the default quantization there, hence the default.
    /// </summary>
    public static void Decode(FrameBuffer frame, RgbImage into, YuvRange yuvRange)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(into);
        switch (frame.Format)
        {
            case FrameFormat.Encoded:
                if (frame.Length == 0) throw new InvalidDataException($"frame {frame.FrameId} is empty");
                ImageDecoder.Decode(frame.Bytes, into);
                break;
            case FrameFormat.Yuyv:
                CheckRaw(frame, 2);
                if ((frame.Width & 1) != 0) throw new InvalidDataException($"YUYV frame {frame.FrameId} has an odd width ({frame.Width})");
                into.Reset(frame.Width, frame.Height);
                YuyvToRgb(frame.Bytes, into.Pixels, frame.Width * frame.Height, yuvRange);
                break;
            case FrameFormat.Rgb24:
                CheckRaw(frame, 3);
                into.Reset(frame.Width, frame.Height);
                frame.Bytes[..(frame.Width * frame.Height * 3)].CopyTo(into.Pixels);
                break;
            default:
                throw new InvalidDataException($"frame {frame.FrameId} has unknown format {frame.Format}");
        }
    }

    private static void CheckRaw(FrameBuffer frame, int bytesPerPixel)
    {
        if (frame.Width is <= 0 or > 16384 || frame.Height is <= 0 or > 16384)
            throw new InvalidDataException($"{frame.Format} frame {frame.FrameId} has an invalid size {frame.Width}x{frame.Height}");
        long needed = (long)frame.Width * frame.Height * bytesPerPixel;
        if (frame.Length < needed)
            throw new InvalidDataException($"{frame.Format} frame {frame.FrameId} is {frame.Length} bytes; {frame.Width}x{frame.Height} needs {needed}");
    }

    /// <summary>
    /// Converts packed YUYV (Y0 U Y1 V per pixel pair) to RGB24 with integer math.
    /// Limited range (8-bit fraction, as in ITU-R BT.601 studio swing):
    /// C = Y-16, D = U-128, E = V-128; R = (298C + 409E + 128) >> 8; G = (298C - 100D - 208E + 128) >> 8; B = (298C + 516D + 128) >> 8.
    /// Full range (16-bit fraction, JFIF): R = Y + 1.402E, G = Y - 0.344136D - 0.714136E, B = Y + 1.772D, rounded.
    /// Results are clamped to 0..255.
    /// </summary>
    /// <param name="pixels">Pixel count (even).</param>
    public static void YuyvToRgb(ReadOnlySpan<byte> yuyv, Span<byte> rgb, int pixels, YuvRange range = YuvRange.Limited)
    {
        if ((pixels & 1) != 0) throw new ArgumentException("YUYV holds pixel pairs: the pixel count must be even", nameof(pixels));
        if (yuyv.Length < pixels * 2) throw new ArgumentException("YUYV buffer is too small", nameof(yuyv));
        if (rgb.Length < pixels * 3) throw new ArgumentException("RGB buffer is too small", nameof(rgb));
        yuyv = yuyv[..(pixels * 2)];
        rgb = rgb[..(pixels * 3)];
        int o = 0;
        if (range == YuvRange.Limited)
        {
            for (int i = 0; i < yuyv.Length; i += 4, o += 6)
            {
                int d = yuyv[i + 1] - 128, e = yuyv[i + 3] - 128;
                int rc = 409 * e + 128, gc = -100 * d - 208 * e + 128, bc = 516 * d + 128;
                int c0 = 298 * (yuyv[i] - 16), c1 = 298 * (yuyv[i + 2] - 16);
                rgb[o] = Clamp((c0 + rc) >> 8);
                rgb[o + 1] = Clamp((c0 + gc) >> 8);
                rgb[o + 2] = Clamp((c0 + bc) >> 8);
                rgb[o + 3] = Clamp((c1 + rc) >> 8);
                rgb[o + 4] = Clamp((c1 + gc) >> 8);
                rgb[o + 5] = Clamp((c1 + bc) >> 8);
            }
        }
        else
        {
            for (int i = 0; i < yuyv.Length; i += 4, o += 6)
            {
                int d = yuyv[i + 1] - 128, e = yuyv[i + 3] - 128;
                int rc = (91881 * e + 32768) >> 16, gc = (-22554 * d - 46802 * e + 32768) >> 16, bc = (116130 * d + 32768) >> 16;
                int y0 = yuyv[i], y1 = yuyv[i + 2];
                rgb[o] = Clamp(y0 + rc);
                rgb[o + 1] = Clamp(y0 + gc);
                rgb[o + 2] = Clamp(y0 + bc);
                rgb[o + 3] = Clamp(y1 + rc);
                rgb[o + 4] = Clamp(y1 + gc);
                rgb[o + 5] = Clamp(y1 + bc);
            }
        }
    }

    private static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
}
