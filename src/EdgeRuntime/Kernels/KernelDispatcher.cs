namespace EdgeRuntime.Kernels;

/// <summary>Chooses the kernel family once per process. (Reference only until the SIMD kernels land.)</summary>
public static class KernelDispatcher
{
    public static KernelIsa Active => KernelIsa.Reference;
}
