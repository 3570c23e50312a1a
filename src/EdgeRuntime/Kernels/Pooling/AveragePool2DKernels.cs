using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Pooling;

/// <summary>
/// SIMD AVERAGE_POOL_2D, bit-identical to <see cref="AveragePool2DReference"/> (also the global whole-map pool, which is
/// just a window covering the map). Channels run 16 (8-bit) or 4 (float) at a time with int32/float accumulators
/// in registers, the window walked per block; remaining channels run the reference arithmetic.
/// The integer division by the window count is a float-reciprocal estimate corrected by one exact integer step.
/// Portable only: Vector128 code lowers well on both SSE and AdvSimd, so Avx2/AdvSimd ISAs report "portable".
/// </summary>
internal static class AveragePool2DKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: false, hasAdvSimdPath: false);

    public static void UInt8(SimdVariant variant, PoolGeometry g, int activationMin, int activationMax, Shape4 inputShape, ReadOnlySpan<byte> input, Shape4 outputShape, Span<byte> output)
    {
        if (variant == SimdVariant.Reference) { AveragePool2DReference.UInt8(g, activationMin, activationMax, inputShape, input, outputShape, output); return; }
        Quantized(false, g, activationMin, activationMax, inputShape, input, outputShape, output);
    }

    public static void Int8(SimdVariant variant, PoolGeometry g, int activationMin, int activationMax, Shape4 inputShape, ReadOnlySpan<sbyte> input, Shape4 outputShape, Span<sbyte> output)
    {
        if (variant == SimdVariant.Reference) { AveragePool2DReference.Int8(g, activationMin, activationMax, inputShape, input, outputShape, output); return; }
        Quantized(true, g, activationMin, activationMax, inputShape, input, outputShape, output);
    }

    public static void Float(SimdVariant variant, PoolGeometry g, float activationMin, float activationMax, Shape4 inputShape, ReadOnlySpan<float> input, Shape4 outputShape, Span<float> output)
    {
        if (variant == SimdVariant.Reference) { AveragePool2DReference.Float(g, activationMin, activationMax, inputShape, input, outputShape, output); return; }
        CheckShapes(g, inputShape, input.Length, outputShape, output.Length);
        int depth = inputShape.C;
        ref float rin = ref MemoryMarshal.GetReference(input);
        ref float rout = ref MemoryMarshal.GetReference(output);
        var vmin = Vector128.Create(activationMin);
        var vmax = Vector128.Create(activationMax);
        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        for (int ox = 0; ox < outputShape.W; ox++)
        {
            Window(g, inputShape, oy, ox, out int fy0, out int fy1, out int fx0, out int fx1, out int inY0, out int inX0);
            float count = (fy1 - fy0) * (fx1 - fx0);
            var vcount = Vector128.Create(count);
            int outBase = outputShape.Offset(b, oy, ox, 0);
            int c = 0;
            for (; c <= depth - 4; c += 4)
            {
                Vector128<float> acc = Vector128<float>.Zero;
                for (int fy = fy0; fy < fy1; fy++)
                {
                    int row = inputShape.Offset(b, inY0 + fy, inX0, c);
                    for (int fx = fx0; fx < fx1; fx++)
                        acc += Vector128.LoadUnsafe(ref rin, (nuint)(row + fx * depth));
                }
                // Math.Min(Math.Max(x, lo), hi): Vector128.Max/Min follow Math.Max/Min (NaN propagates, +0 > -0).
                Vector128.Min(Vector128.Max(acc / vcount, vmin), vmax).StoreUnsafe(ref rout, (nuint)(outBase + c));
            }
            for (; c < depth; c++)
            {
                float acc = 0f;
                for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                    acc += input[inputShape.Offset(b, inY0 + fy, inX0 + fx, c)];
                output[outBase + c] = Math.Min(Math.Max(acc / count, activationMin), activationMax);
            }
        }
    }

    private static void Quantized<T>(bool signed, PoolGeometry g, int activationMin, int activationMax, Shape4 inputShape, ReadOnlySpan<T> input, Shape4 outputShape, Span<T> output)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        CheckShapes(g, inputShape, input.Length, outputShape, output.Length);
        int depth = inputShape.C;
        ref T rin = ref MemoryMarshal.GetReference(input);
        ref T rout = ref MemoryMarshal.GetReference(output);
        var vmin = Vector128.Create(activationMin);
        var vmax = Vector128.Create(activationMax);
        for (int b = 0; b < outputShape.N; b++)
        for (int oy = 0; oy < outputShape.H; oy++)
        for (int ox = 0; ox < outputShape.W; ox++)
        {
            Window(g, inputShape, oy, ox, out int fy0, out int fy1, out int fx0, out int fx1, out int inY0, out int inX0);
            int count = (fy1 - fy0) * (fx1 - fx0);
            var divisor = new Divisor(count);
            int outBase = outputShape.Offset(b, oy, ox, 0);
            int c = 0;
            for (; c <= depth - 16; c += 16)
            {
                Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int fy = fy0; fy < fy1; fy++)
                {
                    int row = inputShape.Offset(b, inY0 + fy, inX0, c);
                    for (int fx = fx0; fx < fx1; fx++)
                    {
                        Codes.Widen(Vector128.LoadUnsafe(ref rin, (nuint)(row + fx * depth)), out var x0, out var x1, out var x2, out var x3);
                        a0 += x0; a1 += x1; a2 += x2; a3 += x3;
                    }
                }
                Codes.Narrow<T>(
                    Vector128.Min(Vector128.Max(divisor.Average(a0, signed), vmin), vmax),
                    Vector128.Min(Vector128.Max(divisor.Average(a1, signed), vmin), vmax),
                    Vector128.Min(Vector128.Max(divisor.Average(a2, signed), vmin), vmax),
                    Vector128.Min(Vector128.Max(divisor.Average(a3, signed), vmin), vmax)).StoreUnsafe(ref rout, (nuint)(outBase + c));
            }
            for (; c < depth; c++)
            {
                int s = 0;
                for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                    s += int.CreateTruncating(input[inputShape.Offset(b, inY0 + fy, inX0 + fx, c)]);
                int v = !signed || s > 0 ? (s + count / 2) / count : (s - count / 2) / count;
                output[outBase + c] = T.CreateTruncating(Math.Clamp(v, activationMin, activationMax));
            }
        }
    }

    /// <summary>Exact lane-wise integer division by one positive count.</summary>
    private readonly struct Divisor(int count)
    {
        private readonly Vector128<int> _count = Vector128.Create(count);
        private readonly Vector128<int> _half = Vector128.Create(count / 2);
        private readonly Vector128<float> _reciprocal = Vector128.Create(1f / count);

        /// <summary>
        /// uint8: (s + count/2) / count for s &gt;= 0. int8: the same on |s| with s's sign, which is the reference's
        /// s &gt; 0 ? (s + count/2) / count : (s - count/2) / count under truncating division (s = 0 gives 0 either way).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<int> Average(Vector128<int> s, bool signed)
        {
            if (!signed) return FloorDivide(s + _half);
            Vector128<int> negative = Vector128.LessThan(s, Vector128<int>.Zero);
            Vector128<int> q = FloorDivide(Vector128.Abs(s) + _half);
            return Vector128.ConditionalSelect(negative, -q, q);
        }

        /// <summary>
        /// floor(n / count) for 0 &lt;= n &lt; 2^31. The float estimate is within 1 of the quotient (the quotient is at most 256,
        /// the relative error a few 2^-24), so one correction each way makes it exact.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector128<int> FloorDivide(Vector128<int> n)
        {
            Vector128<int> q = Vector128.ConvertToInt32Native(Vector128.ConvertToSingle(n) * _reciprocal); // in range, never NaN
            Vector128<int> r = n - q * _count;
            q -= Vector128.GreaterThanOrEqual(r, _count); // mask -1 where r >= count: q + 1
            q += Vector128.LessThan(r, Vector128<int>.Zero); // mask -1 where r < 0: q - 1
            return q;
        }
    }

    private static void Window(PoolGeometry g, Shape4 inputShape, int oy, int ox,
        out int fy0, out int fy1, out int fx0, out int fx1, out int inY0, out int inX0)
    {
        inY0 = oy * g.StrideH - g.PadH;
        inX0 = ox * g.StrideW - g.PadW;
        fy0 = Math.Max(0, -inY0);
        fy1 = Math.Min(g.FilterH, inputShape.H - inY0);
        fx0 = Math.Max(0, -inX0);
        fx1 = Math.Min(g.FilterW, inputShape.W - inX0);
        if (fy1 <= fy0 || fx1 <= fx0)
            throw new ArgumentException($"pooling window of output ({oy},{ox}) covers no input pixel");
    }

    private static void CheckShapes(PoolGeometry g, Shape4 inputShape, int inputLength, Shape4 outputShape, int outputLength)
    {
        if (g.FilterH < 1 || g.FilterW < 1 || g.StrideH < 1 || g.StrideW < 1) throw new ArgumentException($"bad pooling geometry {g}");
        if (inputShape.FlatSize != inputLength) throw new ArgumentException($"input has {inputLength} elements, shape {inputShape} needs {inputShape.FlatSize}");
        if (outputShape.FlatSize != outputLength) throw new ArgumentException($"output has {outputLength} elements, shape {outputShape} needs {outputShape.FlatSize}");
        if (outputShape.N != inputShape.N || outputShape.C != inputShape.C) throw new ArgumentException($"output {outputShape} does not match input {inputShape} in batch/depth");
        // Bounds for the unchecked vector loads: every window position read lies inside the input by Window's clamping.
    }
}
