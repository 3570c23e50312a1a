using System.Runtime.InteropServices;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Tests.Support;

/// <summary>
/// Tests of a kernel variant or instruction set this CPU lacks report Skipped with the reason, never a silent pass:
/// theory data keeps a row for every variant (the ones this CPU cannot run carry a skip reason), and facts call
/// <see cref="Require(KernelIsa)"/> or <see cref="Require(bool, string)"/> first.
/// </summary>
public static class IsaSkip
{
    /// <summary>Every variant but Reference, the ones this CPU lacks included.</summary>
    public static KernelIsa[] FastVariants => [.. KernelDispatcher.AllVariants.ToArray().Where(isa => isa != KernelIsa.Reference)];

    /// <summary>A theory row per kernel variant, Reference included; those this CPU lacks carry their skip reason.</summary>
    public static TheoryData<KernelIsa> AllVariantRows => new(KernelDispatcher.AllVariants.ToArray()
        .Select(isa => new TheoryDataRow<KernelIsa>(isa).WithSkip(Reason(isa))));

    /// <summary>Null when this CPU runs <paramref name="isa"/>, else why a test of it is skipped.</summary>
    public static string? Reason(KernelIsa isa) => KernelDispatcher.MissingFeature(isa) is { } missing
        ? $"kernel variant '{KernelDispatcher.Name(isa)}' needs {missing}, which this CPU ({RuntimeInformation.ProcessArchitecture}) lacks"
        : null;

    /// <summary>Null when <paramref name="supported"/>, else why a test that needs <paramref name="feature"/> is skipped.</summary>
    public static string? Reason(bool supported, string feature)
        => supported ? null : $"needs {feature}, which this CPU ({RuntimeInformation.ProcessArchitecture}) lacks";

    /// <summary>Ends the running test as Skipped unless this CPU runs <paramref name="isa"/>.</summary>
    public static void Require(KernelIsa isa)
    {
        if (Reason(isa) is { } reason) Assert.Skip(reason);
    }

    /// <summary>Ends the running test as Skipped unless <paramref name="supported"/> (e.g. <c>Avx2.IsSupported</c>).</summary>
    public static void Require(bool supported, string feature)
    {
        if (Reason(supported, feature) is { } reason) Assert.Skip(reason);
    }
}
