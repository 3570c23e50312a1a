namespace EdgeRuntime.Graph;

/// <summary>The model file is malformed: truncated, corrupted, or inconsistent. The message names what is wrong.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The model is well-formed but uses an operator (or a variant of one) we do not run.</summary>
public sealed class UnsupportedOperatorException : Exception
{
    public UnsupportedOperatorException(OperatorNode node, string detail)
        : base($"unsupported operator {node.DisplayName} version {node.Version} at node {node.Index}: {detail}")
    {
        Node = node;
    }

    public OperatorNode Node { get; }
}
