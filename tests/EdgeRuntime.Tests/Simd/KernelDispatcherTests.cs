using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Simd;

/// <summary>The one dispatcher's decisions besides the ISA (tested in SimdKernelTests): the VNNI tile and the per-op variant.</summary>
public class KernelDispatcherTests
{
    [Fact]
    public void VnniFollowsTheCpuUnlessTurnedOff()
    {
        Assert.Equal(AvxVnni.IsSupported, KernelDispatcher.ChooseVnni(null));
        Assert.Equal(AvxVnni.IsSupported, KernelDispatcher.ChooseVnni(" "));
        Assert.False(KernelDispatcher.ChooseVnni("0"));
        Assert.Throws<ArgumentException>(() => KernelDispatcher.ChooseVnni("yes"));
        if (Environment.GetEnvironmentVariable(KernelDispatcher.VnniEnvironmentVariable) is null)
            Assert.Equal(AvxVnni.IsSupported, KernelDispatcher.Vnni);
    }

    [Fact]
    public void RequestingVnniOnACpuWithoutItThrowsNamingTheFeature()
    {
        if (AvxVnni.IsSupported)
        {
            Assert.True(KernelDispatcher.ChooseVnni("1"));
            return;
        }
        var e = Assert.Throws<PlatformNotSupportedException>(() => KernelDispatcher.ChooseVnni("1"));
        Assert.Contains("AVX-VNNI", e.Message);
        Assert.Throws<PlatformNotSupportedException>(() => new Avx2QuantizedGemm(useVnni: true));
        Assert.Throws<PlatformNotSupportedException>(() => new Avx2DepthwiseConv(useVnni: true));
    }

    [Fact]
    public void VnniOffKeepsThePlainAvx2Kernels()
    {
        IsaSkip.Require(KernelIsa.Avx2);
        bool vnni = KernelDispatcher.ChooseVnni("0");
        Assert.Equal("gemm-avx2", new Avx2QuantizedGemm(vnni).KernelName);
        Assert.False(new Avx2DepthwiseConv(vnni).UsesVnni);
    }

    [Fact]
    public void OpVariantsComeFromTheDispatcher()
    {
        Assert.Equal(SimdVariant.Reference, KernelDispatcher.Select(KernelIsa.Reference, true, true));
        if (KernelDispatcher.IsSupported(KernelIsa.Avx2))
        {
            Assert.Equal(SimdVariant.Avx2, KernelDispatcher.Select(KernelIsa.Avx2, hasAvx2Path: true, hasAdvSimdPath: false));
            Assert.Equal(SimdVariant.Portable, KernelDispatcher.Select(KernelIsa.Avx2, hasAvx2Path: false, hasAdvSimdPath: true));
        }
        if (KernelDispatcher.IsSupported(KernelIsa.AdvSimd))
        {
            Assert.Equal(SimdVariant.AdvSimd, KernelDispatcher.Select(KernelIsa.AdvSimdDot, hasAvx2Path: false, hasAdvSimdPath: true));
            Assert.Equal(SimdVariant.Portable, KernelDispatcher.Select(KernelIsa.AdvSimd, hasAvx2Path: true, hasAdvSimdPath: false));
        }
        // No silent fallback: an ISA this CPU lacks is refused by name, even for an op without that ISA's path.
        KernelIsa missing = Avx2.IsSupported ? KernelIsa.AdvSimd : KernelIsa.Avx2;
        var e = Assert.Throws<PlatformNotSupportedException>(() => KernelDispatcher.Select(missing, false, false));
        Assert.Contains(KernelDispatcher.MissingFeature(missing)!, e.Message);
        SimdVariant missingVariant = missing == KernelIsa.Avx2 ? SimdVariant.Avx2 : SimdVariant.AdvSimd;
        Assert.Throws<PlatformNotSupportedException>(() => KernelDispatcher.AssertSupported(missingVariant));
        Assert.Equal(AdvSimd.Arm64.IsSupported ? "advsimd" : "avx2", KernelDispatcher.Name(AdvSimd.Arm64.IsSupported ? SimdVariant.AdvSimd : SimdVariant.Avx2));
    }
}
