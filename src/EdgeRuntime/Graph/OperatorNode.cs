namespace EdgeRuntime.Graph;

/// <summary>One operator of the graph in execution order. Input index -1 means "optional input absent".</summary>
public sealed class OperatorNode
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
    }

    public int Index { get; }
    public BuiltinOperator Op { get; }
    public int Version { get; }
    public string? CustomCode { get; }
    public int[] Inputs { get; }
    public int[] Outputs { get; }
    public OperatorOptions? Options { get; }

    public string DisplayName => Op == BuiltinOperator.Custom ? $"CUSTOM({CustomCode})" : Op.ToTfliteName();

    public override string ToString() => $"node {Index} {DisplayName} v{Version}";
}
