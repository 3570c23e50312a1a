using System.Runtime.CompilerServices;

namespace EdgeRuntime.Kernels;

/// <summary>
/// gemmlowp-style fixed-point arithmetic exactly as TFLite's reference kernels use it
/// (tensorflow/lite/kernels/internal/common.h and gemmlowp/fixedpoint). Every quantized kernel,
/// scalar or SIMD, must produce what these functions produce.
/// </summary>
internal static class FixedPoint
{
    /// <summary>
    /// TFLite QuantizeMultiplier: real multiplier -> Q31 significand and power-of-two exponent,
    /// real ~= significand * 2^(shift - 31). Positive shift means a left shift.
    /// </summary>
    public static void QuantizeMultiplier(double realMultiplier, out int quantizedMultiplier, out int shift)
    {
        if (realMultiplier == 0.0 || double.IsNaN(realMultiplier) || double.IsInfinity(realMultiplier))
        {
            quantizedMultiplier = 0;
            shift = 0;
            return;
        }
        double q = Frexp(realMultiplier, out shift);
        long qFixed = (long)Math.Round(q * (1L << 31), MidpointRounding.AwayFromZero);
        if (qFixed == 1L << 31)
        {
            qFixed /= 2;
            shift++;
        }
        if (shift < -31)
        {
            shift = 0;
            qFixed = 0;
        }
        quantizedMultiplier = (int)qFixed;
    }

    /// <summary>C's frexp: x = mantissa * 2^exponent with |mantissa| in [0.5, 1).</summary>
    public static double Frexp(double x, out int exponent)
    {
        if (x == 0.0 || double.IsNaN(x) || double.IsInfinity(x))
        {
            exponent = 0;
            return x;
        }
        exponent = Math.ILogB(x) + 1;
        double m = Math.ScaleB(x, -exponent);
        // Guard against rounding in ScaleB for subnormals pushing |m| to 1.
        if (Math.Abs(m) >= 1.0)
        {
            m /= 2;
            exponent++;
        }
        return m;
    }

    /// <summary>gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), saturating the one overflow case.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == b && a == int.MinValue) return int.MaxValue;
        long ab = (long)a * b;
        long nudge = ab >= 0 ? 1L << 30 : 1 - (1L << 30);
        // C++ integer division truncates toward zero; so does C#'s.
        return (int)((ab + nudge) / (1L << 31));
    }

    /// <summary>gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundingDivideByPOT(int x, int exponent)
    {
        int mask = (int)((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>TFLite MultiplyByQuantizedMultiplier (double rounding, the default build without TFLITE_SINGLE_ROUNDING).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplier(int x, int quantizedMultiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * (1 << leftShift), quantizedMultiplier), rightShift);
    }

    /// <summary>TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (shift &lt;= 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplierSmallerThanOneExp(int x, int quantizedMultiplier, int leftShift)
        => RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, quantizedMultiplier), -leftShift);

    /// <summary>TFLite MultiplyByQuantizedMultiplierGreaterThanOne (shift &gt;= 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplierGreaterThanOne(int x, int quantizedMultiplier, int leftShift)
        => SaturatingRoundingDoublingHighMul(x * (1 << leftShift), quantizedMultiplier);

    /// <summary>The [min, max] a fused activation allows for a quantized output (TFLite CalculateActivationRangeQuantized).</summary>
    public static (int Min, int Max) ActivationRange(Graph.FusedActivation activation, float scale, int zeroPoint, int qmin, int qmax)
    {
        int Quantize(float f) => zeroPoint + (int)MathF.Round(f / scale, MidpointRounding.AwayFromZero);
        return activation switch
        {
            Graph.FusedActivation.None => (qmin, qmax),
            Graph.FusedActivation.Relu => (Math.Max(qmin, Quantize(0f)), qmax),
            Graph.FusedActivation.Relu6 => (Math.Max(qmin, Quantize(0f)), Math.Min(qmax, Quantize(6f))),
            Graph.FusedActivation.ReluN1To1 => (Math.Max(qmin, Quantize(-1f)), Math.Min(qmax, Quantize(1f))),
            _ => throw new NotSupportedException($"fused activation {activation} is not supported on quantized tensors"),
        };
    }

    /// <summary>The [min, max] a fused activation allows for a float output.</summary>
    public static (float Min, float Max) ActivationRange(Graph.FusedActivation activation) => activation switch
    {
        Graph.FusedActivation.None => (float.NegativeInfinity, float.PositiveInfinity),
        Graph.FusedActivation.Relu => (0f, float.PositiveInfinity),
        Graph.FusedActivation.Relu6 => (0f, 6f),
        Graph.FusedActivation.ReluN1To1 => (-1f, 1f),
        _ => throw new NotSupportedException($"fused activation {activation} is not supported"),
    };
}
