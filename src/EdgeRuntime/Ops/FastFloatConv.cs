using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.FloatConv;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>Constant float filter and bias of a float conv (the SIMD paths prepack them in Prepare).</summary>
internal static class FastFloatConv
{
    /// <summary>Multiply-adds below which a chunk is not worth a thread hand-off.</summary>
    internal const long MinMacsPerChunk = 64 * 1024;

    /// <summary>Chunks of output rows with at least <see cref="MinMacsPerChunk"/> multiply-adds each.</summary>
    public static ParallelWork RowWork(WorkerPool? workers, int rows, long macs)
    {
        long macsPerRow = Math.Max(1, macs / Math.Max(1, rows));
        return ParallelWork.Plan(workers, rows, (MinMacsPerChunk + macsPerRow - 1) / macsPerRow);
    }

    public static bool TryConstants(ModelGraph graph, int filter, int bias, out float[] weights, out float[] biasValues)
    {
        ReadOnlyMemory<byte> w = graph.Tensors[filter].ConstantData;
        weights = [];
        biasValues = [];
        if (w.IsEmpty) return false;
        if (bias >= 0)
        {
            ReadOnlyMemory<byte> b = graph.Tensors[bias].ConstantData;
            if (b.IsEmpty) return false;
            biasValues = MemoryMarshal.Cast<byte, float>(b.Span).ToArray();
        }
        weights = MemoryMarshal.Cast<byte, float>(w.Span).ToArray();
        return true;
    }

    public static string Name(string family, KernelIsa isa) => $"float-{family}-{KernelDispatcher.Name(isa)}";
}

/// <summary>Float CONV_2D on <see cref="FloatConvSimd"/> (weights prepacked across output channels), split by output rows.</summary>
internal sealed class FloatConv2DPrepared : PreparedOperator, IParallelJob
{
    private readonly int _input, _output;
    private readonly Shape4 _in, _out;
    private readonly ConvGeometry _g;
    private readonly float _min, _max;
    private readonly PackedFloatConvWeights _packed;
    private readonly WorkerPool? _workers;
    private readonly ParallelWork _work;
    private readonly string _name;
    private TensorMemory? _memory;

    public FloatConv2DPrepared(OperatorNode node, KernelContext context, int input, int output, Shape4 inShape, Shape4 filterShape, Shape4 outShape,
        ConvGeometry geometry, float min, float max, float[] weights, float[] bias) : base(node)
    {
        (_input, _output, _in, _out, _g, _min, _max) = (input, output, inShape, outShape, geometry, min, max);
        _packed = FloatConvSimd.PackConv(context.Isa, filterShape, weights, bias);
        _workers = context.Workers;
        int rows = outShape.N * outShape.H;
        long macs = (long)rows * outShape.W * outShape.C * filterShape.H * filterShape.W * filterShape.C;
        _work = FastFloatConv.RowWork(_workers, rows, macs);
        _name = FastFloatConv.Name("conv", context.Isa);
    }

    public override long PackedWeightBytes => _packed.Bytes;
    public override string KernelName => _name;
    public override ParallelWork Parallelism => _work;

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        _memory = memory;
        try { _work.Run(_workers, this); }
        finally { _memory = null; }
    }

    public void Execute(int chunk, int chunks, int worker)
    {
        (int start, int count) = _work.Range(chunk);
        if (count == 0) return;
        TensorMemory memory = _memory!;
        FloatConvSimd.Conv(_packed, _g, _min, _max, _in, memory.ReadOnly<float>(_input), _out, memory.Span<float>(_output), start, count);
    }
}

/// <summary>Float DEPTHWISE_CONV_2D on <see cref="FloatConvSimd"/> (lanes = channels), split by output rows.</summary>
internal sealed unsafe class FloatDepthwisePrepared : PreparedOperator, IParallelJob
{
    private readonly int _input, _output, _depthMultiplier;
    private readonly Shape4 _in, _out;
    private readonly ConvGeometry _g;
    private readonly float _min, _max;
    private readonly PackedFloatDepthwiseWeights _packed;
    private readonly WorkerPool? _workers;
    private readonly ParallelWork _work;
    private readonly int _threads, _scratchFloatsPerThread;
    private readonly string _name;
    private TensorMemory? _memory;

    public FloatDepthwisePrepared(OperatorNode node, KernelContext context, int input, int output, Shape4 inShape, Shape4 filterShape, Shape4 outShape,
        ConvGeometry geometry, int depthMultiplier, float min, float max, float[] weights, float[] bias) : base(node)
    {
        (_input, _output, _in, _out, _g, _depthMultiplier, _min, _max) = (input, output, inShape, outShape, geometry, depthMultiplier, min, max);
        _packed = FloatConvSimd.PackDepthwise(context.Isa, filterShape, weights, bias);
        _workers = context.Workers;
        int rows = outShape.N * outShape.H;
        _work = FastFloatConv.RowWork(_workers, rows, (long)rows * outShape.W * outShape.C * filterShape.H * filterShape.W);
        _threads = _work.IsParallel ? _workers!.Threads : 1;
        // Scratch floats per thread, padded to 64 bytes, only for depth multipliers above 1.
        _scratchFloatsPerThread = depthMultiplier == 1 ? 0 : (FloatConvSimd.DepthwiseScratchFloats(_packed) + 15) / 16 * 16;
        _name = FastFloatConv.Name("dw", context.Isa);
    }

    public override long ScratchBytes => (long)_scratchFloatsPerThread * sizeof(float) * _threads;
    public override long PackedWeightBytes => _packed.Bytes;
    public override string KernelName => _name;
    public override ParallelWork Parallelism => _work;

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        // Workers cannot capture a Span: they get the arena scratch as a pointer for the duration of the call.
        fixed (byte* ps = scratch)
        {
            _memory = memory;
            _scratchPtr = ps;
            _scratchLength = scratch.Length;
            try { _work.Run(_workers, this); }
            finally
            {
                _memory = null;
                _scratchPtr = null;
                _scratchLength = 0;
            }
        }
    }

    private byte* _scratchPtr;
    private int _scratchLength;

    public void Execute(int chunk, int chunks, int worker)
    {
        (int start, int count) = _work.Range(chunk);
        if (count == 0) return;
        TensorMemory memory = _memory!;
        Span<float> scratch = MemoryMarshal.Cast<byte, float>(new Span<byte>(_scratchPtr, _scratchLength));
        Span<float> mine = _scratchFloatsPerThread == 0 ? default : scratch.Slice(worker * _scratchFloatsPerThread, _scratchFloatsPerThread);
        FloatConvSimd.Depthwise(_packed, _g, _depthMultiplier, _min, _max, _in, memory.ReadOnly<float>(_input), _out, memory.Span<float>(_output), start, count, mine);
    }
}

/// <summary>
/// Float DEPTHWISE_CONV_2D (multiplier 1) whose filter or bias is computed at run time (dynamic-range models dequantize
/// depthwise weights with a DEQUANTIZE op): <see cref="FloatConvSimd.DepthwiseUnpacked"/> on the live tensors, split by output rows.
/// </summary>
internal sealed class FloatDepthwiseUnpackedPrepared : PreparedOperator, IParallelJob
{
    private readonly int _input, _filter, _bias, _output;
    private readonly Shape4 _in, _filterShape, _out;
    private readonly ConvGeometry _g;
    private readonly float _min, _max;
    private readonly float[] _zeroBias;
    private readonly KernelIsa _isa;
    private readonly WorkerPool? _workers;
    private readonly ParallelWork _work;
    private readonly string _name;
    private TensorMemory? _memory;

    public FloatDepthwiseUnpackedPrepared(OperatorNode node, KernelContext context, int input, int filter, int bias, int output, Shape4 inShape, Shape4 filterShape,
        Shape4 outShape, ConvGeometry geometry, float min, float max) : base(node)
    {
        (_input, _filter, _bias, _output, _in, _filterShape, _out, _g, _min, _max) = (input, filter, bias, output, inShape, filterShape, outShape, geometry, min, max);
        _isa = context.Isa;
        FloatConvSimd.Lanes(_isa); // throws for Reference
        _zeroBias = bias < 0 ? new float[outShape.C] : [];
        _workers = context.Workers;
        int rows = outShape.N * outShape.H;
        _work = FastFloatConv.RowWork(_workers, rows, (long)rows * outShape.W * outShape.C * filterShape.H * filterShape.W);
        _name = FastFloatConv.Name("dw", context.Isa);
    }

    public override string KernelName => _name;
    public override ParallelWork Parallelism => _work;

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        _memory = memory;
        try { _work.Run(_workers, this); }
        finally { _memory = null; }
    }

    public void Execute(int chunk, int chunks, int worker)
    {
        (int start, int count) = _work.Range(chunk);
        if (count == 0) return;
        TensorMemory memory = _memory!;
        ReadOnlySpan<float> bias = _bias < 0 ? _zeroBias : memory.ReadOnly<float>(_bias);
        FloatConvSimd.DepthwiseUnpacked(_isa, _g, _min, _max, _in, memory.ReadOnly<float>(_input), _filterShape, memory.ReadOnly<float>(_filter), bias,
            _out, memory.Span<float>(_output), start, count);
    }
}
