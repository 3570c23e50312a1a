using EdgeRuntime.Kernels;
using EdgeRuntime.Conformance;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.SimdOps;

/// <summary>
/// Bit-exactness of every SIMD variant this CPU supports against the reference kernels (AdvSimd variants run on ARM64
/// hosts and under qemu through `edgert selftest kernels`).
/// </summary>
public class SimdOpsConformanceTests
{
    /// <summary>Every SIMD variant; the ones this CPU lacks are skipped (AdvSimd ones run on ARM64 hosts and in the qemu suite).</summary>
    public static TheoryData<KernelIsa> Isas => new(IsaSkip.FastVariants.Select(isa => new TheoryDataRow<KernelIsa>(isa).WithSkip(IsaSkip.Reason(isa))));

    private static void Check(KernelIsa isa, Func<KernelIsa, IEnumerable<string>> run)
    {
        string[] failures = [.. run(isa).Take(20)];
        Assert.True(failures.Length == 0, string.Join("\n", failures));
    }

    [Theory, MemberData(nameof(Isas))]
    public void Elementwise(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunElementwiseConformance(i, 1234, 300));

    [Theory, MemberData(nameof(Isas))]
    public void FloatElementwise(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunFloatElementwiseConformance(i, 1235, 300));

    [Theory, MemberData(nameof(Isas))]
    public void Pooling(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunPoolingConformance(i, 2345, 120));

    [Theory, MemberData(nameof(Isas))]
    public void Resize(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunResizeConformance(i, 3456, 120));

    [Theory, MemberData(nameof(Isas))]
    public void ArgMax(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunArgMaxConformance(i, 4567, 150));

    [Theory, MemberData(nameof(Isas))]
    public void ResizeArgMaxFused(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunResizeArgMaxConformance(i, 6789, 160));

    /// <summary>The fused op's own reference (one pixel at a time) equals RESIZE_BILINEAR's then ARG_MAX's reference.</summary>
    [Fact]
    public void ResizeArgMaxFusedReference() => Check(KernelIsa.Reference, i => SimdOpsConformance.RunResizeArgMaxConformance(i, 7890, 80));

    [Theory, MemberData(nameof(Isas))]
    public void Quantize(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunQuantizeConformance(i, 5678, 150));

    [Theory, MemberData(nameof(Isas))]
    public void Requantize(KernelIsa isa) => Check(isa, i => SimdOpsConformance.RunRequantizeConformance(i, 8901, 400));

    [Fact]
    public void ReferenceIsaSelectsReference()
    {
        Assert.Empty(SimdOpsConformance.RunElementwiseConformance(KernelIsa.Reference, 1, 5));
        Assert.Equal(SimdVariant.Reference, KernelDispatcher.Select(KernelIsa.Reference, true, true));
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void FloatInputAndClassMap(KernelIsa isa) => Check(isa, i => EdgeRuntime.Segmentation.ClassMapConformance.Run(i, 9012, 60));
}
