using System.Numerics;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// Quantized ADD parameters, computed as TFLite's add.cc Prepare does for uint8/int8 (PrepareGeneralSubOp):
/// inputs are shifted left by 20 bits, scaled by in_scale / (2 * max(in1_scale, in2_scale)), summed, and the
/// sum scaled by 2 * max_scale / (2^20 * out_scale). All three multipliers come from QuantizeMultiplierSmallerThanOneExp.
/// </summary>
internal readonly record struct AddQuantParams(
    int Input1Offset, int Input1Multiplier, int Input1Shift,
    int Input2Offset, int Input2Multiplier, int Input2Shift,
    int OutputOffset, int OutputMultiplier, int OutputShift,
    int LeftShift, int ActivationMin, int ActivationMax)
{
    public const int LeftShift8Bit = 20;

    public static AddQuantParams Create(float scale1, int zeroPoint1, float scale2, int zeroPoint2, float outputScale, int outputZeroPoint, int activationMin, int activationMax)
    {
        // Float arithmetic exactly as the C++ source: 2 * max(float, float) is a float, the divisions are double.
        float twiceMax = 2 * MathF.Max(scale1, scale2);
        double twiceMaxInputScale = twiceMax;
        double real1 = scale1 / twiceMaxInputScale;
        double real2 = scale2 / twiceMaxInputScale;
        double realOut = twiceMaxInputScale / ((1 << LeftShift8Bit) * outputScale);
        QuantizeSmallerThanOne(real1, out int m1, out int s1);
        QuantizeSmallerThanOne(real2, out int m2, out int s2);
        QuantizeSmallerThanOne(realOut, out int mo, out int so);
        return new AddQuantParams(-zeroPoint1, m1, s1, -zeroPoint2, m2, s2, outputZeroPoint, mo, so, LeftShift8Bit, activationMin, activationMax);
    }

    /// <summary>TFLite QuantizeMultiplierSmallerThanOneExp: QuantizeMultiplier, and the multiplier must be below 1 (shift &lt;= 0).</summary>
    public static void QuantizeSmallerThanOne(double real, out int multiplier, out int shift)
    {
        if (!(real > 0.0 && real < 1.0))
            throw new ArgumentOutOfRangeException(nameof(real), real, "multiplier must be in (0, 1)");
        FixedPoint.QuantizeMultiplier(real, out multiplier, out shift);
        if (shift > 0) throw new ArgumentOutOfRangeException(nameof(real), real, "multiplier rounded up to 1");
    }
}

/// <summary>
/// ADD as TFLite's builtin kernel computes it: reference_ops/integer_ops AddElementwise and
/// BroadcastAdd4DSlow (tensorflow/lite/kernels/internal/reference/add.h, reference/integer_ops/add.h).
/// Safe when the output aliases an input of the same shape (each element is read before it is written).
/// </summary>
internal static class AddReference
{
    /// <summary>One quantized element: the gemmlowp arithmetic of AddElementwise.</summary>
    public static int AddOne(int q1, int q2, in AddQuantParams p)
    {
        int shifted1 = (p.Input1Offset + q1) * (1 << p.LeftShift);
        int shifted2 = (p.Input2Offset + q2) * (1 << p.LeftShift);
        int scaled1 = FixedPoint.MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted1, p.Input1Multiplier, p.Input1Shift);
        int scaled2 = FixedPoint.MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted2, p.Input2Multiplier, p.Input2Shift);
        int raw = FixedPoint.MultiplyByQuantizedMultiplierSmallerThanOneExp(scaled1 + scaled2, p.OutputMultiplier, p.OutputShift) + p.OutputOffset;
        return Math.Clamp(raw, p.ActivationMin, p.ActivationMax);
    }

    /// <summary>Quantized uint8/int8 ADD with 4-D numpy broadcasting (equal shapes run elementwise).</summary>
    public static void Quantized<T>(in AddQuantParams p, Shape4 shape1, ReadOnlySpan<T> input1, Shape4 shape2, ReadOnlySpan<T> input2, Shape4 outputShape, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (shape1 == outputShape && shape2 == outputShape)
        {
            int size = outputShape.FlatSize;
            for (int i = 0; i < size; i++)
                output[i] = T.CreateTruncating(AddOne(int.CreateTruncating(input1[i]), int.CreateTruncating(input2[i]), p));
            return;
        }
        Broadcast4 b1 = Broadcast4.For(shape1, outputShape), b2 = Broadcast4.For(shape2, outputShape);
        int o = 0;
        for (int n = 0; n < outputShape.N; n++)
            for (int h = 0; h < outputShape.H; h++)
                for (int w = 0; w < outputShape.W; w++)
                    for (int c = 0; c < outputShape.C; c++)
                        output[o++] = T.CreateTruncating(AddOne(
                            int.CreateTruncating(input1[b1.Offset(n, h, w, c)]),
                            int.CreateTruncating(input2[b2.Offset(n, h, w, c)]), p));
    }

    /// <summary>Float ADD: clamp(a + b) to the fused activation range (ActivationFunctionWithMinMax).</summary>
    public static void Float(float activationMin, float activationMax, Shape4 shape1, ReadOnlySpan<float> input1, Shape4 shape2, ReadOnlySpan<float> input2, Shape4 outputShape, Span<float> output)
    {
        if (shape1 == outputShape && shape2 == outputShape)
        {
            int size = outputShape.FlatSize;
            for (int i = 0; i < size; i++)
                output[i] = Activate(input1[i] + input2[i], activationMin, activationMax);
            return;
        }
        Broadcast4 b1 = Broadcast4.For(shape1, outputShape), b2 = Broadcast4.For(shape2, outputShape);
        int o = 0;
        for (int n = 0; n < outputShape.N; n++)
            for (int h = 0; h < outputShape.H; h++)
                for (int w = 0; w < outputShape.W; w++)
                    for (int c = 0; c < outputShape.C; c++)
                        output[o++] = Activate(input1[b1.Offset(n, h, w, c)] + input2[b2.Offset(n, h, w, c)], activationMin, activationMax);
    }

    /// <summary>TFLite ActivationFunctionWithMinMax: std::min(std::max(x, lo), hi), with std::max/min's exact comparisons.</summary>
    public static float Activate(float x, float min, float max)
    {
        float y = x < min ? min : x;
        return max < y ? max : y;
    }
}
