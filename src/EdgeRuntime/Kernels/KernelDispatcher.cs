using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeRuntime.Kernels;

/// <summary>
/// Chooses the kernel variant once per process: the best the CPU supports, or the one named by the
/// <c>EDGERT_KERNELS</c> environment variable (reference|portable|avx2|advsimd|advsimd-dot). Asking for
/// a variant the CPU cannot run throws <see cref="PlatformNotSupportedException"/> naming the missing feature:
/// a silent fallback would hide a misconfigured device.
/// </summary>
internal static class KernelDispatcher
{
    public const string EnvironmentVariable = "EDGERT_KERNELS";

    private static int s_active = -1;

    /// <summary>The variant every operator uses unless told otherwise. Computed on first use, then fixed.</summary>
    public static KernelIsa Active
    {
        get
        {
            int v = Volatile.Read(ref s_active);
            if (v < 0)
            {
                v = (int)Choose(Environment.GetEnvironmentVariable(EnvironmentVariable));
                Interlocked.CompareExchange(ref s_active, v, -1);
                v = Volatile.Read(ref s_active);
            }
            return (KernelIsa)v;
        }
    }

    /// <summary>The best variant this CPU runs.</summary>
    public static KernelIsa Detect()
    {
        if (IsSupported(KernelIsa.AdvSimdDot)) return KernelIsa.AdvSimdDot;
        if (IsSupported(KernelIsa.AdvSimd)) return KernelIsa.AdvSimd;
        if (IsSupported(KernelIsa.Avx2)) return KernelIsa.Avx2;
        if (IsSupported(KernelIsa.Portable)) return KernelIsa.Portable;
        return KernelIsa.Reference;
    }

    /// <summary>
    /// The variant for an explicit request (null or empty: <see cref="Detect"/>). Throws
    /// <see cref="ArgumentException"/> for an unknown name and <see cref="PlatformNotSupportedException"/>
    /// when the CPU lacks what the variant needs.
    /// </summary>
    public static KernelIsa Choose(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested)) return Detect();
        return Require(Parse(requested));
    }

    /// <summary>Returns <paramref name="isa"/> if this CPU runs it, else throws naming the missing feature.</summary>
    public static KernelIsa Require(KernelIsa isa)
    {
        string? missing = MissingFeature(isa);
        if (missing is not null)
        {
            throw new PlatformNotSupportedException(
                $"kernel variant '{Name(isa)}' was requested but this CPU ({System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}) lacks {missing}");
        }
        return isa;
    }

    public static bool IsSupported(KernelIsa isa) => MissingFeature(isa) is null;

    /// <summary>Every variant this CPU runs, Reference first.</summary>
    public static IReadOnlyList<KernelIsa> Supported()
    {
        var list = new List<KernelIsa>();
        foreach (KernelIsa isa in AllVariants) if (IsSupported(isa)) list.Add(isa);
        return list;
    }

    public static ReadOnlySpan<KernelIsa> AllVariants =>
        [KernelIsa.Reference, KernelIsa.Portable, KernelIsa.Avx2, KernelIsa.AdvSimd, KernelIsa.AdvSimdDot];

    /// <summary>The CPU feature the variant needs and this CPU lacks, or null when it is supported.</summary>
    public static string? MissingFeature(KernelIsa isa) => isa switch
    {
        KernelIsa.Reference => null,
        KernelIsa.Portable => Vector128.IsHardwareAccelerated ? null : "hardware-accelerated Vector128 (SSE4/AdvSimd)",
        KernelIsa.Avx2 => Avx2.IsSupported ? null : "x86 AVX2",
        KernelIsa.AdvSimd => AdvSimd.Arm64.IsSupported ? null : "ARM64 AdvSimd (NEON)",
        KernelIsa.AdvSimdDot => !AdvSimd.Arm64.IsSupported ? "ARM64 AdvSimd (NEON)" : Dp.IsSupported ? null : "ARM64 dot product (SDOT/UDOT, FEAT_DotProd)",
        _ => $"an implementation (unknown variant {(int)isa})",
    };

    public static string Name(KernelIsa isa) => isa switch
    {
        KernelIsa.Reference => "reference",
        KernelIsa.Portable => "portable",
        KernelIsa.Avx2 => "avx2",
        KernelIsa.AdvSimd => "advsimd",
        KernelIsa.AdvSimdDot => "advsimd-dot",
        _ => isa.ToString(),
    };

    public static KernelIsa Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "reference" => KernelIsa.Reference,
        "portable" => KernelIsa.Portable,
        "avx2" => KernelIsa.Avx2,
        "advsimd" => KernelIsa.AdvSimd,
        "advsimd-dot" or "advsimddot" => KernelIsa.AdvSimdDot,
        _ => throw new ArgumentException(
            $"unknown kernel variant '{name}' (expected reference|portable|avx2|advsimd|advsimd-dot)", nameof(name)),
    };

    /// <summary>One line describing the CPU features the dispatcher looked at (for logs and selftest).</summary>
    public static string DescribeCpu() =>
        $"arch={System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} vector128={Vector128.IsHardwareAccelerated} " +
        $"avx2={Avx2.IsSupported} avxvnni={AvxVnni.IsSupported} advsimd={AdvSimd.Arm64.IsSupported} dp={Dp.IsSupported}";
}
