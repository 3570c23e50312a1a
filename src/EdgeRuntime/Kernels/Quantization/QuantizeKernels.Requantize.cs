using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// Variants: Portable (Vector128, 16 codes per step), Avx2 (Vector256, 32 codes per step, then Vector128); the same
/// <see cref="Select"/> as AffineQuantize.
/// </summary>
public static partial class QuantizeKernels
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
        SimdVariants.AssertSupported(variant);
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
