using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Conformance;

internal static partial class SimdOpsConformance
{
    private static readonly float[] FloatSpecials = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 6f, -1f, 1f, 1e-40f, 3e38f];

    /// <summary>
    /// Float ADD and MUL: the broadcast layouts of the quantized suite, every fused activation, specials (-0 under Relu, NaN,
    /// infinities, the clamp bounds themselves), and the in-place form (output aliasing operand 1 of the output's shape).
    /// </summary>
    public static IEnumerable<string> RunFloatElementwiseConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant v = FloatBinaryKernels.Select(isa);
        var rng = new Random(seed);
        for (int k = 0; k < cases; k++)
        {
            Shape4 outShape = new(rng.Next(1, 3), rng.Next(1, 6), rng.Next(1, 9), RandomDepth(rng));
            (Shape4 s1, Shape4 s2) = BroadcastPair(rng, outShape, k);
            (float min, float max) = rng.Next(4) switch { 0 => (float.NegativeInfinity, float.PositiveInfinity), 1 => (0f, float.PositiveInfinity), 2 => (0f, 6f), _ => (-1f, 1f) };
            float[] a = FloatsWithSpecials(rng, s1.FlatSize), b = FloatsWithSpecials(rng, s2.FlatSize);
            string what = $"case {k} {s1},{s2}->{outShape} [{min},{max}]";
            long runs = FloatBinaryKernels.AdvSimdRuns;
            string? f = Compare<float>("float ADD " + what,
                o => AddReference.Float(min, max, s1, a, s2, b, outShape, o),
                o => FloatBinaryKernels.Add(v, min, max, s1, a, s2, b, outShape, o), outShape.FlatSize);
            if (f is not null) yield return f;
            f = Compare<float>("float MUL " + what,
                o => MulReference.Float(min, max, s1, a, s2, b, outShape, o),
                o => FloatBinaryKernels.Mul(v, min, max, s1, a, s2, b, outShape, o), outShape.FlatSize);
            if (f is not null) yield return f;
            if (v == SimdVariant.AdvSimd && FloatBinaryKernels.AdvSimdRuns - runs != 2)
                yield return "float ADD/MUL " + what + ": the AdvSimd rows did not run";
            if (s1 == outShape)
            {
                // In place: the operator lets the output reuse operand 1's buffer.
                f = Compare<float>("float ADD in place " + what,
                    o => AddReference.Float(min, max, s1, a, s2, b, outShape, o),
                    o => { a.CopyTo(o); FloatBinaryKernels.Add(v, min, max, s1, o, s2, b, outShape, o); }, outShape.FlatSize);
                if (f is not null) yield return f;
            }
        }
    }

    private static float[] FloatsWithSpecials(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = rng.Next(6) == 0 ? FloatSpecials[rng.Next(FloatSpecials.Length)] : (float)(rng.NextDouble() * 16 - 8);
        return x;
    }
}
