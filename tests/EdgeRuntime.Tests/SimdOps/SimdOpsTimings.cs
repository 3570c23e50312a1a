using System.Diagnostics;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Pooling;
using EdgeRuntime.Kernels.Quantization;
using EdgeRuntime.Kernels.Reduction;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Resize;
using EdgeRuntime.Kernels.Simd;
using Xunit.Abstractions;

namespace EdgeRuntime.Tests.SimdOps;

/// <summary>
/// Rough Stopwatch timings of reference vs SIMD (run with EDGERT_SIMD_TIMING=1 and -c Release; otherwise a no-op so the
/// suite stays fast). Not a benchmark: the machines are shared.
/// </summary>
public class SimdOpsTimings(ITestOutputHelper output)
{
    private static readonly SimdVariant[] Variants = [SimdVariant.Reference, SimdVariant.Portable, SimdVariant.Avx2, SimdVariant.AdvSimd];

    private static bool Runs(SimdVariant v) => v switch
    {
        SimdVariant.Avx2 => SimdVariants.IsSupported(KernelIsa.Avx2),
        SimdVariant.AdvSimd => SimdVariants.IsSupported(KernelIsa.AdvSimd),
        _ => true,
    };

    /// <summary>Times each distinct variant <paramref name="select"/> picks for the ISAs this CPU supports.</summary>
    private void Time(string what, Func<KernelIsa, SimdVariant> select, Action<SimdVariant> run)
    {
        double referenceMs = 0;
        var chosen = Enum.GetValues<KernelIsa>().Where(SimdVariants.IsSupported).Select(select).Distinct().ToArray();
        foreach (SimdVariant v in Variants)
        {
            if (!Runs(v) || !chosen.Contains(v)) continue;
            run(v); // warm-up (tiered JIT)
            run(v);
            var sw = Stopwatch.StartNew();
            int iterations = 0;
            while (sw.ElapsedMilliseconds < 300 || iterations < 3) { run(v); iterations++; }
            double ms = sw.Elapsed.TotalMilliseconds / iterations;
            if (v == SimdVariant.Reference) referenceMs = ms;
            output.WriteLine($"{what,-52} {SimdVariants.Name(v),-10} {ms,9:F3} ms  x{referenceMs / ms:F1}");
        }
    }

    [Fact]
    public void Measure()
    {
        if (Environment.GetEnvironmentVariable("EDGERT_SIMD_TIMING") != "1") return;
        var rng = new Random(1);

        var inShape = new Shape4(1, 33, 33, 21);
        var outShape = new Shape4(1, 513, 513, 21);
        var plan = ResizeBilinearPlan.Create(new ResizeBilinearParams(true, false), inShape, outShape);
        byte[] small = new byte[inShape.FlatSize];
        rng.NextBytes(small);
        byte[] big = new byte[outShape.FlatSize];
        Time("RESIZE_BILINEAR uint8 33x33x21->513x513 align", ResizeBilinearKernels.Select, v => ResizeBilinearKernels.UInt8(v, plan, small, big));
        sbyte[] smallS = new sbyte[inShape.FlatSize];
        sbyte[] bigS = new sbyte[outShape.FlatSize];
        Time("RESIZE_BILINEAR int8 33x33x21->513x513 align", ResizeBilinearKernels.Select, v => ResizeBilinearKernels.Int8(v, plan, smallS, bigS));

        rng.NextBytes(big);
        int[] idx32 = new int[513 * 513];
        long[] idx64 = new long[513 * 513];
        Time("ARG_MAX uint8 513x513x21 -> int32", ArgMaxKernels.Select, v => ArgMaxKernels.ArgMax<byte, int>(v, big, 513 * 513, 21, 1, idx32));
        Time("ARG_MAX uint8 513x513x21 -> int64", ArgMaxKernels.Select, v => ArgMaxKernels.ArgMax<byte, long>(v, big, 513 * 513, 21, 1, idx64));
        float[] logits = new float[outShape.FlatSize];
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)rng.NextDouble();
        Time("ARG_MAX float 513x513x21 -> int32", ArgMaxKernels.Select, v => ArgMaxKernels.ArgMax<float, int>(v, logits, 513 * 513, 21, 1, idx32));

        var fm = new Shape4(1, 65, 65, 256);
        byte[] a = new byte[fm.FlatSize], c = new byte[256], o = new byte[fm.FlatSize];
        rng.NextBytes(a); rng.NextBytes(c);
        var addP = AddQuantParams.Create(0.05f, 120, 0.02f, 3, 0.06f, 100, 0, 255);
        Time("ADD uint8 65x65x256 + [256]", QuantizedAddKernels.Select, v => QuantizedAddKernels.Quantized<byte>(v, addP, fm, a, new Shape4(1, 1, 1, 256), c, fm, o));
        var mulP = MulQuantParams.Create(0.05f, 120, 0.02f, 3, 0.06f, 100, 0, 255);
        Time("MUL uint8 65x65x256 * [256]", QuantizedMulKernels.Select, v => QuantizedMulKernels.Quantized<byte>(v, mulP, fm, a, new Shape4(1, 1, 1, 256), c, fm, o));
        byte[] pooled = new byte[256];
        Time("AVERAGE_POOL_2D uint8 global 65x65x256", AveragePool2DKernels.Select, v => AveragePool2DKernels.UInt8(v, new PoolGeometry(65, 65, 1, 1, 0, 0), 0, 255, fm, a, new Shape4(1, 1, 1, 256), pooled));
        float[] f = new float[fm.FlatSize];
        Time("DEQUANTIZE uint8 65x65x256", DequantizeKernels.Select, v => DequantizeKernels.PerTensor<byte>(v, a, f, 0.05f, 120));
        Time("QUANTIZE float->uint8 65x65x256", QuantizeKernels.Select, v => QuantizeKernels.AffineQuantize<byte>(v, f, o, 0.05f, 120));
    }
}
