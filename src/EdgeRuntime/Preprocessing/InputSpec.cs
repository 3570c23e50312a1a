namespace EdgeRuntime.Preprocessing;

/// <summary>Element type of a model's image input tensor.</summary>
internal enum InputElementType
{
    Float32,
    UInt8,
    Int8,
}

/// <summary>How an image is fitted onto the model's input canvas.</summary>
internal enum FitMode
{
    /// <summary>
    /// Image at the top-left of the canvas at its own size; the rest holds the pad value (DeepLab's eval protocol,
    /// the golden outputs' 513x513 preprocessing). Images larger than the canvas are first downscaled, keeping
    /// aspect ratio, so the longer side fits (bilinear, align_corners=True), then placed top-left.
    /// </summary>
    PadTopLeft,
    /// <summary>The whole image resized to the input size (bilinear, align_corners=True), aspect ratio not kept.</summary>
    Resize,
    /// <summary>Aspect-preserving resize (up or down) so the image fits, centred, the rest padded.</summary>
    Letterbox,
}

/// <summary>
/// Describes a model's image input: size, element type, quantization and the real-value range pixels 0..255 map to.
/// </summary>
/// <remarks>
/// A pixel p becomes the real value <c>v = RangeMin + p * (RangeMax - RangeMin) / 255</c>; for the usual [-1, 1] range
/// that is exactly <c>p / 127.5f - 1f</c> in float32. Quantized inputs store <c>clamp(round_half_away(v / Scale) + ZeroPoint)</c>
/// computed in float32 as TFLite's QUANTIZE op does.
/// The padding holds the real value <see cref="PadValue"/> (default 0.0, the normalised mean pixel; for uint8 inputs
/// with zero point 128 that is byte 128).
/// </remarks>
internal sealed record InputSpec
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required InputElementType ElementType { get; init; }
    /// <summary>Quantization scale (ignored for float input).</summary>
    public float Scale { get; init; } = 1f;
    /// <summary>Quantization zero point (ignored for float input).</summary>
    public int ZeroPoint { get; init; }
    /// <summary>Real value of pixel 0.</summary>
    public float RangeMin { get; init; } = -1f;
    /// <summary>Real value of pixel 255.</summary>
    public float RangeMax { get; init; } = 1f;
    /// <summary>Real value of the padding (0.0 = normalised mean pixel).</summary>
    public float PadValue { get; init; }

    public int ElementSize => ElementType == InputElementType.Float32 ? 4 : 1;

    /// <summary>Bytes of the [1, Height, Width, 3] input tensor.</summary>
    public int TensorBytes => checked(Width * Height * 3 * ElementSize);

    /// <summary>A float32 input; pixels map linearly onto [min, max] (default [-1, 1], i.e. <c>p / 127.5 - 1</c>).</summary>
    public static InputSpec Float32(int width, int height, float rangeMin = -1f, float rangeMax = 1f) =>
        new() { Width = width, Height = height, ElementType = InputElementType.Float32, RangeMin = rangeMin, RangeMax = rangeMax };

    /// <summary>
    /// A quantized input. Without an explicit range, pixels span the full quantized domain, so uint8 pixel p is
    /// stored as p (for the Coral models, scale 1/128 zero point 128: real range [-1, 127/128]) and int8 as p - 128.
    /// </summary>
    public static InputSpec Quantized(int width, int height, InputElementType type, float scale, int zeroPoint,
        float? rangeMin = null, float? rangeMax = null)
    {
        if (type == InputElementType.Float32) throw new ArgumentException("use Float32() for float inputs", nameof(type));
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), "scale must be positive");
        int qmin = type == InputElementType.UInt8 ? 0 : -128;
        return new InputSpec
        {
            Width = width,
            Height = height,
            ElementType = type,
            Scale = scale,
            ZeroPoint = zeroPoint,
            RangeMin = rangeMin ?? (float)((qmin - zeroPoint) * (double)scale),
            RangeMax = rangeMax ?? (float)((qmin + 255 - zeroPoint) * (double)scale),
        };
    }

    internal void Validate()
    {
        if (Width <= 0 || Height <= 0 || Width > 16384 || Height > 16384)
            throw new ArgumentOutOfRangeException(nameof(Width), $"input size {Width}x{Height} is out of range");
        if (!(RangeMax > RangeMin)) throw new ArgumentOutOfRangeException(nameof(RangeMax), "RangeMax must exceed RangeMin");
        if (ElementType != InputElementType.Float32 && (!(Scale > 0) || !float.IsFinite(Scale)))
            throw new ArgumentOutOfRangeException(nameof(Scale), "quantization scale must be positive");
    }
}

/// <summary>A rectangle in model-input coordinates that holds the (possibly resized) image.</summary>
internal readonly record struct ImageRegion(int X, int Y, int Width, int Height);
