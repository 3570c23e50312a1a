using System.Reflection;
using System.Runtime.InteropServices;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Cli;

/// <summary>The kernel variant as the command line shows and checks it: --version, --kernels and EDGERT_KERNELS.</summary>
internal static class KernelVariant
{
    public static readonly string[] Names = ["reference", "portable", "avx2", "advsimd", "advsimd-dot"];

    /// <summary>
    /// A bad EDGERT_KERNELS or EDGERT_VNNI is a usage error named once here, before any command reads it (the dispatcher
    /// would throw from deep inside the first interpreter).
    /// </summary>
    public static void CheckEnvironment()
    {
        string? vnni = KernelDispatcher.RequestedVnni;
        try { KernelDispatcher.ChooseVnni(vnni); }
        catch (ArgumentException)
        {
            throw new CliException($"{KernelDispatcher.VnniEnvironmentVariable}={vnni} is not a VNNI setting; use 0 (vpmaddwd) or 1 (require AVX-VNNI), or unset it");
        }
        catch (PlatformNotSupportedException e)
        {
            throw new CliException($"{KernelDispatcher.VnniEnvironmentVariable}={vnni}: {e.Message}");
        }
        string? value = KernelDispatcher.RequestedVariant;
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!Names.Contains(value.Trim().ToLowerInvariant()) && value.Trim().ToLowerInvariant() != "advsimddot")
            throw new CliException($"{KernelDispatcher.EnvironmentVariable}={value} is not a kernel variant; use one of {string.Join(", ", Names)} (or unset it)");
        KernelIsa isa = KernelDispatcher.Parse(value);
        if (!KernelDispatcher.IsSupported(isa))
            throw new CliException($"{KernelDispatcher.EnvironmentVariable}={value}: this CPU lacks {KernelDispatcher.MissingFeature(isa)}; " +
                $"it runs {string.Join(", ", KernelDispatcher.Supported().Select(KernelDispatcher.Name))}");
    }

    /// <summary>Three lines: version and commit, the kernel variant this CPU runs, the runtime.</summary>
    public static string VersionText()
    {
        Assembly asm = typeof(KernelVariant).Assembly;
        string info = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = info.IndexOf('+', StringComparison.Ordinal);
        string version = plus < 0 ? info : info[..plus];
        string commit = plus < 0 ? "unknown" : info[(plus + 1)..];
        if (commit.Length > 12) commit = commit[..12];
        string detected = KernelDispatcher.Name(KernelDispatcher.Detect());
        string? requested = KernelDispatcher.RequestedVariant;
        string kernels = string.IsNullOrWhiteSpace(requested) ? detected : $"{detected} (EDGERT_KERNELS={requested})";
        return $"{asm.GetName().Name} {version} (commit {commit})\n" +
               $"kernels {kernels}; this CPU runs {string.Join(", ", KernelDispatcher.Supported().Select(KernelDispatcher.Name))}\n" +
               $"runtime {RuntimeInformation.FrameworkDescription} {RuntimeInformation.RuntimeIdentifier}";
    }
}
