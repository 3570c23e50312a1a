using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>Maps builtin operator codes to the kernels that prepare them.</summary>
public sealed class OperatorRegistry
{
    private readonly Dictionary<BuiltinOperator, IOperatorKernel> _kernels = [];

    public OperatorRegistry Add(IOperatorKernel kernel)
    {
        _kernels[kernel.Op] = kernel;
        return this;
    }

    public IEnumerable<BuiltinOperator> SupportedOperators => _kernels.Keys;

    public IOperatorKernel Resolve(OperatorNode node)
    {
        if (node.Op == BuiltinOperator.Custom)
            throw new UnsupportedOperatorException(node, $"custom operator '{node.CustomCode}' has no kernel");
        return _kernels.TryGetValue(node.Op, out var kernel)
            ? kernel
            : throw new UnsupportedOperatorException(node, "no kernel for this operator");
    }

    /// <summary>Every operator EdgeRuntime runs.</summary>
    public static OperatorRegistry CreateDefault() => BuiltinKernels.Register(new OperatorRegistry());
}
