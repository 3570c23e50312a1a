namespace EdgeRuntime.Graph;

/// <summary>The model file is malformed: truncated, corrupted, or inconsistent. The message names what is wrong.</summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>A model error described by <paramref name="message"/> (made one line).</summary>
    public ModelFormatException(string message) : base(OneLine(message)) { }
    /// <summary>A model error described by <paramref name="message"/> (made one line), caused by <paramref name="inner"/>.</summary>
    public ModelFormatException(string message, Exception inner) : base(OneLine(message), inner) { }

    /// <summary>Model errors are one line (logs, the CLI, OTA status): embedded line breaks (e.g. from a wrapped exception's message) become "; ".</summary>
    internal static string OneLine(string message) => message.Contains('\n') || message.Contains('\r')
        ? string.Join("; ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        : message;
}

/// <summary>The model is well-formed but uses an operator (or a variant of one) we do not run.</summary>
public sealed class UnsupportedOperatorException : Exception
{
    internal UnsupportedOperatorException(OperatorNode node, string detail)
        : base(ModelFormatException.OneLine($"unsupported operator {node.DisplayName} version {node.Version} at node {node.Index}: {detail}"))
    {
        Node = node;
    }

    internal OperatorNode Node { get; }
}
