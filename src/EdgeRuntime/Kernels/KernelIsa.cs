namespace EdgeRuntime.Kernels;

/// <summary>The kernel families, one per instruction set. Chosen once at start-up by <see cref="KernelDispatcher"/>.</summary>
// Public only because xunit theories in the tests take it as a parameter; the documented API uses KernelVariant (docs/api.md).
public enum KernelIsa
{
    /// <summary>Plain scalar C#, the arithmetic every other variant must match bit for bit.</summary>
    Reference,
    /// <summary>System.Runtime.Intrinsics.Vector128, for any CPU with 128-bit SIMD.</summary>
    Portable,
    /// <summary>x86 AVX2.</summary>
    Avx2,
    /// <summary>ARM64 AdvSimd (Cortex-A53/A72: Pi 3/4).</summary>
    AdvSimd,
    /// <summary>ARM64 AdvSimd with SDOT (Cortex-A76: Pi 5).</summary>
    AdvSimdDot,
}
