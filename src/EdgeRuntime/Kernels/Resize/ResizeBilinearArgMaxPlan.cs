using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Kernels.Resize;

/// <summary>
/// The per-column tables of one fused RESIZE_BILINEAR + ARG_MAX, computed once in Prepare from the resize's own
/// <see cref="ResizeBilinearPlan"/> (so positions and fractions are exactly the resize kernel's).
/// </summary>
internal sealed class ResizeBilinearArgMaxPlan
{
    public ResizeBilinearArgMaxPlan(ResizeBilinearPlan resize, bool int8)
    {
        if (!int8 && ResizeBilinearReference.IsUInt8EightfoldFastPath(resize.Params, resize.Input, resize.Output.H, resize.Output.W))
            throw new NotSupportedException("TFLite's uint8 8x half-pixel fast path (ResizeBilinear888Uint8) is not reproduced");
        Resize = resize;
        Int8 = int8;
        int w = resize.Output.W;
        Dx = new float[w];
        for (int x = 0; x < w; x++) Dx[x] = resize.XScaled[x] - resize.X0[x];
        Runs0 = Runs(int8 ? resize.X0i : resize.X0);
        Runs1 = Runs(int8 ? resize.X1i : resize.X1);
        Separable = int8 || IsExactInFloat(Dx, Enumerable.Range(0, resize.Output.H).Select(y => resize.YScaled[y] - resize.Y0[y]));
        if (!int8 && Separable) SetUInt16Weights();
    }

    /// <summary>
    /// uint8, separable, every dx in [0, 1] a multiple of 2^-P (P &gt;= 1) and every dy in [0, 1] of 2^-(8 - P): the values
    /// in 16-bit integers. A horizontally interpolated row is H * 2^P = a * (2^P - kx) + b * kx + 2^(P-1) (exact, at most
    /// 255.5 * 2^P), and (1 - dy) * Ht + dy * Hb times 2^8 is (2^(8-P) - ky) * Ht' + ky * Hb' &lt;= 255.5 * 2^8 &lt; 2^16: the real
    /// value the separable float code computes exactly, times 256, so its high byte is the code. DeepLab's 33 -> 513
    /// align_corners (fractions k/16) qualifies. Null otherwise.
    /// </summary>
    internal ushort[]? KxLeft16 { get; private set; }
    internal ushort[]? KxRight16 { get; private set; }
    /// <summary>Per output row: the weights (2^(8-P) - ky) and ky of its top and bottom source rows.</summary>
    internal ushort[]? KyTop16 { get; private set; }
    internal ushort[]? KyBottom16 { get; private set; }
    /// <summary>2^(P-1), the + 0.5 of a horizontally interpolated row.</summary>
    internal ushort Half16 { get; private set; }

    private void SetUInt16Weights()
    {
        int w = Resize.Output.W, h = Resize.Output.H;
        var dy = new float[h];
        for (int y = 0; y < h; y++) dy[y] = Resize.YScaled[y] - Resize.Y0[y];
        int p = Math.Max(1, Bits(Dx)), q = Bits(dy);
        if (q < 0 || Bits(Dx) < 0 || p + q > 8) return;
        int sx = 1 << p, sy = 1 << (8 - p);
        KxLeft16 = new ushort[w];
        KxRight16 = new ushort[w];
        for (int x = 0; x < w; x++)
        {
            int k = (int)(Dx[x] * (double)sx);
            KxRight16[x] = (ushort)k;
            KxLeft16[x] = (ushort)(sx - k);
        }
        KyTop16 = new ushort[h];
        KyBottom16 = new ushort[h];
        for (int y = 0; y < h; y++)
        {
            int k = (int)(dy[y] * (double)sy);
            KyBottom16[y] = (ushort)k;
            KyTop16[y] = (ushort)(sy - k);
        }
        Half16 = (ushort)(sx / 2);

        // The fractional bits of values in [0, 1] (at most 8), or -1.
        static int Bits(float[] values)
        {
            int bits = 0;
            foreach (float f in values)
            {
                double d = f;
                if (!(d >= 0 && d <= 1)) return -1;
                int k = 0;
                for (double scaled = d; scaled != Math.Floor(scaled); scaled *= 2)
                    if (++k > 8) return -1;
                bits = Math.Max(bits, k);
            }
            return bits;
        }
    }

    public ResizeBilinearPlan Resize { get; }
    public bool Int8 { get; }

    /// <summary>
    /// True when each value may be computed as (1 - dy) * H(y0) + dy * H(y1) from rows interpolated horizontally first,
    /// H = a * (1 - dx) + b * dx + 0.5, instead of the resize kernel's ((((a*s00 + b*s01) + c*s10) + d*s11) + 0.5):
    /// always for int8 (exact integers: |H| &lt;= 2^18, |sum| &lt;= 2^29), and for uint8 when every intermediate value of
    /// both orders is exact in float (<see cref="IsExactInFloat"/>), so both give the same float.
    /// </summary>
    public bool Separable { get; }

    /// <summary>uint8: the float fraction dx of each output column, as the resize kernel computes it.</summary>
    internal float[] Dx { get; }

    /// <summary>(first output column, column count, source column) of each run of columns reading the same left (Runs0) or right (Runs1) source column.</summary>
    internal int[] Runs0 { get; }
    internal int[] Runs1 { get; }

    /// <summary>Values in one plane: one source row gathered at every output column, channel-major [C, outW].</summary>
    public int PlaneLength => Resize.Input.C * Resize.Output.W;

    /// <summary>Scratch of one part of the vector code: two cached source rows, each gathered at the left and the right columns.</summary>
    public long ScratchBytesPerPart => 4L * 4 * PlaneLength;

    /// <summary>
    /// True when all fractions dx are multiples of 2^-p and all dy of 2^-q, and every partial result of either order of
    /// evaluation, bounded by B = max(|1-dy|+|dy|) * (255 * max(|1-dx|+|dx|) + 0.5), is a multiple of 2^-bits with
    /// B * 2^bits &lt; 2^24 (a float's significand): then every float operation is exact, the real values of the two orders are equal, and so are the
    /// results. Holds for DeepLab's 33 -> 513 align_corners upsampling (fractions k/16) and power-of-two scales.
    /// </summary>
    internal static bool IsExactInFloat(IEnumerable<float> dx, IEnumerable<float> dy)
    {
        (int p, double sx) = Dyadic(dx);
        (int q, double sy) = Dyadic(dy);
        if (p < 0 || q < 0) return false;
        // (a*(1-dx) + b*dx + 0.5) needs max(p, 1) fractional bits, times (1-dy) q more; the other order needs at most as many.
        int bits = Math.Max(p, 1) + q;
        return bits <= 24 && sy * (255 * sx + 0.5) * Math.ScaleB(1.0, bits) < 1 << 24;

        // The fractional bits all values need (or -1), and the largest |1 - d| + |d|.
        static (int Bits, double Sum) Dyadic(IEnumerable<float> values)
        {
            int bits = 0;
            double sum = 1;
            foreach (float f in values)
            {
                double d = f;
                if (!double.IsFinite(d)) return (-1, 0);
                sum = Math.Max(sum, Math.Abs(1 - d) + Math.Abs(d));
                int k = 0;
                for (double scaled = d; scaled != Math.Floor(scaled); scaled *= 2)
                    if (++k > 24) return (-1, 0);
                bits = Math.Max(bits, k);
            }
            return (bits, sum);
        }
    }

    private static int[] Runs(int[] source)
    {
        var runs = new List<int>();
        for (int x = 0; x < source.Length;)
        {
            int start = x;
            while (x < source.Length && source[x] == source[start]) x++;
            runs.AddRange([start, x - start, source[start]]);
        }
        return [.. runs];
    }
}
