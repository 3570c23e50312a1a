namespace EdgeRuntime.Kernels.Simd;

/// <summary>
/// Which implementation of a non-convolution op runs. Every variant computes exactly what the scalar
/// reference kernel (Kernels/Reference) computes, bit for bit. Chosen by <see cref="KernelDispatcher.Select"/>.
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
