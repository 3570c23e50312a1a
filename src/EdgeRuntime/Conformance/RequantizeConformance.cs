using System.Numerics;
using EdgeRuntime.Kernels.Quantization;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Conformance;

internal static partial class SimdOpsConformance
{
    /// <summary>
    /// QUANTIZE uint8/int8 -> uint8/int8 (requantization), all four type pairs: scale ratios from 1e-4 to 1e4 (right and left
    /// shifts), exactly 1 (the uint8 &lt;-&gt; int8 shortcut), powers of two, ratios so small the multiplier is 0 and so large the
    /// shift exceeds 31, zero points across each type's range, lengths with every tail.
    /// </summary>
    public static IEnumerable<string> RunRequantizeConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant v = QuantizeKernels.Select(isa);
        var rng = new Random(seed + 6);
        for (int k = 0; k < cases; k++)
        {
            int n = k % 10 == 0 ? 33 * 33 * 8 + rng.Next(0, 40) : rng.Next(0, 300);
            double ratio = (k % 8) switch
            {
                0 => 1.0,
                1 => Math.ScaleB(1.0, rng.Next(-12, 12)),
                2 => Math.ScaleB(1.0, -rng.Next(40, 60)) * (1 + rng.NextDouble()), // multiplier 0 (shift below -31)
                3 => Math.ScaleB(1.0, rng.Next(28, 40)) * (1 + rng.NextDouble()),  // left shifts of 28..40: wraps, and past 31 the reference
                4 => 1 - Math.ScaleB(rng.NextDouble(), -30),                       // rounds up to 2^31 and renormalises
                _ => Math.Exp(Math.Log(1e-4) + rng.NextDouble() * (Math.Log(1e4) - Math.Log(1e-4))),
            };
            FixedPoint.QuantizeMultiplier(ratio, out int multiplier, out int shift);
            string what = $"case {k} n={n} ratio={ratio:R} M={multiplier} shift={shift}";
            byte[] u = Codes8<byte>(rng, n);
            sbyte[] s = Codes8<sbyte>(rng, n);
            int zu = Zp(rng, 0, 255), zs = Zp(rng, -128, 127), ou = Zp(rng, 0, 255), os = Zp(rng, -128, 127);
            string? r;
            if ((r = CompareRequantize<byte, byte>($"QUANTIZE uint8->uint8 {what} zp {zu}->{ou}", v, u, zu, ou, multiplier, shift)) is not null) yield return r;
            if ((r = CompareRequantize<byte, sbyte>($"QUANTIZE uint8->int8 {what} zp {zu}->{os}", v, u, zu, os, multiplier, shift)) is not null) yield return r;
            if ((r = CompareRequantize<sbyte, byte>($"QUANTIZE int8->uint8 {what} zp {zs}->{ou}", v, s, zs, ou, multiplier, shift)) is not null) yield return r;
            if ((r = CompareRequantize<sbyte, sbyte>($"QUANTIZE int8->int8 {what} zp {zs}->{os}", v, s, zs, os, multiplier, shift)) is not null) yield return r;
        }

        // Zero points at the ends of the range half the time: x = code - zp then spans all of [-255, 255].
        static int Zp(Random rng, int min, int max) => rng.Next(4) switch { 0 => min, 1 => max, _ => rng.Next(min, max + 1) };
    }

    private static string? CompareRequantize<TIn, TOut>(string what, SimdVariant v, TIn[] input, int inZp, int outZp, int multiplier, int shift)
        where TIn : unmanaged, IBinaryInteger<TIn>
        where TOut : unmanaged, IBinaryInteger<TOut>, IMinMaxValue<TOut>
    {
        long runs = QuantizeKernels.AdvSimdRequantizeRuns;
        string? f = Compare<TOut>(what,
            o => QuantizeReference.Requantize<TIn, TOut>(input, o, inZp, outZp, multiplier, shift),
            o => QuantizeKernels.Requantize<TIn, TOut>(v, input, o, inZp, outZp, multiplier, shift), input.Length);
        // AdvSimd must have run its own loop (a silent fallback to the 64-bit-lane Vector128 code fails).
        if (f is null && v == SimdVariant.AdvSimd && shift is >= -31 and <= 31 && QuantizeKernels.AdvSimdRequantizeRuns == runs)
            f = what + ": the AdvSimd requantize loop did not run";
        return f;
    }
}
