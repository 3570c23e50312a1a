namespace EdgeRuntime.Graph;

/// <summary>A loaded model: one subgraph, its tensors and operators in execution order.</summary>
internal sealed class ModelGraph
{
    public ModelGraph(TensorInfo[] tensors, OperatorNode[] operators, int[] inputs, int[] outputs, string description, int schemaVersion, ReadOnlyMemory<byte> fileBytes)
    {
        Tensors = tensors;
        Operators = operators;
        Inputs = inputs;
        Outputs = outputs;
        Description = description;
        SchemaVersion = schemaVersion;
        FileBytes = fileBytes;
    }

    public TensorInfo[] Tensors { get; }
    public OperatorNode[] Operators { get; }
    public int[] Inputs { get; }
    public int[] Outputs { get; }
    public string Description { get; }
    public int SchemaVersion { get; }
    /// <summary>The whole model file; constant tensors are slices of it.</summary>
    public ReadOnlyMemory<byte> FileBytes { get; }

    public TensorInfo Input(int i = 0) => Tensors[Inputs[i]];
    public TensorInfo Output(int i = 0) => Tensors[Outputs[i]];
}
