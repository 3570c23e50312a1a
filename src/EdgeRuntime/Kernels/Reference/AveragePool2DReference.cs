namespace EdgeRuntime.Kernels.Reference;

/// <summary>Window, strides and leading padding of a 2-D pooling op.</summary>
internal readonly record struct PoolGeometry(int FilterH, int FilterW, int StrideH, int StrideW, int PadH, int PadW);

/// <summary>
/// AVERAGE_POOL_2D, plain scalar NHWC. The average is over the window positions that fall inside the
/// input (padding is excluded from the count), as in TFLite. Quantized outputs use the input's
/// quantization (TFLite requires input and output scale/zero point to match), so codes are averaged
/// directly:
/// <list type="bullet">
/// <item>uint8: (sum + count/2) / count (reference_ops::AveragePool in internal/reference/pooling.h; the
/// optimized AveragePool16/32 in optimized_ops.h compute the same with uint16/uint32 accumulators).</item>
/// <item>int8: sum &gt; 0 ? (sum + count/2) / count : (sum - count/2) / count, C division truncating toward zero
/// (reference_integer_ops::AveragePool in internal/reference/integer_ops/pooling.h; the optimized
/// AveragePool16 in optimized/integer_ops/pooling.h is the same with int16 accumulators).</item>
/// <item>float: total accumulated over (fy, fx) in order, divided by the float count.</item>
/// </list>
/// Then the fused-activation clamp.
/// </summary>
internal static class AveragePool2DReference
{
    private const int Tranche = 512;

    public static void UInt8(PoolGeometry g, int activationMin, int activationMax,
        Shape4 inputShape, ReadOnlySpan<byte> input, Shape4 outputShape, Span<byte> output) =>
        Quantized(g, activationMin, activationMax, inputShape, input, outputShape, output);

    public static void Int8(PoolGeometry g, int activationMin, int activationMax,
        Shape4 inputShape, ReadOnlySpan<sbyte> input, Shape4 outputShape, Span<sbyte> output) =>
        Quantized(g, activationMin, activationMax, inputShape, input, outputShape, output);

    /// <summary>
    /// One loop for both 8-bit types. The int8 sign-aware rounding is also uint8's: with uint8 the sum is never
    /// negative, and for a zero sum (0 - count/2) / count truncates to 0, as (0 + count/2) / count does.
    /// </summary>
    private static void Quantized<T>(PoolGeometry g, int activationMin, int activationMax,
        Shape4 inputShape, ReadOnlySpan<T> input, Shape4 outputShape, Span<T> output)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        CheckShapes(g, inputShape, input.Length, outputShape, output.Length);
        int depth = inputShape.C;
        Span<int> acc = stackalloc int[Math.Min(Tranche, depth)];
        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        for (int ox = 0; ox < outputShape.W; ox++)
        {
            Window(g, inputShape, oy, ox, out int fy0, out int fy1, out int fx0, out int fx1, out int inY0, out int inX0);
            int count = (fy1 - fy0) * (fx1 - fx0);
            for (int c0 = 0; c0 < depth; c0 += acc.Length)
            {
                int n = Math.Min(acc.Length, depth - c0);
                Span<int> a = acc[..n];
                a.Clear();
                for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                {
                    ReadOnlySpan<T> x = input.Slice(inputShape.Offset(b, inY0 + fy, inX0 + fx, c0), n);
                    for (int k = 0; k < n; k++) a[k] += int.CreateTruncating(x[k]);
                }
                Span<T> o = output.Slice(outputShape.Offset(b, oy, ox, c0), n);
                for (int k = 0; k < n; k++)
                {
                    int sum = a[k];
                    int v = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                    o[k] = T.CreateTruncating(Math.Clamp(v, activationMin, activationMax));
                }
            }
        }
    }

    public static void Float(PoolGeometry g, float activationMin, float activationMax,
        Shape4 inputShape, ReadOnlySpan<float> input, Shape4 outputShape, Span<float> output)
    {
        CheckShapes(g, inputShape, input.Length, outputShape, output.Length);
        int depth = inputShape.C;
        Span<float> acc = stackalloc float[Math.Min(Tranche, depth)];
        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        for (int ox = 0; ox < outputShape.W; ox++)
        {
            Window(g, inputShape, oy, ox, out int fy0, out int fy1, out int fx0, out int fx1, out int inY0, out int inX0);
            float count = (fy1 - fy0) * (fx1 - fx0);
            for (int c0 = 0; c0 < depth; c0 += acc.Length)
            {
                int n = Math.Min(acc.Length, depth - c0);
                Span<float> a = acc[..n];
                a.Clear();
                for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                {
                    ReadOnlySpan<float> x = input.Slice(inputShape.Offset(b, inY0 + fy, inX0 + fx, c0), n);
                    for (int k = 0; k < n; k++) a[k] += x[k];
                }
                Span<float> o = output.Slice(outputShape.Offset(b, oy, ox, c0), n);
                for (int k = 0; k < n; k++)
                    o[k] = Math.Min(Math.Max(a[k] / count, activationMin), activationMax);
            }
        }
    }

    /// <summary>The in-bounds part of the window of output (oy, ox): filter rows [fy0, fy1), columns [fx0, fx1).</summary>
    private static void Window(PoolGeometry g, Shape4 inputShape, int oy, int ox,
        out int fy0, out int fy1, out int fx0, out int fx1, out int inY0, out int inX0)
    {
        inY0 = oy * g.StrideH - g.PadH;
        inX0 = ox * g.StrideW - g.PadW;
        fy0 = Math.Max(0, -inY0);
        fy1 = Math.Min(g.FilterH, inputShape.H - inY0);
        fx0 = Math.Max(0, -inX0);
        fx1 = Math.Min(g.FilterW, inputShape.W - inX0);
        if (fy1 <= fy0 || fx1 <= fx0)
            throw new ArgumentException($"pooling window of output ({oy},{ox}) covers no input pixel");
    }

    private static void CheckShapes(PoolGeometry g, Shape4 inputShape, int inputLength, Shape4 outputShape, int outputLength)
    {
        if (g.FilterH < 1 || g.FilterW < 1 || g.StrideH < 1 || g.StrideW < 1) throw new ArgumentException($"bad pooling geometry {g}");
        if (inputShape.FlatSize != inputLength) throw new ArgumentException($"input has {inputLength} elements, shape {inputShape} needs {inputShape.FlatSize}");
        if (outputShape.FlatSize != outputLength) throw new ArgumentException($"output has {outputLength} elements, shape {outputShape} needs {outputShape.FlatSize}");
        if (outputShape.N != inputShape.N || outputShape.C != inputShape.C) throw new ArgumentException($"output {outputShape} does not match input {inputShape} in batch/depth");
    }
}
