namespace EdgeRuntime;

/// <summary>Which family of compute kernels runs a model. Every variant produces the same bytes; they differ in speed.</summary>
public enum KernelVariant
{
    /// <summary>The best variant this CPU supports (or the one the <c>EDGERT_KERNELS</c> environment variable names).</summary>
    Auto,
    /// <summary>Plain scalar C#: the arithmetic every other variant matches bit for bit.</summary>
    Reference,
    /// <summary>128-bit SIMD through <c>System.Runtime.Intrinsics.Vector128</c>, for any CPU that has it.</summary>
    Portable,
    /// <summary>x86-64 AVX2.</summary>
    Avx2,
    /// <summary>ARM64 AdvSimd (NEON), e.g. Cortex-A53/A72.</summary>
    AdvSimd,
    /// <summary>ARM64 AdvSimd with the SDOT dot-product instructions, e.g. Cortex-A76.</summary>
    AdvSimdDot,
}
