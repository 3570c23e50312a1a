using System.Numerics;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// Quantized MUL parameters as TFLite's mul.cc Prepare computes them: real multiplier
/// in1_scale * in2_scale / out_scale evaluated in float (the C++ expression is all-float), widened to double,
/// then QuantizeMultiplier (may be above 1).
/// </summary>
internal readonly record struct MulQuantParams(int Input1Offset, int Input2Offset, int OutputOffset, int OutputMultiplier, int OutputShift, int ActivationMin, int ActivationMax)
{
    public static MulQuantParams Create(float scale1, int zeroPoint1, float scale2, int zeroPoint2, float outputScale, int outputZeroPoint, int activationMin, int activationMax)
    {
        float product = scale1 * scale2;
        float realFloat = product / outputScale;
        FixedPoint.QuantizeMultiplier(realFloat, out int m, out int s);
        return new MulQuantParams(-zeroPoint1, -zeroPoint2, outputZeroPoint, m, s, activationMin, activationMax);
    }
}

/// <summary>
/// MUL as TFLite's builtin kernel computes it: MulElementwise / BroadcastMul4DSlow
/// (tensorflow/lite/kernels/internal/reference/mul.h, reference/integer_ops/mul.h).
/// Safe when the output aliases an input of the same shape.
/// </summary>
internal static class MulReference
{
    public static int MulOne(int q1, int q2, in MulQuantParams p)
    {
        int product = (p.Input1Offset + q1) * (p.Input2Offset + q2);
        int raw = p.OutputOffset + FixedPoint.MultiplyByQuantizedMultiplier(product, p.OutputMultiplier, p.OutputShift);
        return Math.Clamp(raw, p.ActivationMin, p.ActivationMax);
    }

    public static void Quantized<T>(in MulQuantParams p, Shape4 shape1, ReadOnlySpan<T> input1, Shape4 shape2, ReadOnlySpan<T> input2, Shape4 outputShape, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (shape1 == outputShape && shape2 == outputShape)
        {
            int size = outputShape.FlatSize;
            for (int i = 0; i < size; i++)
                output[i] = T.CreateTruncating(MulOne(int.CreateTruncating(input1[i]), int.CreateTruncating(input2[i]), p));
            return;
        }
        Broadcast4 b1 = Broadcast4.For(shape1, outputShape), b2 = Broadcast4.For(shape2, outputShape);
        int o = 0;
        for (int n = 0; n < outputShape.N; n++)
            for (int h = 0; h < outputShape.H; h++)
                for (int w = 0; w < outputShape.W; w++)
                    for (int c = 0; c < outputShape.C; c++)
                        output[o++] = T.CreateTruncating(MulOne(
                            int.CreateTruncating(input1[b1.Offset(n, h, w, c)]),
                            int.CreateTruncating(input2[b2.Offset(n, h, w, c)]), p));
    }

    public static void Float(float activationMin, float activationMax, Shape4 shape1, ReadOnlySpan<float> input1, Shape4 shape2, ReadOnlySpan<float> input2, Shape4 outputShape, Span<float> output)
    {
        if (shape1 == outputShape && shape2 == outputShape)
        {
            int size = outputShape.FlatSize;
            for (int i = 0; i < size; i++)
                output[i] = AddReference.Activate(input1[i] * input2[i], activationMin, activationMax);
            return;
        }
        Broadcast4 b1 = Broadcast4.For(shape1, outputShape), b2 = Broadcast4.For(shape2, outputShape);
        int o = 0;
        for (int n = 0; n < outputShape.N; n++)
            for (int h = 0; h < outputShape.H; h++)
                for (int w = 0; w < outputShape.W; w++)
                    for (int c = 0; c < outputShape.C; c++)
                        output[o++] = AddReference.Activate(input1[b1.Offset(n, h, w, c)] * input2[b2.Offset(n, h, w, c)], activationMin, activationMax);
    }
}
