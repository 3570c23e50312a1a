namespace EdgeRuntime.Camera.Imaging;

/// <summary>Decodes JPEG, PNG and BMP into an <see cref="RgbImage"/>. (Being written.)</summary>
public static class ImageDecoder
{
    /// <summary>Decodes into <paramref name="into"/>, reusing its buffer. Throws <see cref="InvalidDataException"/> for a corrupt or unknown image.</summary>
    public static void Decode(ReadOnlySpan<byte> encoded, RgbImage into) => throw new NotImplementedException();
}
