using EdgeRuntime.Graph;

namespace EdgeRuntime;

/// <summary>What an input or output tensor of a model is: name, shape, element type and quantization.</summary>
public sealed class TensorDescription
{
    private readonly int[] _shape;

    internal TensorDescription(TensorInfo info)
    {
        Name = info.Name;
        _shape = (int[])info.Shape.Clone();
        DataType = info.Type;
        Quantization = info.Quantization is { Scales.Length: > 0 } q ? new TensorQuantization(q) : null;
        ByteSize = info.ByteSize;
    }

    /// <summary>The tensor's name in the model file.</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first (e.g. 1, 513, 513, 3 for an NHWC image).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The element type.</summary>
    public TensorType DataType { get; }

    /// <summary>The quantization parameters, or null for a tensor that is not quantized.</summary>
    public TensorQuantization? Quantization { get; }

    /// <summary>The size of the tensor's data in bytes.</summary>
    public long ByteSize { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {DataType}[{string.Join(',', _shape)}]";
}
