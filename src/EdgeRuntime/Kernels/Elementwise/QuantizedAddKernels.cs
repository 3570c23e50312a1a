using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>
/// SIMD quantized ADD (uint8/int8), bit-identical to <see cref="AddReference.Quantized"/>: elementwise, scalar
/// broadcast and the [C]-vector broadcast of un-folded batch norm. Variants: Portable (Vector128 generic), Avx2
/// (Vector256 + VPMULDQ), AdvSimd (SQRDMULH + SRSHL).
/// </summary>
internal static class QuantizedAddKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: true);

    public static void Quantized<T>(SimdVariant variant, in AddQuantParams p, Shape4 shape1, ReadOnlySpan<T> input1, Shape4 shape2, ReadOnlySpan<T> input2, Shape4 outputShape, Span<T> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (typeof(T) != typeof(byte) && typeof(T) != typeof(sbyte)) throw new NotSupportedException($"quantized ADD of {typeof(T).Name}");
        if (variant == SimdVariant.Reference)
        {
            AddReference.Quantized(p, shape1, input1, shape2, input2, outputShape, output);
            return;
        }
        bool signed = typeof(T) == typeof(sbyte);
        if (variant == SimdVariant.AdvSimd && shape1 == outputShape && shape2 == outputShape && output.Length == outputShape.FlatSize
            && QuantizedAddAdvSimd.Applies(p, signed))
        {
            // Same shapes (the residual ADDs): constants in registers, SHL + ZIP instead of four widenings per input.
            int n = output.Length;
            QuantizedAddAdvSimd.Run(p, signed, MemoryMarshal.AsBytes(input1[..n]), MemoryMarshal.AsBytes(input2[..n]), MemoryMarshal.AsBytes(output));
            return;
        }
        QuantizedBinaryLoop.Run(variant, new AddOp(p), shape1, input1, shape2, input2, outputShape, output);
    }

    internal readonly struct AddOp(AddQuantParams p) : IQuantizedBinaryOp
    {
        private readonly AddQuantParams _p = p;

        public int Scalar(int a, int b) => AddReference.AddOne(a, b, _p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<int> Invoke<TMath>(Vector128<int> a, Vector128<int> b) where TMath : struct, IFixedPoint128
        {
            // (offset + q) << 20 cannot overflow: |offset + q| <= 255.
            Vector128<int> s1 = (a + Vector128.Create(_p.Input1Offset)) << _p.LeftShift;
            Vector128<int> s2 = (b + Vector128.Create(_p.Input2Offset)) << _p.LeftShift;
            s1 = TMath.RoundingDivideByPOT(TMath.HighMul(s1, Vector128.Create(_p.Input1Multiplier)), -_p.Input1Shift);
            s2 = TMath.RoundingDivideByPOT(TMath.HighMul(s2, Vector128.Create(_p.Input2Multiplier)), -_p.Input2Shift);
            Vector128<int> raw = TMath.RoundingDivideByPOT(TMath.HighMul(s1 + s2, Vector128.Create(_p.OutputMultiplier)), -_p.OutputShift)
                + Vector128.Create(_p.OutputOffset);
            return Vector128.Min(Vector128.Max(raw, Vector128.Create(_p.ActivationMin)), Vector128.Create(_p.ActivationMax));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<int> InvokeAvx2(Vector256<int> a, Vector256<int> b)
        {
            Vector256<int> s1 = Avx2.ShiftLeftLogical(Avx2.Add(a, Vector256.Create(_p.Input1Offset)), Vector128.CreateScalar(_p.LeftShift));
            Vector256<int> s2 = Avx2.ShiftLeftLogical(Avx2.Add(b, Vector256.Create(_p.Input2Offset)), Vector128.CreateScalar(_p.LeftShift));
            s1 = Avx2FixedPoint.RoundingDivideByPOT(Avx2FixedPoint.HighMul(s1, Vector256.Create(_p.Input1Multiplier)), -_p.Input1Shift);
            s2 = Avx2FixedPoint.RoundingDivideByPOT(Avx2FixedPoint.HighMul(s2, Vector256.Create(_p.Input2Multiplier)), -_p.Input2Shift);
            Vector256<int> raw = Avx2.Add(Avx2FixedPoint.RoundingDivideByPOT(Avx2FixedPoint.HighMul(Avx2.Add(s1, s2), Vector256.Create(_p.OutputMultiplier)), -_p.OutputShift),
                Vector256.Create(_p.OutputOffset));
            return Avx2.Min(Avx2.Max(raw, Vector256.Create(_p.ActivationMin)), Vector256.Create(_p.ActivationMax));
        }
    }
}
