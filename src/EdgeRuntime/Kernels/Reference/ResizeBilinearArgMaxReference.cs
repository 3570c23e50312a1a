using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// RESIZE_BILINEAR (uint8/int8) followed by ARG_MAX over the channel axis, as the composition of the two references one
/// output pixel at a time: the pixel's channels are computed with <see cref="ResizeBilinearReference"/>'s own expressions
/// into a C-code buffer, then <see cref="ArgMaxReference"/> picks the first maximum. Same class ids as running the two
/// references with the resized tensor in between, without that tensor.
/// </summary>
internal static class ResizeBilinearArgMaxReference
{
    /// <param name="pixel">At least <c>input.C</c> bytes of scratch (one resized pixel).</param>
    public static void UInt8<TIndex>(in ResizeBilinearParams p, Shape4 input, ReadOnlySpan<byte> inputData, int outputHeight, int outputWidth,
        Span<byte> pixel, Span<TIndex> output) where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        if (ResizeBilinearReference.IsUInt8EightfoldFastPath(p, input, outputHeight, outputWidth))
            throw new NotSupportedException("TFLite's uint8 8x half-pixel fast path (ResizeBilinear888Uint8) is not reproduced");
        float heightScale = ResizeBilinearReference.Scale(input.H, outputHeight, p.AlignCorners);
        float widthScale = ResizeBilinearReference.Scale(input.W, outputWidth, p.AlignCorners);
        int depth = input.C;
        Span<byte> values = pixel[..depth];
        int o = 0;
        for (int b = 0; b < input.N; b++)
            for (int y = 0; y < outputHeight; y++)
            {
                ResizeBilinearReference.InterpolationValues(y, heightScale, p.HalfPixelCenters, input.H, out float iy, out int y0, out int y1);
                for (int x = 0; x < outputWidth; x++, o++)
                {
                    ResizeBilinearReference.InterpolationValues(x, widthScale, p.HalfPixelCenters, input.W, out float ix, out int x0, out int x1);
                    float dy = iy - y0, dx = ix - x0;
                    float s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx;
                    int i00 = input.Offset(b, y0, x0, 0), i01 = input.Offset(b, y0, x1, 0);
                    int i10 = input.Offset(b, y1, x0, 0), i11 = input.Offset(b, y1, x1, 0);
                    for (int c = 0; c < depth; c++)
                    {
                        float v = inputData[i00 + c] * s00 + inputData[i01 + c] * s01 + inputData[i10 + c] * s10 + inputData[i11 + c] * s11 + 0.5f;
                        values[c] = (byte)(int)v;
                    }
                    ArgMaxReference.ArgMax<byte, TIndex>(values, 1, depth, 1, output.Slice(o, 1));
                }
            }
    }

    /// <param name="pixel">At least <c>input.C</c> codes of scratch (one resized pixel).</param>
    public static void Int8<TIndex>(in ResizeBilinearParams p, Shape4 input, ReadOnlySpan<sbyte> inputData, int outputHeight, int outputWidth,
        Span<sbyte> pixel, Span<TIndex> output) where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        int heightScale10 = ResizeBilinearReference.Scale10(input.H, outputHeight, p.AlignCorners);
        int widthScale10 = ResizeBilinearReference.Scale10(input.W, outputWidth, p.AlignCorners);
        int depth = input.C;
        Span<sbyte> values = pixel[..depth];
        int o = 0;
        for (int b = 0; b < input.N; b++)
            for (int y = 0; y < outputHeight; y++)
            {
                ResizeBilinearReference.InterpolationValuesInteger(y, heightScale10, p.HalfPixelCenters, input.H, out int iy, out int y0, out int y1);
                long fy = iy - (1 << 10) * y0;
                for (int x = 0; x < outputWidth; x++, o++)
                {
                    ResizeBilinearReference.InterpolationValuesInteger(x, widthScale10, p.HalfPixelCenters, input.W, out int ix, out int x0, out int x1);
                    long fx = ix - (1 << 10) * x0;
                    int i00 = input.Offset(b, y0, x0, 0), i01 = input.Offset(b, y0, x1, 0);
                    int i10 = input.Offset(b, y1, x0, 0), i11 = input.Offset(b, y1, x1, 0);
                    for (int c = 0; c < depth; c++)
                    {
                        long sum = inputData[i00 + c] * ((1 << 10) - fy) * ((1 << 10) - fx)
                                 + inputData[i10 + c] * fy * ((1 << 10) - fx)
                                 + inputData[i01 + c] * ((1 << 10) - fy) * fx
                                 + inputData[i11 + c] * fy * fx;
                        long round = sum > 0 ? 1 << 19 : -(1 << 19);
                        values[c] = (sbyte)((sum + round) / (1 << 20));
                    }
                    ArgMaxReference.ArgMax<sbyte, TIndex>(values, 1, depth, 1, output.Slice(o, 1));
                }
            }
    }
}
