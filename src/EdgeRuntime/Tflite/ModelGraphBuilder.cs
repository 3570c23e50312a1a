using EdgeRuntime.Graph;

namespace EdgeRuntime.Tflite;

/// <summary>
/// Builds a model in code (tests, the post-training quantizer). <see cref="Build"/> writes it as a .tflite
/// file and reads it back, so the result is validated exactly like a file from disk and its constants are
/// slices of <see cref="ModelGraph.FileBytes"/>.
/// </summary>
/// <example>
/// var b = new ModelGraphBuilder();
/// int x = b.AddTensor("x", TensorType.Int8, [1, 4, 4, 8], QuantizationInfo.PerTensor(0.1f, 0));
/// int y = b.AddTensor("y", TensorType.Int8, [1, 4, 4, 8], QuantizationInfo.PerTensor(0.2f, -3));
/// b.AddOperator(BuiltinOperator.Add, [x, x], [y], new ElementwiseOptions(FusedActivation.None));
/// b.SetInputs(x).SetOutputs(y);
/// ModelGraph g = b.Build();
/// </example>
internal sealed class ModelGraphBuilder
{
    private readonly List<TensorInfo> _tensors = [];
    private readonly List<OperatorNode> _operators = [];
    private int[] _inputs = [];
    private int[] _outputs = [];

    public string Description { get; set; } = "EdgeRuntime ModelGraphBuilder";

    public int TensorCount => _tensors.Count;

    /// <summary>Adds a tensor and returns its index. Pass <paramref name="constantData"/> for weights (length = byte size).</summary>
    public int AddTensor(string name, TensorType type, int[] shape, QuantizationInfo? quantization = null, ReadOnlyMemory<byte> constantData = default)
    {
        int index = _tensors.Count;
        _tensors.Add(new TensorInfo(index, name, type, (int[])shape.Clone(), quantization, constantData));
        return index;
    }

    /// <summary>Adds a constant tensor from typed values (little-endian, as TFLite stores them).</summary>
    public int AddConstant<T>(string name, TensorType type, int[] shape, ReadOnlySpan<T> values, QuantizationInfo? quantization = null)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        byte[] bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
        return AddTensor(name, type, shape, quantization, bytes);
    }

    /// <summary>Adds an operator (executed in the order added) and returns its index. Input -1 = absent optional input.</summary>
    public int AddOperator(BuiltinOperator op, int[] inputs, int[] outputs, OperatorOptions? options = null, int version = 1, string? customCode = null)
    {
        int index = _operators.Count;
        _operators.Add(new OperatorNode(index, op, version, customCode, (int[])inputs.Clone(), (int[])outputs.Clone(), options));
        return index;
    }

    public ModelGraphBuilder SetInputs(params int[] tensors)
    {
        _inputs = (int[])tensors.Clone();
        return this;
    }

    public ModelGraphBuilder SetOutputs(params int[] tensors)
    {
        _outputs = (int[])tensors.Clone();
        return this;
    }

    /// <summary>The .tflite file bytes.</summary>
    public byte[] ToBytes() => TfliteModelWriter.Write(BuildInMemory());

    /// <summary>Writes the file and reads it back: a validated graph backed by the file bytes.</summary>
    public ModelGraph Build() => TfliteModelReader.Read(ToBytes());

    /// <summary>The graph as added, without a file behind it (constants are the arrays given).</summary>
    public ModelGraph BuildInMemory() =>
        new([.. _tensors], [.. _operators], _inputs, _outputs, Description, (int)TfliteSchema.Version, ReadOnlyMemory<byte>.Empty);
}
