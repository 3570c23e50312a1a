using System.Runtime.CompilerServices;

namespace EdgeRuntime.Kernels.Depthwise;

/// <summary>
/// The per-pixel kernel of a fused depthwise variant: all channels of one output pixel whose taps are
/// r{ky} + {0, o1, 2 * o1} (o1 = dilation * C bytes), computed and requantized in registers. k is the variant's context.
/// </summary>
internal unsafe interface IDwPixels
{
    /// <summary>True when <see cref="PixelPair"/> is implemented.</summary>
    static abstract bool Pairs { get; }

    static abstract void Pixel(byte* r0, byte* r1, byte* r2, nint o1, byte* dst, void* k);

    /// <summary>Pixels A (taps as in <see cref="Pixel"/>) and B, whose taps are o1 (or 2 * o1 when wide) bytes further right.</summary>
    static abstract void PixelPair(byte* r0, byte* r1, byte* r2, nint o1, bool wide, byte* dstA, byte* dstB, void* k);

    /// <summary>True when <see cref="RowSegment"/> runs whole interior runs itself (e.g. with each channel block's weights held in registers).</summary>
    static virtual bool RowSegments => false;

    /// <summary>
    /// n interior pixels of one output row: pixel i reads r{ky} + i * step{ky} (+ {0, o1, 2 * o1}) and writes dst + i * outBytes.
    /// A step of 0 marks a row outside the image: r{ky} is then the zero-point row, long enough for (4 * dilation + 1) * C bytes.
    /// </summary>
    static virtual void RowSegment(byte* r0, byte* r1, byte* r2, nint step0, nint step1, nint step2, nint o1, int n, byte* dst, nint outBytes, void* k)
        => throw new NotSupportedException("this depthwise kernel has no row segments");
}

/// <summary>
/// Walks the output rows of a fused depthwise kernel: interior pixels (every tap inside the image) stream through
/// <see cref="IDwPixels"/> with the row pointers advancing by stride * C; rows above or below the image read a row
/// of input zero-point bytes (a padding tap then adds (zp - zp) * w = 0, what the reference's skipping adds); border
/// columns gather their 9 taps into a staging block first. Needs C &gt;= 16 (the kernels' narrowest block).
/// </summary>
internal static unsafe class DepthwiseRowDriver
{
    /// <summary>Largest stack use (staging plus the zero-point row) before callers fall back to the generic loop.</summary>
    internal const int MaxStackBytes = 48 * 1024;

    public static int StackBytes(in DepthwiseGeometry g) => (9 + 4 * g.DilationW + 1) * g.Channels;

    /// <summary>True when some output column has all three of its taps inside the image (an interior run exists in rows that have one).</summary>
    internal static bool HasInteriorColumns(in DepthwiseGeometry g)
    {
        int xa = (g.PadLeft + g.StrideW - 1) / g.StrideW;
        int xNum = g.InputWidth - 1 - 2 * g.DilationW + g.PadLeft;
        int xb = xNum < 0 ? 0 : Math.Min(g.OutputWidth, xNum / g.StrideW + 1);
        return xa < xb;
    }

    /// <param name="kTwo">Context for 16-channel layers at stride 1 running two neighbouring pixels as one 32-channel pixel, or null.</param>
    [SkipLocalsInit]
    public static void Run<TP>(in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount, byte inputZeroPoint, void* k, void* kTwo)
        where TP : struct, IDwPixels
    {
        int C = g.Channels;
        byte* stage = stackalloc byte[9 * C];
        int padBytes = (4 * g.DilationW + 1) * C; // taps up to 4 * dilation columns right of a pixel pair's first column
        byte* pad = stackalloc byte[padBytes];
        new Span<byte>(pad, padBytes).Fill(inputZeroPoint);
        Rows<TP>(g, pin, pout, rowStart, rowCount, pad, stage, k, kTwo);
    }

    private static void Rows<TP>(in DepthwiseGeometry g, byte* pin, byte* pout, int rowStart, int rowCount, byte* pad, byte* stage, void* k, void* kTwo)
        where TP : struct, IDwPixels
    {
        int C = g.Channels, W = g.InputWidth, H = g.InputHeight, d = g.DilationW, s = g.StrideW;
        nint o1 = (nint)d * C;
        // Output columns whose three taps are all inside the image.
        int xa = (g.PadLeft + s - 1) / s;
        int xNum = W - 1 - 2 * d + g.PadLeft;
        int xb = xNum < 0 ? 0 : Math.Min(g.OutputWidth, xNum / s + 1);
        if (xb < xa) xb = xa;
        // Pixels x and x + pair read columns shifted by s * pair: d (they share two columns) or 2d (one), else no pairs.
        int pair = !TP.Pairs ? 0 : d % s == 0 ? d / s : 2 * d % s == 0 ? 2 * d / s : 0;
        bool wide = pair > 0 && s * pair == 2 * d;
        for (int oy = rowStart; oy < rowStart + rowCount; oy++)
        {
            int iy = oy * g.StrideH - g.PadTop;
            byte* rp0 = (uint)iy < (uint)H ? pin + (nint)iy * W * C : null;
            iy += g.DilationH;
            byte* rp1 = (uint)iy < (uint)H ? pin + (nint)iy * W * C : null;
            iy += g.DilationH;
            byte* rp2 = (uint)iy < (uint)H ? pin + (nint)iy * W * C : null;
            byte* rowDst = pout + (nint)oy * g.OutputWidth * C;
            for (int ox = 0; ox < g.OutputWidth; ox++)
            {
                if (ox == xa && xa < xb && rp0 != null && rp1 != null && rp2 != null)
                {
                    nint at = ((nint)xa * s - g.PadLeft) * C;
                    int x = xa, n = xb - xa;
                    if (kTwo != null)
                    {
                        // Pixels x and x + 1 are 32 contiguous bytes at every tap: one 32-channel pixel whose neighbour is
                        // 2 columns (dilation 1: wide) or d columns (dilation 2) away.
                        Segment<TP>(rp0 + at, rp1 + at, rp2 + at, o1, 2 * C, n / 2, TP.Pairs && d <= 2 ? 1 : 0, d == 1, rowDst + (nint)x * C, 2 * C, kTwo);
                        at += (nint)(n & ~1) * C;
                        x += n & ~1;
                        n &= 1;
                    }
                    Segment<TP>(rp0 + at, rp1 + at, rp2 + at, o1, (nint)s * C, n, pair, wide, rowDst + (nint)x * C, C, k);
                    ox = xb - 1;
                    continue;
                }
                if (ox == xa && xa < xb)
                {
                    // Interior columns of a row with rows outside the image: those read the zero-point row, which is long
                    // enough for every offset.
                    int x = xa;
                    if (TP.RowSegments)
                    {
                        nint at = ((nint)x * s - g.PadLeft) * C, st = (nint)s * C;
                        TP.RowSegment(Row(rp0, at, pad), Row(rp1, at, pad), Row(rp2, at, pad), rp0 != null ? st : 0, rp1 != null ? st : 0, rp2 != null ? st : 0,
                            o1, xb - xa, rowDst + (nint)x * C, C, k);
                        ox = xb - 1;
                        continue;
                    }
                    if (pair > 0)
                        for (; x + 2 * pair <= xb; x += 2 * pair)
                            for (int j = x; j < x + pair; j++)
                            {
                                nint at = ((nint)j * s - g.PadLeft) * C;
                                TP.PixelPair(Row(rp0, at, pad), Row(rp1, at, pad), Row(rp2, at, pad), o1, wide,
                                    rowDst + (nint)j * C, rowDst + (nint)(j + pair) * C, k);
                            }
                    for (; x < xb; x++)
                    {
                        nint at = ((nint)x * s - g.PadLeft) * C;
                        TP.Pixel(Row(rp0, at, pad), Row(rp1, at, pad), Row(rp2, at, pad), o1, rowDst + (nint)x * C, k);
                    }
                    ox = xb - 1;
                    continue;
                }
                // Border column: gather the 9 taps (zero-point bytes outside the image) into [3 rows][3 taps][C].
                int ix = ox * s - g.PadLeft;
                for (int ky = 0; ky < 3; ky++)
                {
                    byte* row = ky == 0 ? rp0 : ky == 1 ? rp1 : rp2;
                    for (int kx = 0; kx < 3; kx++)
                    {
                        int cx = ix + kx * d;
                        byte* src = row != null && (uint)cx < (uint)W ? row + (nint)cx * C : pad;
                        Unsafe.CopyBlockUnaligned(stage + (3 * ky + kx) * C, src, (uint)C);
                    }
                }
                TP.Pixel(stage, stage + 3 * C, stage + 6 * C, C, rowDst + (nint)ox * C, k);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* Row(byte* row, nint at, byte* pad) => row != null ? row + at : pad;

    /// <summary>n interior pixels of a row whose three input rows are inside the image; pixel i reads r{ky} + i * step and writes dst + i * outBytes.</summary>
    private static void Segment<TP>(byte* r0, byte* r1, byte* r2, nint o1, nint step, int n, int pair, bool wide, byte* dst, nint outBytes, void* k)
        where TP : struct, IDwPixels
    {
        if (TP.RowSegments)
        {
            TP.RowSegment(r0, r1, r2, step, step, step, o1, n, dst, outBytes, k);
            return;
        }
        if (pair > 0)
            for (; n >= 2 * pair; n -= 2 * pair)
            {
                for (int j = 0; j < pair; j++)
                {
                    TP.PixelPair(r0, r1, r2, o1, wide, dst, dst + pair * outBytes, k);
                    r0 += step; r1 += step; r2 += step; dst += outBytes;
                }
                r0 += pair * step; r1 += pair * step; r2 += pair * step; dst += pair * outBytes;
            }
        for (; n > 0; n--)
        {
            TP.Pixel(r0, r1, r2, o1, dst, k);
            r0 += step; r1 += step; r2 += step; dst += outBytes;
        }
    }
}
