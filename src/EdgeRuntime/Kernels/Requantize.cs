using System.Runtime.CompilerServices;

namespace EdgeRuntime.Kernels;

/// <summary>
/// How an int32 accumulator is scaled by a (Q31 multiplier, power-of-two shift) pair. TFLite's
/// builtin kernels do not agree with each other here: which one applies depends on the op, the type,
/// the build (TFLITE_WITH_RUY) and even the shape. All three are exact integer definitions.
/// Shift convention everywhere: positive = left shift (TFLite's "exponent").
/// </summary>
// Public only because xunit theories in the tests take it as a parameter; not part of the documented API (docs/api.md).
public enum RequantizeRounding
{
    /// <summary>
    /// TFLite MultiplyByQuantizedMultiplier (common.h, default build): SaturatingRoundingDoublingHighMul
    /// then RoundingDivideByPOT, ties away from zero. Used by the reference kernels, the gemmlowp GEMM
    /// (x86 uint8 conv), the custom GEMV path, and the optimized uint8 depthwise kernels (kAwayFromZero).
    /// </summary>
    DoubleAwayFromZero = 0,

    /// <summary>
    /// SQRDMULH then SRSHL: the same high-mul, then a rounding right shift with ties toward +infinity.
    /// TFLite's DepthwiseConvOutputRounding::kUpward (aarch64 int8 per-channel 3x3 depthwise kernel).
    /// </summary>
    DoubleUpward = 1,

    /// <summary>
    /// ruy's MultiplyByQuantizedMultiplier (ruy/apply_multiplier.cc): one rounding of the exact 64-bit
    /// product, (x*m + 2^(30-shift)) &gt;&gt; (31-shift), ties toward +infinity. Used by every conv whose
    /// GEMM runs on ruy (int8 conv on x86; uint8 and int8 conv on TFLITE_WITH_RUY builds, i.e. aarch64).
    /// </summary>
    Single = 2,
}

/// <summary>Requantization of an int32 accumulator (multiplier and shift) in each of TFLite's rounding modes.</summary>
internal static class Requantize
{
    /// <summary>Scales <paramref name="acc"/> by multiplier * 2^(shift-31) with the chosen rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Apply(int acc, int multiplier, int shift, RequantizeRounding rounding)
    {
        switch (rounding)
        {
            case RequantizeRounding.DoubleAwayFromZero:
                return FixedPoint.MultiplyByQuantizedMultiplier(acc, multiplier, shift);
            case RequantizeRounding.DoubleUpward:
            {
                int left = shift > 0 ? shift : 0;
                int right = shift > 0 ? 0 : -shift;
                int high = FixedPoint.SaturatingRoundingDoublingHighMul(acc * (1 << left), multiplier);
                return RoundingShiftRightUpward(high, right);
            }
            default:
            {
                int totalShift = 31 - shift;
                long product = (long)acc * multiplier + (1L << (totalShift - 1));
                return (int)(product >> totalShift);
            }
        }
    }

    /// <summary>ARM SRSHL by a negative amount: (x + 2^(n-1)) &gt;&gt; n, ties toward +infinity, computed without overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundingShiftRightUpward(int x, int exponent)
        => exponent == 0 ? x : (int)(((long)x + (1L << (exponent - 1))) >> exponent);
}

/// <summary>
/// Which <see cref="RequantizeRounding"/> each quantized op/type uses. Presets describe TFLite builds;
/// see the RequantizeRounding members for the source of each choice.
/// </summary>
internal sealed record QuantizedRoundingPolicy(
    RequantizeRounding ConvUInt8,
    RequantizeRounding ConvInt8,
    RequantizeRounding DepthwiseUInt8,
    RequantizeRounding DepthwiseInt8)
{
    /// <summary>TFLite's reference kernels (and what FixedPoint.MultiplyByQuantizedMultiplier defines): double rounding everywhere.</summary>
    public static QuantizedRoundingPolicy TfliteReference { get; } = new(
        RequantizeRounding.DoubleAwayFromZero, RequantizeRounding.DoubleAwayFromZero,
        RequantizeRounding.DoubleAwayFromZero, RequantizeRounding.DoubleAwayFromZero);

    /// <summary>
    /// What TFLite's builtin kernels compute on builds without NEON and without TFLITE_WITH_RUY (x86, WebAssembly):
    /// uint8 GEMM on gemmlowp (double rounding), int8 GEMM on ruy (one rounding of the 64-bit product, ties up),
    /// depthwise on the portable kernels (double rounding). EdgeRuntime's default: with it, the Coral uint8 logits and
    /// the TF Hub int8 output equal TFLite's golden tensors byte for byte (tests/EdgeRuntime.Tests/Models/GoldenRawTests).
    /// The same numbers come out on every CPU EdgeRuntime runs on.
    /// </summary>
    public static QuantizedRoundingPolicy TfliteBuiltin { get; } = new(
        RequantizeRounding.DoubleAwayFromZero, RequantizeRounding.Single,
        RequantizeRounding.DoubleAwayFromZero, RequantizeRounding.DoubleAwayFromZero);

    /// <summary>
    /// TFLite builtin kernels on aarch64 (TFLITE_WITH_RUY): both conv types on ruy; int8 depthwise through
    /// the 3x3 NEON kernel (kUpward). Approximate: TFLite falls back to double rounding for depthwise shapes
    /// the 3x3 kernel does not support and for single-pixel (GEMV) convs.
    /// </summary>
    public static QuantizedRoundingPolicy TfliteArm64Ruy { get; } = new(
        RequantizeRounding.Single, RequantizeRounding.Single,
        RequantizeRounding.DoubleAwayFromZero, RequantizeRounding.DoubleUpward);
}
