using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// Runs a <see cref="ChannelByteTable"/> over one full-shape input (ADD or MUL by a per-channel constant, or the fused
/// MUL+ADD chain), in chunks of whole pixels on the interpreter's workers.
/// </summary>
internal sealed unsafe class ChannelTablePrepared : PreparedOperator, IParallelJob
{
    /// <summary>What the profile and inspect show for this kernel.</summary>
    public const string Name = "channel-table";

    private readonly int _input, _output, _inPlaceInput, _elements;
    private readonly ChannelByteTable _table;
    private readonly ParallelWork _work;
    private readonly WorkerPool? _workers;
    private byte* _in, _out;

    /// <param name="inputSlot">Index into the node's inputs of the tensor read; the output may reuse it (same shape and type).</param>
    public ChannelTablePrepared(OperatorNode node, int inputSlot, int elements, ChannelByteTable table, WorkerPool? workers)
        : this(node, node.Inputs[inputSlot], node.Outputs[0], inputSlot, elements, table, workers) { }

    /// <param name="input">Tensor read (may be <paramref name="output"/>: the table then runs in place).</param>
    /// <param name="inPlaceSlot">Index into the node's inputs whose buffer the output may reuse, or -1.</param>
    public ChannelTablePrepared(OperatorNode node, int input, int output, int inPlaceSlot, int elements, ChannelByteTable table, WorkerPool? workers) : base(node)
    {
        (_input, _output, _inPlaceInput, _elements, _table, _workers) = (input, output, inPlaceSlot, elements, table, workers);
        int channels = table.Channels;
        if (elements % channels != 0) throw new ArgumentException($"{elements} elements are not whole pixels of {channels} channels");
        _work = ParallelWork.Plan(workers, elements / channels, Math.Max(1, 16 * 1024 / channels));
    }

    public override string KernelName => Name;
    public override long PackedWeightBytes => _table.Bytes;
    public override int InPlaceInput => _inPlaceInput;
    public override ParallelWork Parallelism => _work;

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        ReadOnlySpan<byte> input = memory.ReadOnlyBytes(_input);
        Span<byte> output = memory.Bytes(_output);
        if (input.Length < _elements || output.Length < _elements) throw new InvalidOperationException("operand shorter than the output");
        fixed (byte* pin = input, pout = output)
        {
            _in = pin; _out = pout;
            try
            {
                _work.Run(_workers, this);
            }
            finally
            {
                _in = _out = null;
            }
        }
    }

    public void Execute(int chunk, int chunks, int worker)
    {
        (int start, int count) = _work.Range(chunk);
        if (count == 0) return;
        int channels = _table.Channels;
        _table.Run(new ReadOnlySpan<byte>(_in + (long)start * channels, count * channels), new Span<byte>(_out + (long)start * channels, count * channels));
    }
}
