using EdgeRuntime.Kernels;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;

namespace EdgeRuntime;

/// <summary>Translates the public options to the interpreter's own, so the internal kernel enum can change freely.</summary>
internal static class KernelVariantMapping
{
    public static KernelIsa? ToIsa(KernelVariant variant) => variant switch
    {
        KernelVariant.Auto => null,
        KernelVariant.Reference => KernelIsa.Reference,
        KernelVariant.Portable => KernelIsa.Portable,
        KernelVariant.Avx2 => KernelIsa.Avx2,
        KernelVariant.AdvSimd => KernelIsa.AdvSimd,
        KernelVariant.AdvSimdDot => KernelIsa.AdvSimdDot,
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown kernel variant"),
    };

    public static KernelVariant FromIsa(KernelIsa isa) => isa switch
    {
        KernelIsa.Reference => KernelVariant.Reference,
        KernelIsa.Portable => KernelVariant.Portable,
        KernelIsa.Avx2 => KernelVariant.Avx2,
        KernelIsa.AdvSimd => KernelVariant.AdvSimd,
        KernelIsa.AdvSimdDot => KernelVariant.AdvSimdDot,
        _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, "unknown kernel ISA"),
    };

    /// <summary>Validates the options and asks for an explicit variant only if this CPU runs it (else it throws naming the missing feature).</summary>
    public static InterpreterOptions ToInterpreterOptions(ModelOptions? options)
    {
        options ??= new ModelOptions();
        if (options.Threads < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be at least 1");
        if (options.MemoryBudgetBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBudgetBytes, "MemoryBudgetBytes must be positive");
        KernelIsa? isa = ToIsa(options.Kernels);
        if (isa is KernelIsa requested) KernelDispatcher.Require(requested);
        return new InterpreterOptions
        {
            Isa = isa,
            Threads = options.Threads,
            MemoryBudgetBytes = options.MemoryBudgetBytes,
            // A package user registers nothing: the facade runs every builtin operator unless the app chose a set.
            Registry = OperatorRegistry.Default ?? AllOperators.Value,
        };
    }

    private static readonly Lazy<OperatorRegistry> AllOperators = new(BuiltinOperators.All);

    /// <summary>
    /// Reads a model file whose size is checked first: the interpreter keeps the file's bytes, so a file larger than
    /// the memory budget is refused before it is read.
    /// </summary>
    public static byte[] ReadModelFile(string path, ModelOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long budget = options?.MemoryBudgetBytes ?? ModelOptions.DefaultMemoryBudgetBytes;
        long length = new FileInfo(path).Length;
        if (length > budget || length > Array.MaxLength)
            throw new Graph.ModelFormatException($"model file {path} is {length} bytes, over the memory budget of {budget} bytes");
        return File.ReadAllBytes(path);
    }
}
