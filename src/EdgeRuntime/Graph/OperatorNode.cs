namespace EdgeRuntime.Graph;

/// <summary>One operator of the graph in execution order. Input index -1 means "optional input absent".</summary>
internal sealed class OperatorNode
{
    public OperatorNode(int index, BuiltinOperator op, int version, string? customCode, int[] inputs, int[] outputs, OperatorOptions? options)
    {
        Index = index;
        Op = op;
        Version = version;
        CustomCode = customCode;
        Inputs = inputs;
        Outputs = outputs;
        Options = options;
        FusedNodes = [];
    }

    private OperatorNode(string name, OperatorNode[] fused, int[] inputs, int[] outputs)
        : this(fused[0].Index, BuiltinOperator.Custom, 1, name, inputs, outputs, null) => FusedNodes = fused;

    /// <summary>
    /// A node the interpreter builds to run <paramref name="fused"/> (model nodes, in execution order) as one operator.
    /// It is coded as a custom operator named <paramref name="name"/> (e.g. RESIZE_BILINEAR+ARG_MAX) because no builtin code
    /// describes it; it takes the index of the first node it replaces. It never comes from or goes into a model file.
    /// </summary>
    public static OperatorNode Fuse(string name, OperatorNode[] fused, int[] inputs, int[] outputs)
    {
        if (fused.Length < 2) throw new ArgumentException("a fused node replaces at least two nodes", nameof(fused));
        return new OperatorNode(name, fused, inputs, outputs);
    }

    public int Index { get; }
    public BuiltinOperator Op { get; }
    public int Version { get; }
    public string? CustomCode { get; }
    public int[] Inputs { get; }
    public int[] Outputs { get; }
    public OperatorOptions? Options { get; }

    /// <summary>The model nodes this interpreter-built node runs as one (execution order); empty for a model's own node.</summary>
    public IReadOnlyList<OperatorNode> FusedNodes { get; }

    public bool IsFused => FusedNodes.Count > 0;

    public string DisplayName => IsFused ? CustomCode! : Op == BuiltinOperator.Custom ? $"CUSTOM({CustomCode})" : Op.ToTfliteName();

    public override string ToString() => IsFused
        ? $"nodes {string.Join('+', FusedNodes.Select(n => n.Index))} {DisplayName} (fused)"
        : $"node {Index} {DisplayName} v{Version}";
}
