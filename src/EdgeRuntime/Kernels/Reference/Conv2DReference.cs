using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>Spatial geometry shared by convolutions and pooling: strides, dilations, leading padding.</summary>
internal readonly record struct ConvGeometry(int StrideH, int StrideW, int DilationH, int DilationW, int PadH, int PadW)
{
    public static ConvGeometry Create(int strideH, int strideW, int padH, int padW, int dilationH = 1, int dilationW = 1)
        => new(strideH, strideW, dilationH, dilationW, padH, padW);
}

/// <summary>
/// Requantization of a quantized conv / depthwise conv, as TFLite's ConvParams + per-channel arrays.
/// Offsets follow TFLite's sign convention: InputOffset = -input_zero_point, FilterOffset = -filter_zero_point,
/// OutputOffset = +output_zero_point. Multiplier/Shift have one entry (per-tensor, broadcast) or one per
/// output channel; Shift is TFLite's exponent (positive = left).
/// </summary>
internal sealed record QuantizedConvParams(
    int InputOffset,
    int FilterOffset,
    int OutputOffset,
    int[] OutputMultiplier,
    int[] OutputShift,
    int ActivationMin,
    int ActivationMax,
    RequantizeRounding Rounding = RequantizeRounding.DoubleAwayFromZero)
{
    public int MultiplierFor(int channel) => OutputMultiplier.Length == 1 ? OutputMultiplier[0] : OutputMultiplier[channel];
    public int ShiftFor(int channel) => OutputShift.Length == 1 ? OutputShift[0] : OutputShift[channel];
}

/// <summary>
/// CONV_2D, plain scalar NHWC. Filter is [outC, fH, fW, inC] (OHWI). Arithmetic follows TFLite's
/// reference_ops::Conv (uint8, internal/reference/conv.h), reference_integer_ops::ConvPerChannel
/// (int8, internal/reference/integer_ops/conv.h) and the float reference Conv: exact int32
/// accumulation of (filter + filterOffset) * (input + inputOffset) over (fy, fx, ic), plus bias,
/// requantized, plus output offset, clamped. Bias may be empty (treated as zeros).
/// </summary>
internal static class Conv2DReference
{
    public static void Quantized(
        QuantizedConvParams p, ConvGeometry g,
        Shape4 inputShape, ReadOnlySpan<byte> input,
        Shape4 filterShape, ReadOnlySpan<byte> filter,
        ReadOnlySpan<int> bias,
        Shape4 outputShape, Span<byte> output)
        => QuantizedCore(p, g, inputShape, input, filterShape, filter, bias, outputShape, output);

    public static void Quantized(
        QuantizedConvParams p, ConvGeometry g,
        Shape4 inputShape, ReadOnlySpan<sbyte> input,
        Shape4 filterShape, ReadOnlySpan<sbyte> filter,
        ReadOnlySpan<int> bias,
        Shape4 outputShape, Span<sbyte> output)
        => QuantizedCore(p, g, inputShape, input, filterShape, filter, bias, outputShape, output);

    private static void QuantizedCore<T>(
        QuantizedConvParams p, ConvGeometry g,
        Shape4 inputShape, ReadOnlySpan<T> input,
        Shape4 filterShape, ReadOnlySpan<T> filter,
        ReadOnlySpan<int> bias,
        Shape4 outputShape, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        CheckShapes(inputShape, input.Length, filterShape, filter.Length, bias.Length, outputShape, output.Length);
        int inDepth = inputShape.C;
        int inputOffset = p.InputOffset, filterOffset = p.FilterOffset;

        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        {
            int inYOrigin = oy * g.StrideH - g.PadH;
            for (int ox = 0; ox < outputShape.W; ox++)
            {
                int inXOrigin = ox * g.StrideW - g.PadW;
                int outBase = outputShape.Offset(b, oy, ox, 0);
                for (int oc = 0; oc < outputShape.C; oc++)
                {
                    int acc = 0;
                    for (int fy = 0; fy < filterShape.H; fy++)
                    {
                        int inY = inYOrigin + g.DilationH * fy;
                        if ((uint)inY >= (uint)inputShape.H) continue;
                        for (int fx = 0; fx < filterShape.W; fx++)
                        {
                            int inX = inXOrigin + g.DilationW * fx;
                            if ((uint)inX >= (uint)inputShape.W) continue;
                            ReadOnlySpan<T> x = input.Slice(inputShape.Offset(b, inY, inX, 0), inDepth);
                            ReadOnlySpan<T> w = filter.Slice(filterShape.Offset(oc, fy, fx, 0), inDepth);
                            for (int ic = 0; ic < inDepth; ic++)
                                acc += (int.CreateTruncating(w[ic]) + filterOffset) * (int.CreateTruncating(x[ic]) + inputOffset);
                        }
                    }
                    if (!bias.IsEmpty) acc += bias[oc];
                    acc = Requantize.Apply(acc, p.MultiplierFor(oc), p.ShiftFor(oc), p.Rounding);
                    acc += p.OutputOffset;
                    acc = Math.Clamp(acc, p.ActivationMin, p.ActivationMax);
                    output[outBase + oc] = T.CreateTruncating(acc);
                }
            }
        }
    }

    /// <summary>
    /// Float conv: total = sum over (fy, fx, ic) of input*filter in that order, then total + bias, then clamp. With
    /// <paramref name="fusedMultiplyAdd"/> each tap is one fused multiply-add (one rounding): what the AVX2/AdvSimd kernels compute.
    /// </summary>
    public static void Float(
        ConvGeometry g, float activationMin, float activationMax,
        Shape4 inputShape, ReadOnlySpan<float> input,
        Shape4 filterShape, ReadOnlySpan<float> filter,
        ReadOnlySpan<float> bias,
        Shape4 outputShape, Span<float> output, bool fusedMultiplyAdd = false)
    {
        CheckShapes(inputShape, input.Length, filterShape, filter.Length, bias.Length, outputShape, output.Length);
        int inDepth = inputShape.C;
        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        {
            int inYOrigin = oy * g.StrideH - g.PadH;
            for (int ox = 0; ox < outputShape.W; ox++)
            {
                int inXOrigin = ox * g.StrideW - g.PadW;
                int outBase = outputShape.Offset(b, oy, ox, 0);
                for (int oc = 0; oc < outputShape.C; oc++)
                {
                    float total = 0f;
                    for (int fy = 0; fy < filterShape.H; fy++)
                    {
                        int inY = inYOrigin + g.DilationH * fy;
                        if ((uint)inY >= (uint)inputShape.H) continue;
                        for (int fx = 0; fx < filterShape.W; fx++)
                        {
                            int inX = inXOrigin + g.DilationW * fx;
                            if ((uint)inX >= (uint)inputShape.W) continue;
                            ReadOnlySpan<float> x = input.Slice(inputShape.Offset(b, inY, inX, 0), inDepth);
                            ReadOnlySpan<float> w = filter.Slice(filterShape.Offset(oc, fy, fx, 0), inDepth);
                            if (fusedMultiplyAdd)
                                for (int ic = 0; ic < inDepth; ic++) total = MathF.FusedMultiplyAdd(x[ic], w[ic], total);
                            else
                                for (int ic = 0; ic < inDepth; ic++) total += x[ic] * w[ic];
                        }
                    }
                    float biasValue = bias.IsEmpty ? 0f : bias[oc];
                    output[outBase + oc] = Math.Min(Math.Max(total + biasValue, activationMin), activationMax);
                }
            }
        }
    }

    private static void CheckShapes(Shape4 inputShape, int inputLength, Shape4 filterShape, int filterLength, int biasLength, Shape4 outputShape, int outputLength)
    {
        if (inputShape.FlatSize != inputLength) throw new ArgumentException($"input has {inputLength} elements, shape {inputShape} needs {inputShape.FlatSize}");
        if (filterShape.FlatSize != filterLength) throw new ArgumentException($"filter has {filterLength} elements, shape {filterShape} needs {filterShape.FlatSize}");
        if (outputShape.FlatSize != outputLength) throw new ArgumentException($"output has {outputLength} elements, shape {outputShape} needs {outputShape.FlatSize}");
        if (filterShape.C != inputShape.C) throw new ArgumentException($"filter depth {filterShape.C} != input depth {inputShape.C}");
        if (filterShape.N != outputShape.C) throw new ArgumentException($"filter count {filterShape.N} != output depth {outputShape.C}");
        if (outputShape.N != inputShape.N) throw new ArgumentException($"output batch {outputShape.N} != input batch {inputShape.N}");
        if (biasLength != 0 && biasLength != outputShape.C) throw new ArgumentException($"bias has {biasLength} elements for {outputShape.C} output channels");
    }
}
