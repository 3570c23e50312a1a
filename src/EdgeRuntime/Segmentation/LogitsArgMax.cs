using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Kernels;
using EdgeRuntime.Preprocessing;

namespace EdgeRuntime.Segmentation;

/// <summary>
/// Fused bilinear upsample (align_corners=True, coordinates and interpolation in double) + argmax (first maximum wins)
/// from low-resolution logits [h, w, C] (row-major, channels last) straight to a byte class map, without
/// materialising full-size logits. Per-axis sampling tables are built once per geometry and reused; two row buffers
/// (output width x C doubles) hold horizontally interpolated source rows. After the first call with a given geometry
/// nothing is allocated. Not thread-safe: one instance per thread.
/// </summary>
/// <remarks>
/// Quantized logits (uint8/int8) are interpolated as their raw integer values: with a positive scale the affine
/// dequantization preserves the argmax of the interpolated values, so no scale/zero point is needed.
/// </remarks>
internal sealed class LogitsArgMax
{
    /// <summary>Class maps are bytes: at most 256 classes.</summary>
    private const int MaxClasses = 256;

    private readonly Axis _xAxis = new(), _yAxis = new();
    private readonly KernelIsa _isa;
    private double[] _row0 = [], _row1 = [];
    private byte[] _winners = [], _h0 = [], _h1 = [];

    /// <summary>Interpolate every class of every pixel (the definition; tests compare the clear-winner path with it).</summary>
    internal bool AllClasses { get; set; }

    /// <summary>Clear winners (<see cref="ClearWinners"/>) on the active kernel variant.</summary>
    public LogitsArgMax() : this(KernelDispatcher.Active) { }

    /// <summary>Clear winners on <paramref name="isa"/> (tests pin each variant; the class map is the same on all).</summary>
    public LogitsArgMax(KernelIsa isa) => _isa = KernelDispatcher.Require(isa);

    /// <summary>
    /// Use (i): logits of a whole <paramref name="canvasHeight"/> x <paramref name="canvasWidth"/> model canvas
    /// (e.g. 65x65 for 513x513) upsampled to canvas coordinates, computing only <paramref name="crop"/>
    /// (e.g. the top-left HxW that holds the image). <paramref name="classMap"/> gets crop.Width * crop.Height bytes.
    /// </summary>
    public void UpsampleCrop(ReadOnlySpan<float> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion crop, Span<byte> classMap) =>
        Run(logits, height, width, classes, canvasHeight, canvasWidth, crop, crop.Height, crop.Width, classMap);

    /// <inheritdoc cref="UpsampleCrop(ReadOnlySpan{float}, int, int, int, int, int, ImageRegion, Span{byte})"/>
    public void UpsampleCrop(ReadOnlySpan<byte> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion crop, Span<byte> classMap) =>
        Run(logits, height, width, classes, canvasHeight, canvasWidth, crop, crop.Height, crop.Width, classMap);

    /// <inheritdoc cref="UpsampleCrop(ReadOnlySpan{float}, int, int, int, int, int, ImageRegion, Span{byte})"/>
    public void UpsampleCrop(ReadOnlySpan<sbyte> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion crop, Span<byte> classMap) =>
        Run(logits, height, width, classes, canvasHeight, canvasWidth, crop, crop.Height, crop.Width, classMap);

    /// <summary>
    /// Use (ii): logits of a whole image resized to the model input (e.g. 257x257) resized straight back to
    /// <paramref name="outHeight"/> x <paramref name="outWidth"/> (align_corners=True) and arg-maxed.
    /// </summary>
    public void Resize(ReadOnlySpan<float> logits, int height, int width, int classes, int outHeight, int outWidth, Span<byte> classMap) =>
        Run(logits, height, width, classes, outHeight, outWidth, new ImageRegion(0, 0, outWidth, outHeight), outHeight, outWidth, classMap);

    /// <inheritdoc cref="Resize(ReadOnlySpan{float}, int, int, int, int, int, Span{byte})"/>
    public void Resize(ReadOnlySpan<byte> logits, int height, int width, int classes, int outHeight, int outWidth, Span<byte> classMap) =>
        Run(logits, height, width, classes, outHeight, outWidth, new ImageRegion(0, 0, outWidth, outHeight), outHeight, outWidth, classMap);

    /// <inheritdoc cref="Resize(ReadOnlySpan{float}, int, int, int, int, int, Span{byte})"/>
    public void Resize(ReadOnlySpan<sbyte> logits, int height, int width, int classes, int outHeight, int outWidth, Span<byte> classMap) =>
        Run(logits, height, width, classes, outHeight, outWidth, new ImageRegion(0, 0, outWidth, outHeight), outHeight, outWidth, classMap);

    /// <summary>
    /// General form, for letterboxed or downscaled inputs: the logits cover a canvas; <paramref name="region"/> of that
    /// canvas holds the image, which is mapped back (align_corners=True) to <paramref name="outHeight"/> x
    /// <paramref name="outWidth"/> (the original image size). With outHeight/outWidth equal to the region size this is
    /// <see cref="UpsampleCrop(ReadOnlySpan{float}, int, int, int, int, int, ImageRegion, Span{byte})"/>.
    /// </summary>
    public void UpsampleRegion(ReadOnlySpan<float> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion region, int outHeight, int outWidth, Span<byte> classMap) =>
        Run(logits, height, width, classes, canvasHeight, canvasWidth, region, outHeight, outWidth, classMap);

    /// <inheritdoc cref="UpsampleRegion(ReadOnlySpan{float}, int, int, int, int, int, ImageRegion, int, int, Span{byte})"/>
    public void UpsampleRegion(ReadOnlySpan<byte> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion region, int outHeight, int outWidth, Span<byte> classMap) =>
        Run(logits, height, width, classes, canvasHeight, canvasWidth, region, outHeight, outWidth, classMap);

    /// <inheritdoc cref="UpsampleRegion(ReadOnlySpan{float}, int, int, int, int, int, ImageRegion, int, int, Span{byte})"/>
    public void UpsampleRegion(ReadOnlySpan<sbyte> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion region, int outHeight, int outWidth, Span<byte> classMap) =>
        Run(logits, height, width, classes, canvasHeight, canvasWidth, region, outHeight, outWidth, classMap);

    /// <summary>
    /// For models whose output is already class ids (ARG_MAX, [height, width] int64): copies <paramref name="crop"/>
    /// into the class map. Ids outside 0..255 are rejected.
    /// </summary>
    public static void CropClassIds(ReadOnlySpan<long> ids, int height, int width, ImageRegion crop, Span<byte> classMap) =>
        CropIds(ids, height, width, crop, classMap);

    /// <inheritdoc cref="CropClassIds(ReadOnlySpan{long}, int, int, ImageRegion, Span{byte})"/>
    public static void CropClassIds(ReadOnlySpan<int> ids, int height, int width, ImageRegion crop, Span<byte> classMap) =>
        CropIds(ids, height, width, crop, classMap);

    private static void CropIds<T>(ReadOnlySpan<T> ids, int height, int width, ImageRegion crop, Span<byte> classMap)
        where T : unmanaged, IBinaryInteger<T>
    {
        CheckRegion(crop, height, width);
        if (ids.Length < (long)height * width) throw new ArgumentException($"id tensor holds {ids.Length} values, {height * width} needed", nameof(ids));
        if (classMap.Length < crop.Width * crop.Height) throw new ArgumentException("class map is smaller than the crop", nameof(classMap));
        for (int y = 0; y < crop.Height; y++)
        {
            ReadOnlySpan<T> src = ids.Slice((crop.Y + y) * width + crop.X, crop.Width);
            Span<byte> dst = classMap.Slice(y * crop.Width, crop.Width);
            for (int x = 0; x < src.Length; x++)
            {
                T v = src[x];
                if (v < T.Zero || v > T.CreateTruncating(255)) throw new InvalidDataException($"class id {v} at ({crop.X + x}, {crop.Y + y}) is outside 0..255");
                dst[x] = byte.CreateTruncating(v);
            }
        }
    }

    private static void CheckRegion(ImageRegion r, int height, int width)
    {
        if (r.X < 0 || r.Y < 0 || r.Width <= 0 || r.Height <= 0 || r.X + r.Width > width || r.Y + r.Height > height)
            throw new ArgumentOutOfRangeException(nameof(r), $"region {r} is outside the {width}x{height} canvas");
    }

    private void Run<T>(ReadOnlySpan<T> logits, int height, int width, int classes,
        int canvasHeight, int canvasWidth, ImageRegion region, int outHeight, int outWidth, Span<byte> classMap)
        where T : unmanaged, INumberBase<T>
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "logit size must be positive");
        if (classes <= 0 || classes > MaxClasses) throw new ArgumentOutOfRangeException(nameof(classes), "class count must be 1..256");
        if (outHeight <= 0 || outWidth <= 0) throw new ArgumentOutOfRangeException(nameof(outHeight), "output size must be positive");
        CheckRegion(region, canvasHeight, canvasWidth);
        if (logits.Length < (long)height * width * classes)
            throw new ArgumentException($"logit tensor holds {logits.Length} values, {(long)height * width * classes} needed", nameof(logits));
        if (classMap.Length < (long)outHeight * outWidth)
            throw new ArgumentException($"class map holds {classMap.Length} bytes, {(long)outHeight * outWidth} needed", nameof(classMap));

        _xAxis.Prepare(width, canvasWidth, region.X, region.Width, outWidth);
        _yAxis.Prepare(height, canvasHeight, region.Y, region.Height, outHeight);
        if (classes < ClearWinners.None && !AllClasses) RunByWinners(logits, height, width, classes, outHeight, outWidth, classMap);
        else RunAllClasses(logits, width, classes, outHeight, outWidth, classMap);
    }

    /// <summary>
    /// Clear winners of the source pixels (<see cref="ClearWinners"/>); an output pixel whose weighted corners share one
    /// takes it, the others (class boundaries) get <see cref="ExactPixel{T}"/>, the same arithmetic as
    /// <see cref="RunAllClasses{T}"/>. Corners with weight 0 (fx or fy exactly 0) do not take part, as there.
    /// </summary>
    private void RunByWinners<T>(ReadOnlySpan<T> logits, int height, int width, int classes, int outHeight, int outWidth, Span<byte> classMap)
        where T : unmanaged, INumberBase<T>
    {
        int pixels = height * width;
        if (_winners.Length < pixels) _winners = new byte[pixels];
        if (_h0.Length < outWidth) { _h0 = new byte[outWidth]; _h1 = new byte[outWidth]; }
        ClearWinners.Compute(_isa, logits, pixels, classes, _winners);
        int exactBits = ExactVectorBits<T>(_isa, classes);
        // The mixed logits of one boundary pixel (a whole vector more, for the overlapping last vector's store).
        // Sized by the constant class limit (Run refuses more than 256 classes): a model never sizes a stackalloc.
        Span<double> mix = exactBits == 0 ? default : stackalloc double[MaxClasses + 8];
        byte[] h0 = _h0, h1 = _h1;
        int h0Src = -1, h1Src = -1;
        for (int y = 0; y < outHeight; y++)
        {
            int sy0 = _yAxis.I0[y], sy1 = _yAxis.I1[y];
            double fy = _yAxis.F[y];
            if (h0Src != sy0)
            {
                if (h1Src == sy0) { (h0, h1) = (h1, h0); (h0Src, h1Src) = (h1Src, h0Src); }
                else { WinnerRow(sy0, width, outWidth, h0); h0Src = sy0; }
            }
            Span<byte> dst = classMap.Slice(y * outWidth, outWidth);
            if (fy == 0) h0.AsSpan(0, outWidth).CopyTo(dst);
            else
            {
                if (h1Src != sy1) { WinnerRow(sy1, width, outWidth, h1); h1Src = sy1; }
                AgreeOrNone(h0, h1, dst);
            }
            for (int x = dst.IndexOf(ClearWinners.None); x >= 0; )
            {
                dst[x] = exactBits == 0 ? ExactPixel(logits, width, classes, sy0, sy1, fy, x)
                    : ExactPixelVector(MemoryMarshal.Cast<T, float>(logits), width, classes, sy0, sy1, fy, x, exactBits, mix);
                int next = dst[(x + 1)..].IndexOf(ClearWinners.None);
                x = next < 0 ? -1 : x + 1 + next;
            }
        }
        (_h0, _h1) = (h0, h1);
    }

    /// <summary>Per output column, the winner both weighted corners of source row <paramref name="sy"/> share, else None.</summary>
    private void WinnerRow(int sy, int width, int outWidth, byte[] row)
    {
        ReadOnlySpan<byte> w = _winners.AsSpan(sy * width, width);
        int[] i0 = _xAxis.I0, i1 = _xAxis.I1Weighted;
        int x = 0;
        if (_isa != KernelIsa.Reference && _xAxis.BlockStart.Length > 0)
        {
            // pair[i]: the winner source columns i and i + 1 share (i + 1 clamped to the last), what a weighted column
            // pair gives; then each 16-column block whose pairs lie within 16 source columns is one byte shuffle.
            if (_pair.Length < width + 16) _pair = new byte[width + 16];
            PairWinners(w, _pair);
            ref byte pr = ref _pair[0], dst = ref row[0];
            int[] start = _xAxis.BlockStart;
            byte[] index = _xAxis.BlockIndex;
            for (int b = 0; b < start.Length; b++)
            {
                int s0 = start[b];
                if (s0 < 0) Scalar(w, i0, i1, row, b * 16, b * 16 + 16);
                else Vector128.Shuffle(Vector128.LoadUnsafe(ref pr, (nuint)s0), Vector128.LoadUnsafe(ref index[0], (nuint)(b * 16)))
                    .StoreUnsafe(ref dst, (nuint)(b * 16));
            }
            x = start.Length * 16;
        }
        Scalar(w, i0, i1, row, x, outWidth);

        static void Scalar(ReadOnlySpan<byte> w, int[] i0, int[] i1, byte[] row, int from, int to)
        {
            for (int x = from; x < to; x++)
            {
                byte a = w[i0[x]], b = w[i1[x]];
                row[x] = a == b ? a : ClearWinners.None;
            }
        }
    }

    private byte[] _pair = [];

    /// <summary>pair[i] = w[i] == w[i + 1] ? w[i] : None, and pair[last] = w[last].</summary>
    private static void PairWinners(ReadOnlySpan<byte> w, byte[] pair)
    {
        int n = w.Length - 1, i = 0;
        ref byte pw = ref MemoryMarshal.GetReference(w), pp = ref pair[0];
        for (; i + 16 <= n; i += 16)
        {
            // Loads w[i..i+16] (i + 16 <= n = last index): in range.
            Vector128<byte> a = Vector128.LoadUnsafe(ref pw, (nuint)i), b = Vector128.LoadUnsafe(ref pw, (nuint)(i + 1));
            Vector128.ConditionalSelect(Vector128.Equals(a, b), a, Vector128<byte>.AllBitsSet).StoreUnsafe(ref pp, (nuint)i);
        }
        for (; i < n; i++) pair[i] = w[i] == w[i + 1] ? w[i] : ClearWinners.None;
        pair[n] = w[n];
    }

    private static void AgreeOrNone(byte[] a, byte[] b, Span<byte> dst)
    {
        int n = dst.Length, x = 0;
        ref byte pa = ref a[0], pb = ref b[0], pd = ref dst[0];
        for (; x + 16 <= n; x += 16)
        {
            Vector128<byte> va = Vector128.LoadUnsafe(ref pa, (nuint)x), vb = Vector128.LoadUnsafe(ref pb, (nuint)x);
            Vector128.ConditionalSelect(Vector128.Equals(va, vb), va, Vector128<byte>.AllBitsSet).StoreUnsafe(ref pd, (nuint)x);
        }
        for (; x < n; x++) dst[x] = a[x] == b[x] ? a[x] : ClearWinners.None;
    }

    /// <summary>
    /// Vector width of the boundary pixels' interpolation (<see cref="ExactPixelVector"/>): float logits on a vector
    /// variant (as <see cref="ClearWinners.VectorBits"/>), else 0 (scalar <see cref="ExactPixel{T}"/>).
    /// </summary>
    internal static int ExactVectorBits<T>(KernelIsa isa, int classes) => typeof(T) == typeof(float) ? ClearWinners.VectorBits(isa, classes) : 0;

    /// <summary>
    /// <see cref="ExactPixel{T}"/> for float logits with the classes in double vectors: each lane does the same double
    /// operations in the same order (no fused multiply-add), the arg-max stays a scalar first-maximum scan.
    /// </summary>
    private byte ExactPixelVector(ReadOnlySpan<float> logits, int width, int classes, int sy0, int sy1, double fy, int x, int bits, Span<double> mix)
    {
        double fx = _xAxis.F[x];
        int rowLen = width * classes;
        int a0 = sy0 * rowLen + _xAxis.I0[x] * classes, b0 = sy0 * rowLen + _xAxis.I1[x] * classes;
        int a1 = sy1 * rowLen + _xAxis.I0[x] * classes, b1 = sy1 * rowLen + _xAxis.I1[x] * classes;
        if (Math.Max(Math.Max(a0, b0), Math.Max(a1, b1)) + classes > logits.Length || mix.Length < classes) throw new InvalidOperationException("pixel outside the logits");
        ref float l = ref MemoryMarshal.GetReference(logits);
        ref double m = ref MemoryMarshal.GetReference(mix);
        if (bits == 256)
        {
            // Whole vectors of 8 classes, the last one overlapping the one before (classes >= 8): it rewrites the same values.
            Vector256<double> vfx = Vector256.Create(fx), vgx = Vector256.Create(1.0 - fx), vfy = Vector256.Create(fy), vgy = Vector256.Create(1.0 - fy);
            for (int k = 0; ; k = Math.Min(k + 8, classes - 8))
            {
                var (o0l, o0u) = Mix256(ref l, a0 + k, b0 + k, fx, vgx, vfx);
                if (fy != 0)
                {
                    var (o1l, o1u) = Mix256(ref l, a1 + k, b1 + k, fx, vgx, vfx);
                    (o0l, o0u) = (vgy * o0l + vfy * o1l, vgy * o0u + vfy * o1u);
                }
                o0l.StoreUnsafe(ref m, (nuint)k);
                o0u.StoreUnsafe(ref m, (nuint)(k + 4));
                if (k == classes - 8) break;
            }
        }
        else
        {
            Vector128<double> vfx = Vector128.Create(fx), vgx = Vector128.Create(1.0 - fx), vfy = Vector128.Create(fy), vgy = Vector128.Create(1.0 - fy);
            for (int k = 0; ; k = Math.Min(k + 4, classes - 4))
            {
                var (o0l, o0u) = Mix128(ref l, a0 + k, b0 + k, fx, vgx, vfx);
                if (fy != 0)
                {
                    var (o1l, o1u) = Mix128(ref l, a1 + k, b1 + k, fx, vgx, vfx);
                    (o0l, o0u) = (vgy * o0l + vfy * o1l, vgy * o0u + vfy * o1u);
                }
                o0l.StoreUnsafe(ref m, (nuint)k);
                o0u.StoreUnsafe(ref m, (nuint)(k + 2));
                if (k == classes - 4) break;
            }
        }
        int best = 0;
        double bestV = mix[0];
        for (int c = 1; c < classes; c++)
            if (mix[c] > bestV) { bestV = mix[c]; best = c; }
        return (byte)best;
    }

    /// <summary>8 classes of one source row at x: a (fx == 0, as the scalar code) or gx * a + fx * b, as two double vectors.</summary>
    private static (Vector256<double> Lower, Vector256<double> Upper) Mix256(ref float l, int a, int b, double fx, Vector256<double> gx, Vector256<double> vfx)
    {
        Vector256<float> va = Vector256.LoadUnsafe(ref l, (nuint)a);
        var (al, au) = Vector256.Widen(va);
        if (fx == 0) return (al, au);
        var (bl, bu) = Vector256.Widen(Vector256.LoadUnsafe(ref l, (nuint)b));
        return (gx * al + vfx * bl, gx * au + vfx * bu);
    }

    /// <summary>4 classes of one source row at x, as <see cref="Mix256"/>.</summary>
    private static (Vector128<double> Lower, Vector128<double> Upper) Mix128(ref float l, int a, int b, double fx, Vector128<double> gx, Vector128<double> vfx)
    {
        var (al, au) = Vector128.Widen(Vector128.LoadUnsafe(ref l, (nuint)a));
        if (fx == 0) return (al, au);
        var (bl, bu) = Vector128.Widen(Vector128.LoadUnsafe(ref l, (nuint)b));
        return (gx * al + vfx * bl, gx * au + vfx * bu);
    }

    /// <summary>One output pixel with every class interpolated: bit for bit what <see cref="RunAllClasses{T}"/> computes.</summary>
    private byte ExactPixel<T>(ReadOnlySpan<T> logits, int width, int classes, int sy0, int sy1, double fy, int x)
        where T : unmanaged, INumberBase<T>
    {
        double fx = _xAxis.F[x], gx = 1.0 - fx, gy = 1.0 - fy;
        int rowLen = width * classes;
        ReadOnlySpan<T> a0 = logits.Slice(sy0 * rowLen + _xAxis.I0[x] * classes, classes);
        ReadOnlySpan<T> b0 = logits.Slice(sy0 * rowLen + _xAxis.I1[x] * classes, classes);
        ReadOnlySpan<T> a1 = logits.Slice(sy1 * rowLen + _xAxis.I0[x] * classes, classes);
        ReadOnlySpan<T> b1 = logits.Slice(sy1 * rowLen + _xAxis.I1[x] * classes, classes);
        int best = 0;
        double bestV = 0;
        for (int c = 0; c < classes; c++)
        {
            double o0 = fx == 0 ? double.CreateTruncating(a0[c]) : gx * double.CreateTruncating(a0[c]) + fx * double.CreateTruncating(b0[c]);
            double v = o0;
            if (fy != 0)
            {
                double o1 = fx == 0 ? double.CreateTruncating(a1[c]) : gx * double.CreateTruncating(a1[c]) + fx * double.CreateTruncating(b1[c]);
                v = gy * o0 + fy * o1;
            }
            if (c == 0 || v > bestV) { bestV = v; best = c; }
        }
        return (byte)best;
    }

    /// <summary>Every class of every output pixel interpolated (more than 254 classes: no room for the None marker).</summary>
    private void RunAllClasses<T>(ReadOnlySpan<T> logits, int width, int classes, int outHeight, int outWidth, Span<byte> classMap)
        where T : unmanaged, INumberBase<T>
    {
        int rowLen = outWidth * classes;
        if (_row0.Length < rowLen) { _row0 = new double[rowLen]; _row1 = new double[rowLen]; }
        double[] r0 = _row0, r1 = _row1;
        int r0Src = -1, r1Src = -1;

        for (int y = 0; y < outHeight; y++)
        {
            int sy0 = _yAxis.I0[y], sy1 = _yAxis.I1[y];
            double fy = _yAxis.F[y];
            // Bring source rows sy0/sy1 into the two buffers, reusing what is already there.
            if (r0Src != sy0)
            {
                if (r1Src == sy0) { (r0, r1) = (r1, r0); (r0Src, r1Src) = (r1Src, r0Src); }
                else { InterpolateRow(logits, width, classes, sy0, outWidth, r0); r0Src = sy0; }
            }
            if (r1Src != sy1 && fy != 0)
            {
                InterpolateRow(logits, width, classes, sy1, outWidth, r1);
                r1Src = sy1;
            }

            Span<byte> dst = classMap.Slice(y * outWidth, outWidth);
            if (fy == 0)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    ReadOnlySpan<double> a = r0.AsSpan(x * classes, classes);
                    int best = 0;
                    double bestV = a[0];
                    for (int c = 1; c < a.Length; c++)
                        if (a[c] > bestV) { bestV = a[c]; best = c; }
                    dst[x] = (byte)best;
                }
            }
            else
            {
                double gy = 1.0 - fy;
                for (int x = 0; x < outWidth; x++)
                {
                    ReadOnlySpan<double> a = r0.AsSpan(x * classes, classes), b = r1.AsSpan(x * classes, classes);
                    int best = 0;
                    double bestV = gy * a[0] + fy * b[0];
                    for (int c = 1; c < a.Length; c++)
                    {
                        double v = gy * a[c] + fy * b[c];
                        if (v > bestV) { bestV = v; best = c; }
                    }
                    dst[x] = (byte)best;
                }
            }
        }
        // The buffers may have been swapped; keep the swapped arrays so sizes stay consistent.
        (_row0, _row1) = (r0, r1);
    }

    private void InterpolateRow<T>(ReadOnlySpan<T> logits, int width, int classes, int sy, int outWidth, double[] row)
        where T : unmanaged, INumberBase<T>
    {
        ReadOnlySpan<T> src = logits.Slice(sy * width * classes, width * classes);
        int[] i0 = _xAxis.I0, i1 = _xAxis.I1;
        double[] f = _xAxis.F;
        for (int x = 0; x < outWidth; x++)
        {
            ReadOnlySpan<T> a = src.Slice(i0[x] * classes, classes);
            Span<double> o = row.AsSpan(x * classes, classes);
            double fx = f[x];
            if (fx == 0)
            {
                for (int c = 0; c < classes; c++) o[c] = double.CreateTruncating(a[c]);
            }
            else
            {
                ReadOnlySpan<T> b = src.Slice(i1[x] * classes, classes);
                double gx = 1.0 - fx;
                for (int c = 0; c < classes; c++)
                    o[c] = gx * double.CreateTruncating(a[c]) + fx * double.CreateTruncating(b[c]);
            }
        }
    }

    /// <summary>Sampling table for one axis: output index -> two source indices and the weight of the second.</summary>
    private sealed class Axis
    {
        private int _src = -1, _canvas, _offset, _regionLen, _outLen;
        public int[] I0 = [], I1 = [];
        /// <summary>I1 where the second source has weight (F != 0), else I0: the corners that take part in the mix.</summary>
        public int[] I1Weighted = [];
        public double[] F = [];
        /// <summary>
        /// Per whole block of 16 outputs: the first source index, when every output in it has weight on its second source
        /// and all first sources lie within 16 of it (then <see cref="BlockIndex"/> holds each one's offset), else -1.
        /// </summary>
        public int[] BlockStart = [];
        public byte[] BlockIndex = [];

        public void Prepare(int src, int canvas, int offset, int regionLen, int outLen)
        {
            if (src == _src && canvas == _canvas && offset == _offset && regionLen == _regionLen && outLen == _outLen) return;
            if (I0.Length < outLen) { I0 = new int[outLen]; I1 = new int[outLen]; I1Weighted = new int[outLen]; F = new double[outLen]; }
            // canvas coordinate -> logit coordinate (align_corners=True)
            double scale = canvas > 1 ? (src - 1) / (double)(canvas - 1) : 0.0;
            // output index -> canvas coordinate: identity (+offset) when the region is not resized,
            // else align_corners mapping of outLen onto the region.
            double regionScale = regionLen == outLen ? 1.0 : outLen > 1 ? (regionLen - 1) / (double)(outLen - 1) : 0.0;
            for (int i = 0; i < outLen; i++)
            {
                double canvasPos = regionLen == outLen ? offset + i : offset + i * regionScale;
                double pos = canvasPos * scale;
                int lo = Math.Min((int)Math.Floor(pos), src - 1);
                I0[i] = lo;
                I1[i] = Math.Min(lo + 1, src - 1);
                F[i] = pos - lo;
                I1Weighted[i] = F[i] == 0 ? lo : I1[i];
            }
            BlockStart = new int[outLen / 16];
            BlockIndex = new byte[outLen / 16 * 16];
            for (int b = 0; b < BlockStart.Length; b++)
            {
                int s0 = I0[b * 16];
                bool ok = true;
                for (int j = b * 16; j < b * 16 + 16 && ok; j++)
                {
                    ok = F[j] != 0 && I0[j] >= s0 && I0[j] - s0 < 16;
                    if (ok) BlockIndex[j] = (byte)(I0[j] - s0);
                }
                BlockStart[b] = ok ? s0 : -1;
            }
            (_src, _canvas, _offset, _regionLen, _outLen) = (src, canvas, offset, regionLen, outLen);
        }
    }
}
