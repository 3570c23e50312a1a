using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Preprocessing;

/// <summary>
/// Bilinear resize + normalisation of an RGB image into a float region, separably: each source row the output needs is
/// normalised and resized horizontally once (precomputed per-element tap tables), then every output row is a vector
/// lerp of two such rows. Bit for bit the per-pixel formula of <see cref="InputPreprocessor"/>:
/// <c>tv = a + (b - a) * fx; bv = c + (d - c) * fx; tv + (bv - tv) * fy</c> on table values (no fused multiply-add).
/// Tables and rows are kept per geometry, so a stream of same-sized frames allocates nothing. Not thread-safe.
/// </summary>
internal sealed class FloatResizer
{
    private readonly float[] _lut;
    private readonly int _vectorBits;
    private readonly ToFloat _toFloat;
    private readonly float _divisor, _offset, _reciprocal;
    private int _srcW = -1, _srcH = -1, _dstW = -1, _dstH = -1;
    private int[] _tap0 = [], _tap1 = [], _y0 = [], _y1 = [], _px0 = [], _px1 = [];
    private float[] _fx = [], _fy = [], _pfx = [], _row0 = [], _row1 = [], _src = [];

    /// <summary>How a vector of pixel values becomes table values: the cheapest formula that equals the table on all 256.</summary>
    internal enum ToFloat { Table, MultiplyAdd, CorrectedMultiplyAdd, Divide }

    /// <param name="lut">The float value of each pixel value (256 entries): <c>p / divisor + offset</c> in float.</param>
    /// <param name="divisor">The table's divisor (vector paths compute the table instead of looking it up).</param>
    /// <param name="offset">The table's offset.</param>
    /// <param name="vectorBits">Vector width: 256, 128 or 0 (scalar, the reference); <see cref="BestVectorBits"/> by default.</param>
    public FloatResizer(float[] lut, float divisor, float offset, int vectorBits)
    {
        if (lut.Length != 256) throw new ArgumentException("the pixel table needs 256 entries", nameof(lut));
        if (vectorBits is not (0 or 128 or 256)) throw new ArgumentOutOfRangeException(nameof(vectorBits));
        _lut = lut;
        _vectorBits = vectorBits;
        (_divisor, _offset, _reciprocal) = (divisor, offset, 1f / divisor);
        _toFloat = vectorBits == 0 ? ToFloat.Table : ChooseToFloat();
    }

    /// <summary>256 where Vector256 is hardware-accelerated, else 128 where Vector128 is, else 0.</summary>
    public static int BestVectorBits => Kernels.KernelDispatcher.FloatVectorBits;

    public int VectorBits => _vectorBits;

    /// <summary>The pixel-to-float formula the vector path uses (tests check that a vector width does not fall back to the table).</summary>
    internal ToFloat Conversion => _toFloat;

    /// <summary>
    /// Why formulas at all: a table lookup per source value is the scalar bottleneck. Only 256 inputs exist, so each
    /// candidate is run through the real vector code on every pixel value and kept only if it equals the table bit for
    /// bit; vector division is IEEE like the scalar one, so the last candidate always matches for a table built as
    /// documented (<see cref="ToFloat.Table"/> only for a table that is not).
    /// </summary>
    private ToFloat ChooseToFloat()
    {
        var all = new byte[256];
        for (int p = 0; p < 256; p++) all[p] = (byte)p;
        var values = new float[256];
        foreach (ToFloat f in (ReadOnlySpan<ToFloat>)[ToFloat.MultiplyAdd, ToFloat.CorrectedMultiplyAdd, ToFloat.Divide])
        {
            Convert(all, values, f);
            bool same = true;
            for (int p = 0; p < 256 && same; p++) same = BitConverter.SingleToInt32Bits(values[p]) == BitConverter.SingleToInt32Bits(_lut[p]);
            if (same) return f;
        }
        return ToFloat.Table;
    }

    /// <summary>
    /// Row <paramref name="y"/> (0..dstH-1) of <paramref name="image"/> resized to dstW x dstH (align_corners=True),
    /// written to <paramref name="dst"/> (dstW * 3 floats). Rows are best asked for in increasing order (two are cached).
    /// </summary>
    public void Row(RgbImage image, int dstW, int dstH, int y, Span<float> dst)
    {
        Prepare(image.Width, image.Height, dstW, dstH);
        int n = dstW * 3;
        if (dst.Length < n) throw new ArgumentException("destination row is too short", nameof(dst));
        int sy0 = _y0[y], sy1 = _y1[y];
        // Keep source rows sy0 and sy1 resized in _row0/_row1 (tracked by _have0/_have1).
        if (_have0 != sy0)
        {
            if (_have1 == sy0) { (_row0, _row1) = (_row1, _row0); (_have0, _have1) = (_have1, _have0); }
            else { Horizontal(image, sy0, _row0); _have0 = sy0; }
        }
        if (_have1 != sy1) { Horizontal(image, sy1, _row1); _have1 = sy1; }
        Vertical(_row0.AsSpan(0, n), _row1.AsSpan(0, n), _fy[y], dst[..n], _vectorBits);
    }

    private int _have0 = -1, _have1 = -1;

    private void Prepare(int srcW, int srcH, int dstW, int dstH)
    {
        if (srcW == _srcW && srcH == _srcH && dstW == _dstW && dstH == _dstH) return;
        int n = dstW * 3;
        _tap0 = new int[n]; _tap1 = new int[n]; _fx = new float[n];
        // One float more than a row: the vector horizontal pass stores 4 lanes per 3-channel pixel.
        _row0 = new float[n + 1]; _row1 = new float[n + 1];
        // The source row as floats, one more for the 4-lane load of the last pixel, rounded up to whole vectors.
        _src = new float[(srcW * 3 + 1 + 15) / 16 * 16];
        _y0 = new int[dstH]; _y1 = new int[dstH]; _fy = new float[dstH];
        _px0 = new int[dstW]; _px1 = new int[dstW]; _pfx = new float[dstW];
        InputPreprocessor.FillAxis(srcW, dstW, _px0, _px1, _pfx, 3);
        InputPreprocessor.FillAxis(srcH, dstH, _y0, _y1, _fy, 1);
        for (int x = 0; x < dstW; x++)
            for (int c = 0; c < 3; c++)
                (_tap0[x * 3 + c], _tap1[x * 3 + c], _fx[x * 3 + c]) = (_px0[x] + c, _px1[x] + c, _pfx[x]);
        (_srcW, _srcH, _dstW, _dstH) = (srcW, srcH, dstW, dstH);
        _have0 = _have1 = -1;
    }

    /// <summary>Invalidates the cached rows: the next frame's pixels differ even when the size does not.</summary>
    public void NewFrame() => _have0 = _have1 = -1;

    private void Horizontal(RgbImage image, int sy, float[] row)
    {
        ReadOnlySpan<byte> src = image.Pixels.Slice(sy * image.Width * 3, image.Width * 3);
        if (_vectorBits != 0)
        {
            Convert(src, _src, _toFloat);
            HorizontalPixels(_src, _px0, _px1, _pfx, row);
            return;
        }
        float[] lut = _lut, f = _fx;
        int[] t0 = _tap0, t1 = _tap1;
        int n = t0.Length;
        for (int j = 0; j < n; j++)
        {
            float a = lut[src[t0[j]]], b = lut[src[t1[j]]];
            row[j] = a + (b - a) * f[j];
        }
    }

    /// <summary>
    /// Per output pixel one 4-lane lerp of the two source pixels (3 channels and one lane of the next pixel, which the
    /// next store overwrites; <paramref name="row"/> has a spare float for the last). Same lane arithmetic as the scalar pass.
    /// </summary>
    private static void HorizontalPixels(float[] src, int[] px0, int[] px1, float[] fx, float[] row)
    {
        ref float s = ref MemoryMarshal.GetArrayDataReference(src);
        ref float d = ref MemoryMarshal.GetArrayDataReference(row);
        int w = px0.Length;
        if (row.Length < w * 3 + 1 || (w > 0 && src.Length < px1[w - 1] + 4)) throw new InvalidOperationException("row buffers are too short");
        for (int x = 0; x < w; x++)
        {
            // px0 <= px1 <= the last source pixel's offset, and src holds one float past it (checked above for the last).
            Vector128<float> a = Vector128.LoadUnsafe(ref s, (nuint)px0[x]), b = Vector128.LoadUnsafe(ref s, (nuint)px1[x]);
            (a + (b - a) * Vector128.Create(fx[x])).StoreUnsafe(ref d, (nuint)(x * 3));
        }
    }

    /// <summary>Pixel values to table values with <paramref name="how"/> (16 at a time, then the table for the rest).</summary>
    internal void Convert(ReadOnlySpan<byte> src, Span<float> dst, ToFloat how)
    {
        int n = src.Length, j = 0;
        if (how != ToFloat.Table && _vectorBits == 256)
        {
            for (; j + 16 <= n; j += 16)
            {
                Vector256<ushort> w = Vector256.WidenLower(Vector128.Create(src.Slice(j, 16)).ToVector256Unsafe());
                ToFloat256(Vector256.WidenLower(w), how).CopyTo(dst.Slice(j, 8));
                ToFloat256(Vector256.WidenUpper(w), how).CopyTo(dst.Slice(j + 8, 8));
            }
        }
        else if (how != ToFloat.Table)
        {
            for (; j + 16 <= n; j += 16)
            {
                Vector128<byte> b = Vector128.Create(src.Slice(j, 16));
                Vector128<ushort> lo = Vector128.WidenLower(b), hi = Vector128.WidenUpper(b);
                ToFloat128(Vector128.WidenLower(lo), how).CopyTo(dst.Slice(j, 4));
                ToFloat128(Vector128.WidenUpper(lo), how).CopyTo(dst.Slice(j + 4, 4));
                ToFloat128(Vector128.WidenLower(hi), how).CopyTo(dst.Slice(j + 8, 4));
                ToFloat128(Vector128.WidenUpper(hi), how).CopyTo(dst.Slice(j + 12, 4));
            }
        }
        for (; j < n; j++) dst[j] = _lut[src[j]];
    }

    private Vector256<float> ToFloat256(Vector256<uint> pixels, ToFloat how)
    {
        Vector256<float> p = Vector256.ConvertToSingle(pixels.AsInt32()), q;
        Vector256<float> d = Vector256.Create(_divisor), r = Vector256.Create(_reciprocal);
        if (how == ToFloat.MultiplyAdd) q = p * r;
        else if (how == ToFloat.CorrectedMultiplyAdd)
        {
            // One correction of the quotient by its residual (exact in a fused multiply-add).
            Vector256<float> q0 = p * r;
            q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(-q0, d, p), r, q0);
        }
        else q = p / d;
        return q + Vector256.Create(_offset);
    }

    private Vector128<float> ToFloat128(Vector128<uint> pixels, ToFloat how)
    {
        Vector128<float> p = Vector128.ConvertToSingle(pixels.AsInt32()), q;
        Vector128<float> d = Vector128.Create(_divisor), r = Vector128.Create(_reciprocal);
        if (how == ToFloat.MultiplyAdd) q = p * r;
        else if (how == ToFloat.CorrectedMultiplyAdd)
        {
            Vector128<float> q0 = p * r;
            q = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(-q0, d, p), r, q0);
        }
        else q = p / d;
        return q + Vector128.Create(_offset);
    }

    /// <summary>top + (bottom - top) * fy, element by element, in vectors of <paramref name="bits"/> (0: scalar).</summary>
    internal static void Vertical(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, float fy, Span<float> dst, int bits)
    {
        int n = dst.Length, j = 0;
        if (bits == 256)
        {
            Vector256<float> f = Vector256.Create(fy);
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> t = Vector256.Create(top.Slice(j, 8)), b = Vector256.Create(bottom.Slice(j, 8));
                (t + (b - t) * f).CopyTo(dst.Slice(j, 8));
            }
        }
        else if (bits == 128)
        {
            Vector128<float> f = Vector128.Create(fy);
            for (; j + 4 <= n; j += 4)
            {
                Vector128<float> t = Vector128.Create(top.Slice(j, 4)), b = Vector128.Create(bottom.Slice(j, 4));
                (t + (b - t) * f).CopyTo(dst.Slice(j, 4));
            }
        }
        for (; j < n; j++) dst[j] = top[j] + (bottom[j] - top[j]) * fy;
    }
}
