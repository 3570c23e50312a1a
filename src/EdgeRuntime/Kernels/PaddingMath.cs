using EdgeRuntime.Graph;

namespace EdgeRuntime.Kernels;

/// <summary>
/// Output sizes and padding exactly as TFLite's tensorflow/lite/kernels/padding.h
/// (ComputeOutSize, ComputePaddingWithOffset, ComputePaddingHeightWidth).
/// Kernels only use the leading (top/left) padding; the odd extra pixel of SAME padding goes
/// to the bottom/right, which the kernels get implicitly by bounds-checking the input.
/// </summary>
internal static class PaddingMath
{
    /// <summary>Output extent along one spatial axis (0 or negative means "no output").</summary>
    public static int ComputeOutSize(Padding padding, int imageSize, int filterSize, int stride, int dilation = 1)
    {
        if (stride <= 0) return 0;
        int effectiveFilter = (filterSize - 1) * dilation + 1;
        return padding switch
        {
            Padding.Same => (imageSize + stride - 1) / stride,
            Padding.Valid => (imageSize + stride - effectiveFilter) / stride,
            _ => 0,
        };
    }

    /// <summary>Leading padding (floor of half the total); <paramref name="offset"/> is the extra trailing pixel (total % 2).</summary>
    public static int ComputePaddingWithOffset(int stride, int dilation, int inSize, int filterSize, int outSize, out int offset)
    {
        int effectiveFilter = (filterSize - 1) * dilation + 1;
        int total = (outSize - 1) * stride + effectiveFilter - inSize;
        if (total < 0) total = 0;
        offset = total % 2;
        return total / 2;
    }

    /// <summary>TFLite ComputePaddingHeightWidth: output size and leading padding for both spatial axes.</summary>
    public static SpatialPadding ComputePaddingHeightWidth(
        int strideH, int strideW, int dilationH, int dilationW,
        int inH, int inW, int filterH, int filterW, Padding padding)
    {
        int outW = ComputeOutSize(padding, inW, filterW, strideW, dilationW);
        int outH = ComputeOutSize(padding, inH, filterH, strideH, dilationH);
        int padH = ComputePaddingWithOffset(strideH, dilationH, inH, filterH, outH, out int offH);
        int padW = ComputePaddingWithOffset(strideW, dilationW, inW, filterW, outW, out int offW);
        return new SpatialPadding(outH, outW, padH, padW, offH, offW);
    }
}

/// <summary>Output size and padding of a windowed op. Pad* are the leading (top/left) pads; *Offset the extra trailing pixel.</summary>
internal readonly record struct SpatialPadding(int OutHeight, int OutWidth, int PadHeight, int PadWidth, int HeightOffset, int WidthOffset);
