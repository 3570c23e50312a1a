using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels;

/// <summary>
/// The one kernel dispatcher (XNNPACK style: every ISA's kernels sit side by side, one place picks). It alone reads
/// <c>EDGERT_KERNELS</c> and <c>EDGERT_VNNI</c> and alone asks the CPU what it has; it decides once per process (or per
/// explicit request, for tests) the kernel ISA (<see cref="Active"/>), whether the AVX2 kernels use the AVX-VNNI tiles
/// (<see cref="Vnni"/>) and each op's variant (<see cref="Select"/>). Kernels receive these decisions as parameters.
/// Asking for something the CPU cannot run throws <see cref="PlatformNotSupportedException"/> naming the missing
/// feature: a silent fallback would hide a misconfigured device.
/// </summary>
internal static class KernelDispatcher
{
    /// <summary>Names the kernel ISA: reference|portable|avx2|advsimd|advsimd-dot (unset: the best this CPU runs).</summary>
    public const string EnvironmentVariable = "EDGERT_KERNELS";

    /// <summary>
    /// AVX-VNNI tiles of the AVX2 kernels: unset uses them when the CPU has AVX-VNNI, <c>0</c> keeps vpmaddwd
    /// (comparisons, bisecting), <c>1</c> requires them (throws on a CPU without AVX-VNNI).
    /// </summary>
    public const string VnniEnvironmentVariable = "EDGERT_VNNI";

    private static int s_active = -1;
    private static int s_vnni = -1;

    /// <summary>The raw <c>EDGERT_KERNELS</c> value (null when unset), for messages and command-line checks.</summary>
    public static string? RequestedVariant => Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>The raw <c>EDGERT_VNNI</c> value (null when unset).</summary>
    public static string? RequestedVnni => Environment.GetEnvironmentVariable(VnniEnvironmentVariable);

    /// <summary>The variant every operator uses unless told otherwise. Computed on first use, then fixed.</summary>
    public static KernelIsa Active
    {
        get
        {
            int v = Volatile.Read(ref s_active);
            if (v < 0)
            {
                v = (int)Choose(RequestedVariant);
                Interlocked.CompareExchange(ref s_active, v, -1);
                v = Volatile.Read(ref s_active);
            }
            return (KernelIsa)v;
        }
    }

    /// <summary>Whether the AVX2 kernels (GEMM, depthwise) use AVX-VNNI: <see cref="ChooseVnni"/> of <c>EDGERT_VNNI</c>, computed on first use, then fixed.</summary>
    public static bool Vnni
    {
        get
        {
            int v = Volatile.Read(ref s_vnni);
            if (v < 0)
            {
                v = ChooseVnni(RequestedVnni) ? 1 : 0;
                Interlocked.CompareExchange(ref s_vnni, v, -1);
                v = Volatile.Read(ref s_vnni);
            }
            return v == 1;
        }
    }

    /// <summary>
    /// The VNNI decision for an explicit request: null or empty uses AVX-VNNI when the CPU has it, "0" never, "1" always
    /// (throws <see cref="PlatformNotSupportedException"/> without it); anything else throws <see cref="ArgumentException"/>.
    /// </summary>
    public static bool ChooseVnni(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested)) return MissingVnni is null;
        switch (requested.Trim())
        {
            case "0": return false;
            case "1": RequireVnni(); return true;
            default: throw new ArgumentException($"{VnniEnvironmentVariable}={requested} is not 0 or 1 (or unset)", nameof(requested));
        }
    }

    /// <summary>"x86 AVX-VNNI" when this CPU (or, under NativeAOT, the compiled instruction sets) lacks it, else null.</summary>
    public static string? MissingVnni => AvxVnni.IsSupported ? null : "x86 AVX-VNNI";

    /// <summary>Throws naming the missing feature unless the AVX-VNNI kernels can run.</summary>
    public static void RequireVnni()
    {
        if (MissingVnni is { } missing)
        {
            throw new PlatformNotSupportedException(
                $"the AVX-VNNI kernels were requested but this CPU ({System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}) lacks {missing}");
        }
    }

    /// <summary>
    /// The variant of one op (non-convolution kernels) for <paramref name="isa"/>, given which ISA-specific paths the op has:
    /// Reference stays Reference; an ISA whose specific path the op lacks runs the Portable (Vector128) code. Throws if the
    /// CPU lacks the ISA: nothing falls back silently.
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
        Require(isa);
        return v;
    }

    /// <summary>Throws naming the missing feature unless this CPU runs <paramref name="variant"/> (kernel entry points check once per call).</summary>
    public static void AssertSupported(SimdVariant variant)
    {
        if (variant == SimdVariant.Avx2) Require(KernelIsa.Avx2);
        else if (variant == SimdVariant.AdvSimd) Require(KernelIsa.AdvSimd);
    }

    /// <summary>The name PreparedOperator.KernelName reports for an op's variant.</summary>
    public static string Name(SimdVariant v) => v switch
    {
        SimdVariant.Reference => "reference",
        SimdVariant.Portable => "portable",
        SimdVariant.Avx2 => "avx2",
        SimdVariant.AdvSimd => "advsimd",
        _ => v.ToString(),
    };

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

    /// <summary>Whether the AVX2 float kernels may use fused multiply-add (FMA3); the float conv decides whether it pays.</summary>
    public static bool HasFma => Fma.IsSupported;

    /// <summary>Widest hardware-accelerated float vector (256, 128, or 0 for scalar): the float resize's width.</summary>
    public static int FloatVectorBits => Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>One line describing the CPU features the dispatcher looked at (for logs and selftest).</summary>
    public static string DescribeCpu() =>
        $"arch={System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} vector128={Vector128.IsHardwareAccelerated} " +
        $"avx2={Avx2.IsSupported} avxvnni={AvxVnni.IsSupported} advsimd={AdvSimd.Arm64.IsSupported} dp={Dp.IsSupported}";
}
