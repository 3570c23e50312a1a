namespace EdgeRuntime.Kernels.Reference;

/// <summary>The coordinate mapping of a bilinear resize: align_corners and half_pixel_centers.</summary>
internal readonly record struct ResizeBilinearParams(bool AlignCorners, bool HalfPixelCenters);

/// <summary>
/// RESIZE_BILINEAR exactly as TFLite's builtin (kGenericOptimized / kNeonOptimized) kernel runs it per type
/// (tensorflow/lite/kernels/resize_bilinear.cc -> internal/optimized/resize_bilinear.h):
/// <list type="bullet">
/// <item>float: optimized_ops::ResizeBilinear: the 2x2 upsample special case when neither flag is set and the output
/// is exactly twice the input, else ResizeBilinearGeneric (zeroed output accumulating the four corner
/// contributions in the order (y0,x0), (y0,x1), (y1,x0), (y1,x1)).</item>
/// <item>uint8: optimized_ops::ResizeBilinear(uint8) -> ResizeBilinearGenericSmallChannel: float weights, sum of four
/// products + 0.5, truncated. (Its ResizeBilinear888Uint8 fast path for exact 8x half-pixel upsampling of
/// depth%8==0 tensors is NOT reproduced: see <see cref="IsUInt8EightfoldFastPath"/>.)</item>
/// <item>int8: reference_ops::ResizeBilinearInteger: 10 fractional bits for positions, 20 for the products,
/// rounded half away from zero.</item>
/// </list>
/// All arithmetic is float32 without fused multiply-add, as in the portable (non-NEON/FMA-contracted) build.
/// </summary>
internal static class ResizeBilinearReference
{
    /// <summary>TFLite's scale: in/out, or (in-1)/(out-1) with align_corners and out &gt; 1, in float.</summary>
    public static float Scale(int inputSize, int outputSize, bool alignCorners) =>
        alignCorners && outputSize > 1 ? (float)(inputSize - 1) / (outputSize - 1) : (float)inputSize / outputSize;

    /// <summary>reference_ops::ComputeInterpolationValues (float).</summary>
    public static void InterpolationValues(int value, float scale, bool halfPixelCenters, int inputSize, out float scaled, out int lower, out int upper)
    {
        scaled = halfPixelCenters ? (value + 0.5f) * scale - 0.5f : value * scale;
        lower = Math.Max((int)MathF.Floor(scaled), 0);
        upper = Math.Min((int)MathF.Ceiling(scaled), inputSize - 1);
    }

    /// <summary>True when TFLite's uint8 kernel would take ResizeBilinear888Uint8 (not reproduced here).</summary>
    public static bool IsUInt8EightfoldFastPath(in ResizeBilinearParams p, Shape4 input, int outputHeight, int outputWidth)
    {
        if (p.AlignCorners || !p.HalfPixelCenters || input.C % 8 != 0) return false;
        int scale = outputHeight / input.H;
        return outputHeight >= 8 && outputWidth >= 8 && input.H * scale == outputHeight && input.W * scale == outputWidth && scale == 8;
    }

    public static void Float(in ResizeBilinearParams p, Shape4 input, ReadOnlySpan<float> inputData, Shape4 output, Span<float> outputData)
    {
        int depth = input.C;
        if (!p.AlignCorners && !p.HalfPixelCenters && output.H == 2 * input.H && output.W == 2 * input.W)
        {
            // optimized_ops ResizeBilinear2x2 / ResizeBilinearKernel2x2.
            for (int b = 0; b < input.N; b++)
                for (int y0 = 0, y = 0; y <= output.H - 2; y += 2, y0++)
                    for (int x0 = 0, x = 0; x <= output.W - 2; x += 2, x0++)
                    {
                        int x1 = Math.Min(x0 + 1, input.W - 1);
                        int y1 = Math.Min(y0 + 1, input.H - 1);
                        for (int c = 0; c < depth; c++)
                        {
                            float v00 = inputData[input.Offset(b, y0, x0, c)];
                            float v01 = inputData[input.Offset(b, y0, x1, c)];
                            float v10 = inputData[input.Offset(b, y1, x0, c)];
                            float v11 = inputData[input.Offset(b, y1, x1, c)];
                            float bottomLeft = (v00 + v10) / 2;
                            outputData[output.Offset(b, y, x, c)] = v00;
                            outputData[output.Offset(b, y, x + 1, c)] = (v00 + v01) / 2;
                            outputData[output.Offset(b, y + 1, x, c)] = bottomLeft;
                            outputData[output.Offset(b, y + 1, x + 1, c)] = (bottomLeft + (v01 + v11) / 2) / 2;
                        }
                    }
            return;
        }

        float heightScale = Scale(input.H, output.H, p.AlignCorners);
        float widthScale = Scale(input.W, output.W, p.AlignCorners);
        int o = 0;
        for (int b = 0; b < input.N; b++)
            for (int y = 0; y < output.H; y++)
            {
                InterpolationValues(y, heightScale, p.HalfPixelCenters, input.H, out float iy, out int y0, out int y1);
                for (int x = 0; x < output.W; x++, o += depth)
                {
                    InterpolationValues(x, widthScale, p.HalfPixelCenters, input.W, out float ix, out int x0, out int x1);
                    float dy = iy - y0, dx = ix - x0;
                    float s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx;
                    int i00 = input.Offset(b, y0, x0, 0), i01 = input.Offset(b, y0, x1, 0);
                    int i10 = input.Offset(b, y1, x0, 0), i11 = input.Offset(b, y1, x1, 0);
                    for (int c = 0; c < depth; c++)
                    {
                        // Accumulates into a zeroed output as ResizeBilinearKernel does: ((0 + a) + b) + c) + d.
                        float acc = 0f;
                        acc += inputData[i00 + c] * s00;
                        acc += inputData[i01 + c] * s01;
                        acc += inputData[i10 + c] * s10;
                        acc += inputData[i11 + c] * s11;
                        outputData[o + c] = acc;
                    }
                }
            }
    }

    public static void UInt8(in ResizeBilinearParams p, Shape4 input, ReadOnlySpan<byte> inputData, Shape4 output, Span<byte> outputData)
    {
        if (IsUInt8EightfoldFastPath(p, input, output.H, output.W))
            throw new NotSupportedException("TFLite's uint8 8x half-pixel fast path (ResizeBilinear888Uint8) is not reproduced");
        float heightScale = Scale(input.H, output.H, p.AlignCorners);
        float widthScale = Scale(input.W, output.W, p.AlignCorners);
        int depth = input.C;
        int o = 0;
        for (int b = 0; b < input.N; b++)
            for (int y = 0; y < output.H; y++)
            {
                InterpolationValues(y, heightScale, p.HalfPixelCenters, input.H, out float iy, out int y0, out int y1);
                for (int x = 0; x < output.W; x++)
                {
                    InterpolationValues(x, widthScale, p.HalfPixelCenters, input.W, out float ix, out int x0, out int x1);
                    float dy = iy - y0, dx = ix - x0;
                    float s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx;
                    int i00 = input.Offset(b, y0, x0, 0), i01 = input.Offset(b, y0, x1, 0);
                    int i10 = input.Offset(b, y1, x0, 0), i11 = input.Offset(b, y1, x1, 0);
                    for (int c = 0; c < depth; c++)
                    {
                        float v = inputData[i00 + c] * s00 + inputData[i01 + c] * s01 + inputData[i10 + c] * s10 + inputData[i11 + c] * s11 + 0.5f;
                        outputData[o++] = (byte)(int)v; // static_cast<uint8>(float): truncation; v is in [0.5, 255.5].
                    }
                }
            }
    }

    /// <summary>reference_ops::ComputeInterpolationValuesInteger: positions in 1/1024 units.</summary>
    public static void InterpolationValuesInteger(int value, int scale10, bool halfPixelCenters, int inputSize, out int scaled, out int lower, out int upper)
    {
        scaled = halfPixelCenters ? value * scale10 + scale10 / 2 - (1 << 9) : value * scale10;
        lower = Math.Max(scaled / (1 << 10), 0);
        upper = Math.Min((scaled + (1 << 10) - 1) / (1 << 10), inputSize - 1);
    }

    /// <summary>The 10-bit fixed-point scale: round(1024 * in / out) (align_corners: (in-1)/(out-1)), integer division.</summary>
    public static int Scale10(int inputSize, int outputSize, bool alignCorners) =>
        alignCorners && outputSize > 1
            ? ((1 << 10) * (inputSize - 1) + (outputSize - 1) / 2) / (outputSize - 1)
            : ((1 << 10) * inputSize + outputSize / 2) / outputSize;

    public static void Int8(in ResizeBilinearParams p, Shape4 input, ReadOnlySpan<sbyte> inputData, Shape4 output, Span<sbyte> outputData)
    {
        int heightScale10 = Scale10(input.H, output.H, p.AlignCorners);
        int widthScale10 = Scale10(input.W, output.W, p.AlignCorners);
        int depth = input.C;
        int o = 0;
        for (int b = 0; b < input.N; b++)
            for (int y = 0; y < output.H; y++)
            {
                InterpolationValuesInteger(y, heightScale10, p.HalfPixelCenters, input.H, out int iy, out int y0, out int y1);
                long fy = iy - (1 << 10) * y0;
                for (int x = 0; x < output.W; x++)
                {
                    InterpolationValuesInteger(x, widthScale10, p.HalfPixelCenters, input.W, out int ix, out int x0, out int x1);
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
                        outputData[o++] = (sbyte)((sum + round) / (1 << 20)); // C++ division truncates toward zero, as C#'s.
                    }
                }
            }
    }
}
