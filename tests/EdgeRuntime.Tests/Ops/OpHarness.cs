using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Tests.Ops;

/// <summary>
/// Builds a one-operator ModelGraph in code, prepares it with a kernel and runs it on a TensorMemory laid out
/// sequentially (or with chosen tensors sharing a buffer, as the planner's in-place reuse would).
/// </summary>
internal sealed class OpHarness
{
    private readonly List<TensorInfo> _tensors = [];
    private readonly Dictionary<int, int> _aliases = [];

    public int Tensor(TensorType type, int[] shape, QuantizationInfo? q = null) =>
        Add(type, shape, q, ReadOnlyMemory<byte>.Empty);

    public int Constant<T>(TensorType type, int[] shape, T[] values, QuantizationInfo? q = null) where T : unmanaged =>
        Add(type, shape, q, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public int Quantized(TensorType type, int[] shape, float scale, int zeroPoint) => Tensor(type, shape, QuantizationInfo.PerTensor(scale, zeroPoint));

    private int Add(TensorType type, int[] shape, QuantizationInfo? q, ReadOnlyMemory<byte> data)
    {
        int index = _tensors.Count;
        _tensors.Add(new TensorInfo(index, $"t{index}", type, shape, q, data));
        return index;
    }

    /// <summary>Makes <paramref name="output"/> share <paramref name="input"/>'s arena bytes.</summary>
    public void Alias(int output, int input) => _aliases[output] = input;

    public TensorInfo this[int i] => _tensors[i];

    public (PreparedOperator Op, TensorMemory Memory) Prepare(IOperatorKernel kernel, BuiltinOperator op, int[] inputs, int[] outputs, OperatorOptions? options = null, int version = 1, KernelIsa isa = KernelIsa.Reference)
    {
        var node = new OperatorNode(0, op, version, null, inputs, outputs, options);
        var graph = new ModelGraph([.. _tensors], [node], inputs, outputs, "test", 3, ReadOnlyMemory<byte>.Empty);
        PreparedOperator prepared = kernel.Prepare(node, graph, new KernelContext(isa));
        var offsets = new long[_tensors.Count];
        var sizes = new long[_tensors.Count];
        var constants = new ReadOnlyMemory<byte>[_tensors.Count];
        long next = 0;
        foreach (TensorInfo t in _tensors)
        {
            sizes[t.Index] = t.ByteSize;
            if (t.IsConstant) { constants[t.Index] = t.ConstantData; continue; }
            if (_aliases.TryGetValue(t.Index, out int src)) { offsets[t.Index] = offsets[src]; continue; }
            offsets[t.Index] = next;
            next += (t.ByteSize + 15) / 16 * 16;
        }
        var memory = new TensorMemory(new byte[Math.Max(next, 16)], offsets, sizes, constants);
        return (prepared, memory);
    }

    public static void Set<T>(TensorMemory memory, int tensor, params T[] values) where T : unmanaged =>
        values.AsSpan().CopyTo(memory.Span<T>(tensor));

    public static T[] Get<T>(TensorMemory memory, int tensor) where T : unmanaged => memory.ReadOnly<T>(tensor).ToArray();
}
