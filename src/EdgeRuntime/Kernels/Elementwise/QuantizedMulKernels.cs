using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>
/// SIMD quantized MUL (uint8/int8), bit-identical to <see cref="MulReference.Quantized"/>, including the [C]-vector
/// broadcast. Same variants as <see cref="QuantizedAddKernels"/>.
/// </summary>
internal static class QuantizedMulKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: true);

    public static void Quantized<T>(SimdVariant variant, in MulQuantParams p, Shape4 shape1, ReadOnlySpan<T> input1, Shape4 shape2, ReadOnlySpan<T> input2, Shape4 outputShape, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (typeof(T) != typeof(byte) && typeof(T) != typeof(sbyte)) throw new NotSupportedException($"quantized MUL of {typeof(T).Name}");
        if (variant == SimdVariant.Reference)
        {
            MulReference.Quantized(p, shape1, input1, shape2, input2, outputShape, output);
            return;
        }
        QuantizedBinaryLoop.Run(variant, new MulOp(p), shape1, input1, shape2, input2, outputShape, output);
    }

    internal readonly struct MulOp(MulQuantParams p) : IQuantizedBinaryOp
    {
        private readonly MulQuantParams _p = p;
        // C#'s 1 << left masks the count to 5 bits; so does this.
        private readonly int _left = Math.Max(p.OutputShift, 0) & 31, _right = Math.Max(-p.OutputShift, 0);

        public int Scalar(int a, int b) => MulReference.MulOne(a, b, _p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<int> Invoke<TMath>(Vector128<int> a, Vector128<int> b) where TMath : struct, IFixedPoint128
        {
            // |(offset1 + q1) * (offset2 + q2)| <= 255 * 255; the left shift wraps exactly as the reference's x * (1 << left).
            Vector128<int> product = (a + Vector128.Create(_p.Input1Offset)) * (b + Vector128.Create(_p.Input2Offset));
            Vector128<int> scaled = TMath.RoundingDivideByPOT(TMath.HighMul(product << _left, Vector128.Create(_p.OutputMultiplier)), _right);
            Vector128<int> raw = scaled + Vector128.Create(_p.OutputOffset);
            return Vector128.Min(Vector128.Max(raw, Vector128.Create(_p.ActivationMin)), Vector128.Create(_p.ActivationMax));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<int> InvokeAvx2(Vector256<int> a, Vector256<int> b)
        {
            Vector256<int> product = Avx2.MultiplyLow(Avx2.Add(a, Vector256.Create(_p.Input1Offset)), Avx2.Add(b, Vector256.Create(_p.Input2Offset)));
            Vector256<int> scaled = Avx2FixedPoint.RoundingDivideByPOT(
                Avx2FixedPoint.HighMul(Avx2.ShiftLeftLogical(product, Vector128.CreateScalar(_left)), Vector256.Create(_p.OutputMultiplier)), _right);
            Vector256<int> raw = Avx2.Add(scaled, Vector256.Create(_p.OutputOffset));
            return Avx2.Min(Avx2.Max(raw, Vector256.Create(_p.ActivationMin)), Vector256.Create(_p.ActivationMax));
        }
    }
}
