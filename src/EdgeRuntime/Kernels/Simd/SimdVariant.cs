using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels.Simd;

/// <summary>
/// Which implementation of a non-convolution op runs. Every variant computes exactly what the scalar
/// reference kernel (Kernels/Reference) computes, bit for bit.
/// </summary>
internal enum SimdVariant
{
    /// <summary>The scalar reference kernel itself.</summary>
    Reference,
    /// <summary>Vector128 generic APIs (lowered by the JIT/ILC to SSE or AdvSimd).</summary>
    Portable,
    /// <summary>Vector256 with AVX2 intrinsics where they pay off.</summary>
    Avx2,
    /// <summary>Vector128 with ARM64 AdvSimd instructions (SQRDMULH, SRSHL, UMAXV, ...) where they pay off.</summary>
    AdvSimd,
}

/// <summary>Picks the SIMD variant a non-convolution kernel runs for a kernel ISA.</summary>
internal static class SimdVariants
{
    /// <summary>
    /// The best variant for <paramref name="isa"/> among those an op implements. Reference stays Reference; an ISA whose
    /// specific path the op lacks runs the Portable (Vector128) code. Throws if the ISA's instructions are missing:
    /// the dispatcher should have refused the ISA earlier, nothing falls back silently.
    /// </summary>
    public static SimdVariant Select(KernelIsa isa, bool hasAvx2Path, bool hasAdvSimdPath)
    {
        SimdVariant v = isa switch
        {
            KernelIsa.Reference => SimdVariant.Reference,
            KernelIsa.Portable => SimdVariant.Portable,
            KernelIsa.Avx2 => hasAvx2Path ? SimdVariant.Avx2 : SimdVariant.Portable,
            KernelIsa.AdvSimd or KernelIsa.AdvSimdDot => hasAdvSimdPath ? SimdVariant.AdvSimd : SimdVariant.Portable,
            _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, null),
        };
        if (isa == KernelIsa.Avx2 && !Avx2.IsSupported)
            throw new PlatformNotSupportedException("kernel ISA Avx2 was requested but this CPU has no AVX2");
        if (isa is KernelIsa.AdvSimd or KernelIsa.AdvSimdDot && !AdvSimd.Arm64.IsSupported)
            throw new PlatformNotSupportedException($"kernel ISA {isa} was requested but this CPU has no ARM64 AdvSimd");
        return v;
    }

    /// <summary>True when the current CPU can run kernels of <paramref name="isa"/>.</summary>
    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Reference => true,
        KernelIsa.Portable => Vector128.IsHardwareAccelerated,
        KernelIsa.Avx2 => Avx2.IsSupported,
        KernelIsa.AdvSimd => AdvSimd.Arm64.IsSupported,
        KernelIsa.AdvSimdDot => AdvSimd.Arm64.IsSupported && Dp.IsSupported,
        _ => false,
    };

    /// <summary>The name PreparedOperator.KernelName reports.</summary>
    public static string Name(SimdVariant v) => v switch
    {
        SimdVariant.Reference => "reference",
        SimdVariant.Portable => "portable",
        SimdVariant.Avx2 => "avx2",
        SimdVariant.AdvSimd => "advsimd",
        _ => v.ToString(),
    };

    internal static void AssertSupported(SimdVariant v)
    {
        if (v == SimdVariant.Avx2 && !Avx2.IsSupported) throw new PlatformNotSupportedException("AVX2 kernel on a CPU without AVX2");
        if (v == SimdVariant.AdvSimd && !AdvSimd.Arm64.IsSupported) throw new PlatformNotSupportedException("AdvSimd kernel on a CPU without ARM64 AdvSimd");
    }
}
