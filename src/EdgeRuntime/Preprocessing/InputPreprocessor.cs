using System.Runtime.InteropServices;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Preprocessing;

/// <summary>
/// Writes an <see cref="RgbImage"/> into a caller-provided [1, H, W, 3] input tensor: fit (pad / resize / letterbox),
/// normalise and quantize through a 256-entry table built once. After the first frame of a given size nothing is
/// allocated. Not thread-safe (it caches resize coefficients): one instance per thread.
/// </summary>
/// <remarks>
/// Resizing is bilinear with align_corners=True (source coordinate = dst * (src - 1) / (dst - 1), computed in double).
/// Float inputs interpolate the normalised values; quantized inputs interpolate pixel values, round to the nearest
/// integer pixel (as an 8-bit resized image would be) and then use the quantization table.
/// </remarks>
internal sealed class InputPreprocessor
{
    private readonly float[] _floatLut = new float[256];
    private readonly byte[] _quantLut = new byte[256];
    private readonly float _floatPad;
    private readonly FloatResizer _floatResizer;
    private readonly byte _quantPad;

    // Resize coefficients for the current (source size -> region size).
    private int _cacheSrcW = -1, _cacheSrcH = -1, _cacheDstW = -1, _cacheDstH = -1;
    private int[] _x0 = [], _x1 = [], _y0 = [], _y1 = [];
    private float[] _fx = [], _fy = [];

    public InputPreprocessor(InputSpec spec, FitMode mode) : this(spec, mode, FloatResizer.BestVectorBits) { }

    /// <summary>As the public constructor, with the float resize's vector width pinned (tests run each width).</summary>
    internal InputPreprocessor(InputSpec spec, FitMode mode, int vectorBits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("little-endian hosts only");
        Spec = spec;
        Mode = mode;

        // float32 exactly as p / (255 / (max - min)) + min: for [-1, 1] this is bit-identical to p / 127.5f - 1f.
        float divisor = 255f / (spec.RangeMax - spec.RangeMin);
        for (int p = 0; p < 256; p++)
            _floatLut[p] = p / divisor + spec.RangeMin;
        _floatPad = spec.PadValue;
        _floatResizer = new FloatResizer(_floatLut, divisor, spec.RangeMin, vectorBits);

        if (spec.ElementType != InputElementType.Float32)
        {
            for (int p = 0; p < 256; p++)
                _quantLut[p] = Quantize(_floatLut[p], spec);
            _quantPad = Quantize(spec.PadValue, spec);
        }
    }

    public InputSpec Spec { get; }
    public FitMode Mode { get; }

    /// <summary>The value table: the tensor element written for each pixel value (as raw bytes for uint8/int8).</summary>
    public ReadOnlySpan<byte> QuantizedTable => _quantLut;

    /// <summary>How the float resize turns pixels into values (tests: a vector width must not fall back to the table).</summary>
    internal FloatResizer.ToFloat FloatConversion => _floatResizer.Conversion;

    /// <summary>The float value written for each pixel value (float inputs).</summary>
    public ReadOnlySpan<float> FloatTable => _floatLut;

    /// <summary>
    /// TFLite's QUANTIZE arithmetic: float32 <c>round_half_away(v / scale) + zero_point</c>, clamped. The table therefore
    /// equals feeding the float-normalised image through a QUANTIZE op.
    /// </summary>
    private static byte Quantize(float real, InputSpec spec)
    {
        float scaled = real / spec.Scale;
        int q = (int)MathF.Round(scaled, MidpointRounding.AwayFromZero) + spec.ZeroPoint;
        int lo = spec.ElementType == InputElementType.UInt8 ? 0 : -128;
        return unchecked((byte)Math.Clamp(q, lo, lo + 255));
    }

    /// <summary>Where an image of the given size lands on the canvas for this spec and mode.</summary>
    public ImageRegion ComputeRegion(int imageWidth, int imageHeight)
    {
        if (imageWidth <= 0 || imageHeight <= 0) throw new ArgumentOutOfRangeException(nameof(imageWidth));
        int cw = Spec.Width, ch = Spec.Height;
        switch (Mode)
        {
            case FitMode.Resize:
                return new ImageRegion(0, 0, cw, ch);
            case FitMode.PadTopLeft:
                if (imageWidth <= cw && imageHeight <= ch) return new ImageRegion(0, 0, imageWidth, imageHeight);
                {
                    var (w, h) = FitSize(imageWidth, imageHeight, cw, ch);
                    return new ImageRegion(0, 0, w, h);
                }
            case FitMode.Letterbox:
                {
                    var (w, h) = FitSize(imageWidth, imageHeight, cw, ch);
                    return new ImageRegion((cw - w) / 2, (ch - h) / 2, w, h);
                }
            default:
                throw new InvalidOperationException($"unknown fit mode {Mode}");
        }
    }

    /// <summary>Largest aspect-preserving size (rounded, at least 1) that fits the canvas.</summary>
    private static (int W, int H) FitSize(int w, int h, int cw, int ch)
    {
        double s = Math.Min((double)cw / w, (double)ch / h);
        int nw = Math.Clamp((int)Math.Round(w * s, MidpointRounding.AwayFromZero), 1, cw);
        int nh = Math.Clamp((int)Math.Round(h * s, MidpointRounding.AwayFromZero), 1, ch);
        return (nw, nh);
    }

    /// <summary>
    /// Fills <paramref name="tensor"/> (at least <see cref="InputSpec.TensorBytes"/> bytes, [1, H, W, 3] row-major,
    /// little-endian float32 or raw uint8/int8) from <paramref name="image"/>. Returns the region holding the image.
    /// </summary>
    public ImageRegion Process(RgbImage image, Span<byte> tensor)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (tensor.Length < Spec.TensorBytes)
            throw new ArgumentException($"tensor holds {tensor.Length} bytes, {Spec.TensorBytes} needed", nameof(tensor));
        ImageRegion r = ComputeRegion(image.Width, image.Height);
        bool direct = r.Width == image.Width && r.Height == image.Height;
        if (!direct) PrepareResize(image.Width, image.Height, r.Width, r.Height);

        if (Spec.ElementType == InputElementType.Float32)
            ProcessFloat(image, MemoryMarshal.Cast<byte, float>(tensor[..Spec.TensorBytes]), r, direct);
        else
            ProcessQuantized(image, tensor[..Spec.TensorBytes], r, direct);
        return r;
    }

    private void ProcessFloat(RgbImage image, Span<float> t, ImageRegion r, bool direct)
    {
        if (direct)
        {
            Fill(image, t, r, direct, new FloatPixels(_floatLut), _floatPad);
            return;
        }
        // Resized float input (e.g. the 257 model's whole image): the separable resizer, same values as FloatPixels.Bilinear.
        _floatResizer.NewFrame();
        int cw = Spec.Width, ch = Spec.Height, rowLen = cw * 3;
        for (int y = 0; y < ch; y++)
        {
            Span<float> row = t.Slice(y * rowLen, rowLen);
            if (y < r.Y || y >= r.Y + r.Height)
            {
                row.Fill(_floatPad);
                continue;
            }
            row[..(r.X * 3)].Fill(_floatPad);
            row[((r.X + r.Width) * 3)..].Fill(_floatPad);
            _floatResizer.Row(image, r.Width, r.Height, y - r.Y, row.Slice(r.X * 3, r.Width * 3));
        }
    }

    private void ProcessQuantized(RgbImage image, Span<byte> t, ImageRegion r, bool direct) =>
        Fill(image, t, r, direct, new QuantizedPixels(_quantLut), _quantPad);

    /// <summary>
    /// The canvas, row by row: padding outside the region, the image (copied or bilinearly resized) inside it.
    /// One loop for every element type; <typeparamref name="TPixels"/> says how a source pixel becomes a value.
    /// </summary>
    private void Fill<T, TPixels>(RgbImage image, Span<T> t, ImageRegion r, bool direct, TPixels pixels, T pad)
        where T : unmanaged
        where TPixels : struct, IPixelMapping<T>
    {
        int cw = Spec.Width, ch = Spec.Height, rowLen = cw * 3;
        ReadOnlySpan<byte> src = image.Pixels;
        for (int y = 0; y < ch; y++)
        {
            Span<T> row = t.Slice(y * rowLen, rowLen);
            if (y < r.Y || y >= r.Y + r.Height)
            {
                row.Fill(pad);
                continue;
            }
            row[..(r.X * 3)].Fill(pad);
            row[((r.X + r.Width) * 3)..].Fill(pad);
            Span<T> dst = row.Slice(r.X * 3, r.Width * 3);
            int ry = y - r.Y;
            if (direct)
            {
                ReadOnlySpan<byte> s = src.Slice(ry * image.Width * 3, r.Width * 3);
                for (int i = 0; i < s.Length; i++) dst[i] = pixels.Map(s[i]);
                continue;
            }
            int sw3 = image.Width * 3;
            ReadOnlySpan<byte> top = src.Slice(_y0[ry] * sw3, sw3), bottom = src.Slice(_y1[ry] * sw3, sw3);
            float fy = _fy[ry];
            for (int x = 0; x < r.Width; x++)
            {
                int a = _x0[x], b = _x1[x];
                float fx = _fx[x];
                for (int c = 0; c < 3; c++)
                    dst[x * 3 + c] = pixels.Bilinear(top[a + c], top[b + c], bottom[a + c], bottom[b + c], fx, fy);
            }
        }
    }

    private interface IPixelMapping<T>
    {
        T Map(byte pixel);
        T Bilinear(byte tl, byte tr, byte bl, byte br, float fx, float fy);
    }

    /// <summary>Float inputs interpolate the normalised values.</summary>
    private readonly struct FloatPixels(float[] lut) : IPixelMapping<float>
    {
        public float Map(byte pixel) => lut[pixel];

        public float Bilinear(byte tl, byte tr, byte bl, byte br, float fx, float fy)
        {
            float a = lut[tl], b = lut[tr], c = lut[bl], d = lut[br];
            float tv = a + (b - a) * fx, bv = c + (d - c) * fx;
            return tv + (bv - tv) * fy;
        }
    }

    /// <summary>Quantized inputs interpolate pixels, round to a whole pixel, then quantize through the table.</summary>
    private readonly struct QuantizedPixels(byte[] lut) : IPixelMapping<byte>
    {
        public byte Map(byte pixel) => lut[pixel];

        public byte Bilinear(byte tl, byte tr, byte bl, byte br, float fx, float fy)
        {
            float tv = tl + (tr - (float)tl) * fx, bv = bl + (br - (float)bl) * fx;
            int p = (int)(tv + (bv - tv) * fy + 0.5f);
            return lut[Math.Clamp(p, 0, 255)];
        }
    }

    private void PrepareResize(int srcW, int srcH, int dstW, int dstH)
    {
        if (srcW == _cacheSrcW && srcH == _cacheSrcH && dstW == _cacheDstW && dstH == _cacheDstH) return;
        if (_x0.Length < dstW) { _x0 = new int[dstW]; _x1 = new int[dstW]; _fx = new float[dstW]; }
        if (_y0.Length < dstH) { _y0 = new int[dstH]; _y1 = new int[dstH]; _fy = new float[dstH]; }
        FillAxis(srcW, dstW, _x0, _x1, _fx, 3);
        FillAxis(srcH, dstH, _y0, _y1, _fy, 1);
        (_cacheSrcW, _cacheSrcH, _cacheDstW, _cacheDstH) = (srcW, srcH, dstW, dstH);
    }

    /// <summary>align_corners=True sampling positions; indices pre-multiplied by <paramref name="stride"/>.</summary>
    internal static void FillAxis(int src, int dst, int[] i0, int[] i1, float[] f, int stride)
    {
        double scale = dst > 1 ? (src - 1) / (double)(dst - 1) : 0.0;
        for (int i = 0; i < dst; i++)
        {
            double pos = i * scale;
            int lo = Math.Min((int)Math.Floor(pos), src - 1);
            int hi = Math.Min(lo + 1, src - 1);
            i0[i] = lo * stride;
            i1[i] = hi * stride;
            f[i] = (float)(pos - lo);
        }
    }
}
