using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Tests.Kernels;

/// <summary>Builds a one-operator ModelGraph and a TensorMemory for it, for Prepare-level conv/pool tests.</summary>
internal sealed class ConvTestGraph
{
    private readonly List<TensorInfo> _tensors = [];

    public int Activation(string name, TensorType type, int[] shape, QuantizationInfo? q = null)
    {
        _tensors.Add(new TensorInfo(_tensors.Count, name, type, shape, q, ReadOnlyMemory<byte>.Empty));
        return _tensors.Count - 1;
    }

    public int Constant<T>(string name, TensorType type, int[] shape, T[] data, QuantizationInfo? q = null) where T : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        _tensors.Add(new TensorInfo(_tensors.Count, name, type, shape, q, bytes));
        return _tensors.Count - 1;
    }

    public (ModelGraph Graph, OperatorNode Node) Build(BuiltinOperator op, int version, OperatorOptions options, int[] inputs, int output)
    {
        var node = new OperatorNode(0, op, version, null, inputs, [output], options);
        TensorInfo[] tensors = [.. _tensors];
        int[] graphInputs = [.. inputs.Where(i => i >= 0 && !tensors[i].IsConstant)];
        var graph = new ModelGraph(tensors, [node], graphInputs, [output], "test", 3, ReadOnlyMemory<byte>.Empty);
        return (graph, node);
    }

    /// <summary>Lays out every non-constant tensor one after another (16-byte aligned) in a fresh arena.</summary>
    public static TensorMemory Memory(ModelGraph graph)
    {
        int n = graph.Tensors.Length;
        var offsets = new long[n];
        var sizes = new long[n];
        var constants = new ReadOnlyMemory<byte>[n];
        long next = 0;
        for (int i = 0; i < n; i++)
        {
            TensorInfo t = graph.Tensors[i];
            if (t.IsConstant) { constants[i] = t.ConstantData; continue; }
            offsets[i] = next;
            sizes[i] = t.ByteSize;
            next += (t.ByteSize + 15) / 16 * 16;
        }
        return new TensorMemory(new byte[next], offsets, sizes, constants);
    }
}
