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
    private int _srcW = -1, _srcH = -1, _dstW = -1, _dstH = -1;
    private int[] _tap0 = [], _tap1 = [], _y0 = [], _y1 = [];
    private float[] _fx = [], _fy = [], _row0 = [], _row1 = [];

    /// <param name="lut">The float value of each pixel value (256 entries).</param>
    /// <param name="vectorBits">Width of the vertical lerp: 256, 128 or 0 (scalar); <see cref="BestVectorBits"/> by default.</param>
    public FloatResizer(float[] lut, int vectorBits)
    {
        if (lut.Length != 256) throw new ArgumentException("the pixel table needs 256 entries", nameof(lut));
        if (vectorBits is not (0 or 128 or 256)) throw new ArgumentOutOfRangeException(nameof(vectorBits));
        _lut = lut;
        _vectorBits = vectorBits;
    }

    /// <summary>256 where Vector256 is hardware-accelerated, else 128 where Vector128 is, else 0.</summary>
    public static int BestVectorBits => Kernels.KernelDispatcher.FloatVectorBits;

    public int VectorBits => _vectorBits;

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
        Vertical(_row0, _row1, _fy[y], dst[..n], _vectorBits);
    }

    private int _have0 = -1, _have1 = -1;

    private void Prepare(int srcW, int srcH, int dstW, int dstH)
    {
        if (srcW == _srcW && srcH == _srcH && dstW == _dstW && dstH == _dstH) return;
        int n = dstW * 3;
        _tap0 = new int[n]; _tap1 = new int[n]; _fx = new float[n];
        _row0 = new float[n]; _row1 = new float[n];
        _y0 = new int[dstH]; _y1 = new int[dstH]; _fy = new float[dstH];
        var x0 = new int[dstW];
        var x1 = new int[dstW];
        var fx = new float[dstW];
        InputPreprocessor.FillAxis(srcW, dstW, x0, x1, fx, 3);
        InputPreprocessor.FillAxis(srcH, dstH, _y0, _y1, _fy, 1);
        for (int x = 0; x < dstW; x++)
            for (int c = 0; c < 3; c++)
                (_tap0[x * 3 + c], _tap1[x * 3 + c], _fx[x * 3 + c]) = (x0[x] + c, x1[x] + c, fx[x]);
        (_srcW, _srcH, _dstW, _dstH) = (srcW, srcH, dstW, dstH);
        _have0 = _have1 = -1;
    }

    /// <summary>Invalidates the cached rows: the next frame's pixels differ even when the size does not.</summary>
    public void NewFrame() => _have0 = _have1 = -1;

    private void Horizontal(RgbImage image, int sy, float[] row)
    {
        ReadOnlySpan<byte> src = image.Pixels.Slice(sy * image.Width * 3, image.Width * 3);
        float[] lut = _lut, f = _fx;
        int[] t0 = _tap0, t1 = _tap1;
        for (int j = 0; j < row.Length; j++)
        {
            float a = lut[src[t0[j]]], b = lut[src[t1[j]]];
            row[j] = a + (b - a) * f[j];
        }
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
