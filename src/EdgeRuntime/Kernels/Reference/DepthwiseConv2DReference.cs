using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// DEPTHWISE_CONV_2D, plain scalar NHWC. Filter is [1, fH, fW, outC] with outC = inC * depthMultiplier and
/// output channel oc = ic * depthMultiplier + m reading input channel ic. Arithmetic follows TFLite's
/// reference_ops::depthwise_conv (uint8, internal/reference/depthwiseconv_uint8.h) and
/// reference_integer_ops::DepthwiseConvPerChannel (int8): per output value, the exact int32 sum over
/// (fy, fx) of (filter + filterOffset) * (input + inputOffset), plus bias, requantized with that
/// channel's multiplier, plus output offset, clamped. Integer sums are exact, so accumulating all
/// channels of a pixel together (innermost loop over channels) gives the same result.
/// </summary>
internal static class DepthwiseConv2DReference
{
    /// <summary>Channels accumulated together on the stack; wider tensors are processed in tranches.</summary>
    private const int Tranche = 512;

    public static void Quantized(
        QuantizedConvParams p, ConvGeometry g, int depthMultiplier,
        Shape4 inputShape, ReadOnlySpan<byte> input,
        Shape4 filterShape, ReadOnlySpan<byte> filter,
        ReadOnlySpan<int> bias,
        Shape4 outputShape, Span<byte> output)
        => QuantizedCore(p, g, depthMultiplier, inputShape, input, filterShape, filter, bias, outputShape, output);

    public static void Quantized(
        QuantizedConvParams p, ConvGeometry g, int depthMultiplier,
        Shape4 inputShape, ReadOnlySpan<sbyte> input,
        Shape4 filterShape, ReadOnlySpan<sbyte> filter,
        ReadOnlySpan<int> bias,
        Shape4 outputShape, Span<sbyte> output)
        => QuantizedCore(p, g, depthMultiplier, inputShape, input, filterShape, filter, bias, outputShape, output);

    private static void QuantizedCore<T>(
        QuantizedConvParams p, ConvGeometry g, int depthMultiplier,
        Shape4 inputShape, ReadOnlySpan<T> input,
        Shape4 filterShape, ReadOnlySpan<T> filter,
        ReadOnlySpan<int> bias,
        Shape4 outputShape, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        CheckShapes(depthMultiplier, inputShape, input.Length, filterShape, filter.Length, bias.Length, outputShape, output.Length);
        int outDepth = outputShape.C;
        Span<int> acc = stackalloc int[Math.Min(Tranche, outDepth)];

        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        {
            int inYOrigin = oy * g.StrideH - g.PadH;
            for (int ox = 0; ox < outputShape.W; ox++)
            {
                int inXOrigin = ox * g.StrideW - g.PadW;
                int outBase = outputShape.Offset(b, oy, ox, 0);
                for (int c0 = 0; c0 < outDepth; c0 += acc.Length)
                {
                    int count = Math.Min(acc.Length, outDepth - c0);
                    Span<int> a = acc[..count];
                    a.Clear();
                    for (int fy = 0; fy < filterShape.H; fy++)
                    {
                        int inY = inYOrigin + g.DilationH * fy;
                        if ((uint)inY >= (uint)inputShape.H) continue;
                        for (int fx = 0; fx < filterShape.W; fx++)
                        {
                            int inX = inXOrigin + g.DilationW * fx;
                            if ((uint)inX >= (uint)inputShape.W) continue;
                            int inBase = inputShape.Offset(b, inY, inX, 0);
                            int filterBase = filterShape.Offset(0, fy, fx, c0);
                            if (depthMultiplier == 1)
                            {
                                // Common case, written out so the inner loop has no division: ic == oc.
                                ReadOnlySpan<T> x = input.Slice(inBase + c0, count);
                                ReadOnlySpan<T> w = filter.Slice(filterBase, count);
                                for (int k = 0; k < count; k++)
                                    a[k] += (int.CreateTruncating(w[k]) + p.FilterOffset) * (int.CreateTruncating(x[k]) + p.InputOffset);
                            }
                            else
                            {
                                for (int k = 0; k < count; k++)
                                {
                                    int ic = (c0 + k) / depthMultiplier;
                                    a[k] += (int.CreateTruncating(filter[filterBase + k]) + p.FilterOffset)
                                          * (int.CreateTruncating(input[inBase + ic]) + p.InputOffset);
                                }
                            }
                        }
                    }
                    for (int k = 0; k < count; k++)
                    {
                        int oc = c0 + k;
                        int v = a[k];
                        if (!bias.IsEmpty) v += bias[oc];
                        v = Requantize.Apply(v, p.MultiplierFor(oc), p.ShiftFor(oc), p.Rounding);
                        v += p.OutputOffset;
                        v = Math.Clamp(v, p.ActivationMin, p.ActivationMax);
                        output[outBase + oc] = T.CreateTruncating(v);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Float depthwise: per output value, total = sum over (fy, fx) of input*filter in that order,
    /// then total + bias, then clamp (TFLite reference_ops::DepthwiseConv, depthwiseconv_float.h). With
    /// <paramref name="fusedMultiplyAdd"/> each tap is one fused multiply-add (the AVX2/AdvSimd kernels).
    /// </summary>
    public static void Float(
        ConvGeometry g, int depthMultiplier, float activationMin, float activationMax,
        Shape4 inputShape, ReadOnlySpan<float> input,
        Shape4 filterShape, ReadOnlySpan<float> filter,
        ReadOnlySpan<float> bias,
        Shape4 outputShape, Span<float> output, bool fusedMultiplyAdd = false)
    {
        CheckShapes(depthMultiplier, inputShape, input.Length, filterShape, filter.Length, bias.Length, outputShape, output.Length);
        int outDepth = outputShape.C;
        Span<float> acc = stackalloc float[Math.Min(Tranche, outDepth)];

        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        {
            int inYOrigin = oy * g.StrideH - g.PadH;
            for (int ox = 0; ox < outputShape.W; ox++)
            {
                int inXOrigin = ox * g.StrideW - g.PadW;
                int outBase = outputShape.Offset(b, oy, ox, 0);
                for (int c0 = 0; c0 < outDepth; c0 += acc.Length)
                {
                    int count = Math.Min(acc.Length, outDepth - c0);
                    Span<float> a = acc[..count];
                    a.Clear();
                    for (int fy = 0; fy < filterShape.H; fy++)
                    {
                        int inY = inYOrigin + g.DilationH * fy;
                        if ((uint)inY >= (uint)inputShape.H) continue;
                        for (int fx = 0; fx < filterShape.W; fx++)
                        {
                            int inX = inXOrigin + g.DilationW * fx;
                            if ((uint)inX >= (uint)inputShape.W) continue;
                            int inBase = inputShape.Offset(b, inY, inX, 0);
                            int filterBase = filterShape.Offset(0, fy, fx, c0);
                            if (fusedMultiplyAdd)
                                for (int k = 0; k < count; k++) a[k] = MathF.FusedMultiplyAdd(input[inBase + (c0 + k) / depthMultiplier], filter[filterBase + k], a[k]);
                            else
                                for (int k = 0; k < count; k++) a[k] += input[inBase + (c0 + k) / depthMultiplier] * filter[filterBase + k];
                        }
                    }
                    for (int k = 0; k < count; k++)
                    {
                        float biasValue = bias.IsEmpty ? 0f : bias[c0 + k];
                        output[outBase + c0 + k] = Math.Min(Math.Max(a[k] + biasValue, activationMin), activationMax);
                    }
                }
            }
        }
    }

    private static void CheckShapes(int depthMultiplier, Shape4 inputShape, int inputLength, Shape4 filterShape, int filterLength, int biasLength, Shape4 outputShape, int outputLength)
    {
        if (depthMultiplier < 1) throw new ArgumentException($"depth multiplier {depthMultiplier} < 1");
        if (inputShape.FlatSize != inputLength) throw new ArgumentException($"input has {inputLength} elements, shape {inputShape} needs {inputShape.FlatSize}");
        if (filterShape.FlatSize != filterLength) throw new ArgumentException($"filter has {filterLength} elements, shape {filterShape} needs {filterShape.FlatSize}");
        if (outputShape.FlatSize != outputLength) throw new ArgumentException($"output has {outputLength} elements, shape {outputShape} needs {outputShape.FlatSize}");
        if (filterShape.N != 1) throw new ArgumentException($"depthwise filter must be [1,H,W,C], got {filterShape}");
        if (filterShape.C != outputShape.C) throw new ArgumentException($"filter depth {filterShape.C} != output depth {outputShape.C}");
        if (outputShape.C != inputShape.C * depthMultiplier) throw new ArgumentException($"output depth {outputShape.C} != input depth {inputShape.C} x multiplier {depthMultiplier}");
        if (outputShape.N != inputShape.N) throw new ArgumentException($"output batch {outputShape.N} != input batch {inputShape.N}");
        if (biasLength != 0 && biasLength != outputShape.C) throw new ArgumentException($"bias has {biasLength} elements for {outputShape.C} output channels");
    }
}
