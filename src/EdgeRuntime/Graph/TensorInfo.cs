namespace EdgeRuntime.Graph;

/// <summary>
/// A tensor of the graph. Constant tensors point into the model file's bytes (never copied);
/// all others live in the planned arena.
/// </summary>
internal sealed class TensorInfo
{
    public TensorInfo(int index, string name, TensorType type, int[] shape, QuantizationInfo? quantization, ReadOnlyMemory<byte> constantData, bool isVariable = false)
    {
        Index = index;
        Name = name;
        Type = type;
        Shape = shape;
        Quantization = quantization;
        ConstantData = constantData;
        IsVariable = isVariable;
    }

    public int Index { get; }
    public string Name { get; }
    public TensorType Type { get; }
    public int[] Shape { get; }
    public QuantizationInfo? Quantization { get; }
    /// <summary>Empty unless the tensor is a constant (weights, biases, shape operands).</summary>
    public ReadOnlyMemory<byte> ConstantData { get; }
    public bool IsConstant => !ConstantData.IsEmpty;
    public bool IsVariable { get; }

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }

    public long ByteSize => ElementCount * Type.ElementSize();

    public int Rank => Shape.Length;

    public override string ToString() => $"#{Index} {Name} {Type}[{string.Join(',', Shape)}]";
}
