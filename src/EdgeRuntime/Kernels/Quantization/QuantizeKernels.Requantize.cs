using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Quantization;

/// <summary>
/// SIMD QUANTIZE uint8/int8 -> uint8/int8 (requantization), bit-identical to <see cref="QuantizeReference.Requantize"/>:
/// per code, x = code - in_zp, then <see cref="FixedPoint.MultiplyByQuantizedMultiplier"/> lane-wise (x shifted left by
/// max(shift, 0), SaturatingRoundingDoublingHighMul by the multiplier, RoundingDivideByPOT by max(-shift, 0)), + out_zp,
/// clamped to the output type. The left shift wraps exactly as the reference's int multiply by 2^shift does. Shifts the
/// reference would mask (above 31, only for absurd scale ratios) take the reference.
/// Variants: Portable (Vector128, 16 codes per step), Avx2 (Vector256, 32 codes per step, then Vector128), AdvSimd
/// (SSHL/SQRDMULH/SRSHL on int32 lanes, 16 codes per step); the same
/// <see cref="Select"/> as AffineQuantize.
/// </summary>
internal static partial class QuantizeKernels
{
    public static void Requantize<TIn, TOut>(SimdVariant variant, ReadOnlySpan<TIn> input, Span<TOut> output, int inputZeroPoint, int outputZeroPoint, int multiplier, int shift)
        where TIn : unmanaged, IBinaryInteger<TIn>
        where TOut : unmanaged, IBinaryInteger<TOut>, IMinMaxValue<TOut>
    {
        if (!Is8Bit<TIn>() || !Is8Bit<TOut>()) throw new NotSupportedException($"requantization {typeof(TIn).Name} -> {typeof(TOut).Name}");
        if (variant == SimdVariant.Reference || shift > 31 || shift < -31)
        {
            QuantizeReference.Requantize(input, output, inputZeroPoint, outputZeroPoint, multiplier, shift);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        int n = input.Length;
        if (output.Length < n) throw new ArgumentException("output is shorter than input");
        int left = Math.Max(shift, 0), right = Math.Max(-shift, 0);
        int qmin = int.CreateTruncating(TOut.MinValue), qmax = int.CreateTruncating(TOut.MaxValue);
        ref TIn rin = ref MemoryMarshal.GetReference(input);
        ref TOut rout = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (variant == SimdVariant.Avx2)
        {
            var p = new Requantize256(inputZeroPoint, outputZeroPoint, multiplier, left, right, qmin, qmax);
            for (; i <= n - 32; i += 32)
            {
                Codes.Widen(Vector256.LoadUnsafe(ref rin, (nuint)i), out var x0, out var x1, out var x2, out var x3);
                Codes.Narrow<TOut>(p.Apply(x0), p.Apply(x1), p.Apply(x2), p.Apply(x3)).StoreUnsafe(ref rout, (nuint)i);
            }
        }
        if (variant == SimdVariant.AdvSimd)
        {
            s_advSimdRequantize++; // a racy count is enough: it only has to move
            i = RequantizeAdvSimd(ref rin, ref rout, n, inputZeroPoint, outputZeroPoint, multiplier, left, right, qmin, qmax);
        }
        {
            var p = new Requantize128(inputZeroPoint, outputZeroPoint, multiplier, left, right, qmin, qmax);
            for (; i <= n - 16; i += 16)
            {
                Codes.Widen(Vector128.LoadUnsafe(ref rin, (nuint)i), out var x0, out var x1, out var x2, out var x3);
                Codes.Narrow<TOut>(p.Apply(x0), p.Apply(x1), p.Apply(x2), p.Apply(x3)).StoreUnsafe(ref rout, (nuint)i);
            }
        }
        if (i < n) QuantizeReference.Requantize(input[i..], output[i..], inputZeroPoint, outputZeroPoint, multiplier, shift);
    }

    private static bool Is8Bit<T>() => typeof(T) == typeof(byte) || typeof(T) == typeof(sbyte);

    private static long s_advSimdRequantize;

    /// <summary>Calls of the AdvSimd requantize loop so far (the conformance suite checks that it really ran).</summary>
    internal static long AdvSimdRequantizeRuns => Volatile.Read(ref s_advSimdRequantize);

    /// <summary>
    /// ARM64: the Vector128 code's HighMul widens to 64-bit lanes, which AdvSimd cannot multiply (the JIT splits them into
    /// scalar multiplies). Here: SSHL (wrapping left shift, as the reference's int multiply), SQRDMULH (exactly
    /// SaturatingRoundingDoublingHighMul), gemmlowp's sign fix-up + SRSHL, the output zero point and the clamp in int32,
    /// every constant in a register; 16 codes per step.
    /// </summary>
    private static int RequantizeAdvSimd<TIn, TOut>(ref TIn rin, ref TOut rout, int n, int inZp, int outZp, int multiplier, int left, int right, int qmin, int qmax)
        where TIn : unmanaged where TOut : unmanaged
    {
        var vin = Vector128.Create(inZp);
        var vout = Vector128.Create(outZp);
        var m = Vector128.Create(multiplier);
        var l = Vector128.Create(left);
        var nr = Vector128.Create(-right);
        var min = Vector128.Create(qmin);
        var max = Vector128.Create(qmax);
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            Codes.Widen(Vector128.LoadUnsafe(ref rin, (nuint)i), out var x0, out var x1, out var x2, out var x3);
            Codes.Narrow<TOut>(RequantizeLanes(x0, vin, l, m, nr, vout, min, max), RequantizeLanes(x1, vin, l, m, nr, vout, min, max),
                RequantizeLanes(x2, vin, l, m, nr, vout, min, max), RequantizeLanes(x3, vin, l, m, nr, vout, min, max)).StoreUnsafe(ref rout, (nuint)i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> RequantizeLanes(Vector128<int> code, Vector128<int> inZp, Vector128<int> left, Vector128<int> m, Vector128<int> negRight,
        Vector128<int> outZp, Vector128<int> min, Vector128<int> max)
    {
        var x = AdvSimd.MultiplyRoundedDoublingSaturateHigh(AdvSimd.ShiftLogical(AdvSimd.Subtract(code, inZp), left), m);
        var fixup = AdvSimd.ShiftRightArithmetic(AdvSimd.And(x, negRight), 31);
        x = AdvSimd.Add(AdvSimd.ShiftArithmeticRounded(AdvSimd.AddSaturate(x, fixup), negRight), outZp);
        return AdvSimd.Min(AdvSimd.Max(x, min), max);
    }

    /// <summary>The per-lane arithmetic on four int32 lanes (codes widened from 8 bits).</summary>
    private readonly struct Requantize128(int inZeroPoint, int outZeroPoint, int multiplier, int left, int right, int qmin, int qmax)
    {
        private readonly Vector128<int> _inZp = Vector128.Create(inZeroPoint), _outZp = Vector128.Create(outZeroPoint), _m = Vector128.Create(multiplier);
        private readonly Vector128<int> _min = Vector128.Create(qmin), _max = Vector128.Create(qmax);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<int> Apply(Vector128<int> code)
        {
            Vector128<int> x = Vector128.ShiftLeft(code - _inZp, left); // left <= 31: x * 2^left modulo 2^32, as the reference
            x = PortableFixedPoint.RoundingDivideByPOT(PortableFixedPoint.HighMul(x, _m), right) + _outZp;
            return Vector128.Min(Vector128.Max(x, _min), _max);
        }
    }

    private readonly struct Requantize256(int inZeroPoint, int outZeroPoint, int multiplier, int left, int right, int qmin, int qmax)
    {
        private readonly Vector256<int> _inZp = Vector256.Create(inZeroPoint), _outZp = Vector256.Create(outZeroPoint), _m = Vector256.Create(multiplier);
        private readonly Vector256<int> _min = Vector256.Create(qmin), _max = Vector256.Create(qmax);
        private readonly Vector128<long> _left = Vector128.CreateScalar((long)left);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<int> Apply(Vector256<int> code)
        {
            Vector256<int> x = Avx2.ShiftLeftLogical(Avx2.Subtract(code, _inZp), _left.AsInt32());
            x = Avx2.Add(Avx2FixedPoint.RoundingDivideByPOT(Avx2FixedPoint.HighMul(x, _m), right), _outZp);
            return Avx2.Min(Avx2.Max(x, _min), _max);
        }
    }
}
