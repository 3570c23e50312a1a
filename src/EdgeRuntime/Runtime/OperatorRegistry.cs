using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// The op resolver: maps builtin operator codes to the kernels that prepare them, and lists the fused kernels the
/// interpreter may use. Filled by the program (Ops/BuiltinOperators.cs: AddConv2D(), ..., or DeepLab() / All()), so a
/// NativeAOT build links only the operators it registers.
/// </summary>
internal sealed class OperatorRegistry
{
    /// <summary>
    /// The registry an interpreter uses when <see cref="InterpreterOptions.Registry"/> is null. Set once at start-up by
    /// the program (edgert: the DeepLab operators; edgert-tools: all). Null until then: the interpreter then refuses
    /// to load rather than guess which operators this build should link.
    /// </summary>
    public static OperatorRegistry? Default { get; set; }

    private readonly Dictionary<BuiltinOperator, IOperatorKernel> _kernels = [];
    private readonly List<IFusedOperatorKernel> _fused = [];

    public OperatorRegistry Add(IOperatorKernel kernel)
    {
        _kernels[kernel.Op] = kernel;
        return this;
    }

    public OperatorRegistry AddFused(IFusedOperatorKernel kernel)
    {
        _fused.RemoveAll(k => k.Name == kernel.Name);
        _fused.Add(kernel);
        return this;
    }

    public IEnumerable<BuiltinOperator> SupportedOperators => _kernels.Keys;

    /// <summary>Kernels <see cref="OperatorFusion"/> may put in place of a producer/consumer pair.</summary>
    public IReadOnlyList<IFusedOperatorKernel> FusedKernels => _fused;

    public IOperatorKernel Resolve(OperatorNode node)
    {
        if (node.IsFused)
            throw new ArgumentException($"{node} is a fused node: prepare it with {nameof(Prepare)}");
        if (node.Op == BuiltinOperator.Custom)
            throw new UnsupportedOperatorException(node, $"custom operator '{node.CustomCode}' has no kernel");
        return _kernels.TryGetValue(node.Op, out var kernel)
            ? kernel
            : throw new UnsupportedOperatorException(node, "not registered in this build's operator registry (Ops/BuiltinOperators.cs)");
    }

    /// <summary>Prepares a model node with its kernel, or a fused node with the fused kernel of that name.</summary>
    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        if (!node.IsFused) return Resolve(node).Prepare(node, graph, context);
        foreach (IFusedOperatorKernel kernel in _fused)
            if (kernel.Name == node.DisplayName) return kernel.Prepare(node, graph, context);
        throw new UnsupportedOperatorException(node, "no fused kernel of this name");
    }
}
