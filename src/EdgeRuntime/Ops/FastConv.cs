using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// The SIMD paths of quantized CONV_2D and DEPTHWISE_CONV_2D, chosen in Prepare for a non-Reference
/// <see cref="KernelContext.Isa"/> when the weights (and bias) are constant. Every path computes exactly what the
/// reference kernels compute (same int32 accumulators, same requantization), so outputs are bit-identical.
/// </summary>
internal static class FastConv
{
    /// <summary>Target im2col bytes per worker (a block of output rows is unfolded at a time).</summary>
    internal const int Im2ColTargetBytes = 96 * 1024;

    public static QuantParams ToQuantParams(QuantizedConvParams q, TensorType type) => new()
    {
        Type = type == TensorType.UInt8 ? QuantType.UInt8 : QuantType.Int8,
        InputZeroPoint = -q.InputOffset,
        FilterZeroPoint = -q.FilterOffset,
        OutputZeroPoint = q.OutputOffset,
        OutputMin = q.ActivationMin,
        OutputMax = q.ActivationMax,
        Multiplier = q.OutputMultiplier,
        Shift = q.OutputShift,
        Rounding = q.Rounding,
    };

    /// <summary>True when the SIMD kernels can run these parameters (always, for what ConvOpSupport produces; checked anyway).</summary>
    public static bool Supported(QuantParams q, int channels)
    {
        try
        {
            q.Validate(channels);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Constant filter and (optional) constant int32 bias, or false when either is computed at run time.</summary>
    public static bool TryConstants(ModelGraph graph, int filter, int bias, out ReadOnlyMemory<byte> weights, out int[] biasValues)
    {
        weights = graph.Tensors[filter].ConstantData;
        biasValues = [];
        if (weights.IsEmpty) return false;
        if (bias >= 0)
        {
            ReadOnlyMemory<byte> b = graph.Tensors[bias].ConstantData;
            if (b.IsEmpty) return false;
            biasValues = MemoryMarshal.Cast<byte, int>(b.Span).ToArray();
        }
        return true;
    }

}

/// <summary>
/// Quantized CONV_2D as a GEMM with prepacked weights [outC, fH*fW*inC] (the OHWI filter rows as they are).
/// 1x1 stride-1: the NHWC input rows are the GEMM's A directly. Otherwise im2col of a block of output rows into
/// arena scratch (padding taps filled with the input zero point, so they contribute (zp - zp) * w = 0 exactly as the
/// reference skips them), then GEMM. Work is cut into chunks of output rows (pixels for 1x1) for the interpreter's workers;
/// each thread unfolds into its own scratch block.
/// </summary>
internal sealed unsafe class FastConv2DPrepared : PreparedOperator, IParallelJob
{
    private readonly int _input, _output;
    private readonly Shape4 _in, _out;
    private readonly int _fH, _fW;
    private readonly ConvGeometry _g;
    private readonly QuantizedGemm _gemm;
    private readonly PackedGemmWeights _packed;
    private readonly bool _pointwise;
    private readonly int _k, _rowsPerBlock, _scratchPerThread, _threads;
    private readonly ParallelWork _work;
    private readonly byte _padValue;
    private readonly WorkerPool? _workers;
    private readonly string _name;

    // Set for the duration of one Invoke (the arena is pinned; the input is pinned by Invoke's fixed).
    private byte* _pin, _pout, _pscratch;

    public FastConv2DPrepared(OperatorNode node, KernelContext context, int input, int output, Shape4 inShape, Shape4 filterShape, Shape4 outShape,
        ConvGeometry geometry, QuantParams q, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias) : base(node)
    {
        (_input, _output) = (input, output);
        (_in, _out) = (inShape, outShape);
        (_fH, _fW) = (filterShape.H, filterShape.W);
        _g = geometry;
        _k = filterShape.H * filterShape.W * filterShape.C;
        _gemm = QuantizedGemm.For(context.Isa);
        _packed = _gemm.Pack(q, filterShape.N, _k, weights, bias);
        _pointwise = _fH == 1 && _fW == 1 && geometry.StrideH == 1 && geometry.StrideW == 1 && geometry.PadH == 0 && geometry.PadW == 0;
        _padValue = (byte)q.InputZeroPoint;
        _workers = context.Workers;
        int rows = outShape.N * outShape.H;
        if (_pointwise)
        {
            // Pixels in multiples of 8 (whole GEMM row tiles), at least 32 per chunk.
            _work = ParallelWork.Plan(_workers, rows * outShape.W, 32, 8);
            _name = _gemm.KernelName;
        }
        else
        {
            long rowBytes = (long)outShape.W * _k;
            _work = ParallelWork.Plan(_workers, rows, 1);
            _threads = _work.IsParallel ? _workers!.Threads : 1;
            long perChunk = ((long)rows + _work.Chunks - 1) / _work.Chunks;
            _rowsPerBlock = (int)Math.Clamp(FastConv.Im2ColTargetBytes / rowBytes, 1, Math.Max(1, perChunk));
            long bytes = _rowsPerBlock * rowBytes;
            if (bytes > int.MaxValue / _threads) throw new ModelFormatException($"{node}: im2col block of {bytes} bytes is too large");
            _scratchPerThread = (int)((bytes + 63) / 64 * 64);
            _name = "im2col-" + _gemm.KernelName;
        }
    }

    public override long ScratchBytes => (long)_scratchPerThread * _threads;
    public override ParallelWork Parallelism => _work;
    public override long PackedWeightBytes => _packed.Bytes;
    public override string KernelName => _name;

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        fixed (byte* pin = memory.ReadOnlyBytes(_input), pout = memory.Bytes(_output), ps = scratch)
        {
            _pin = pin;
            _pout = pout;
            _pscratch = ps;
            try
            {
                _work.Run(_workers, this);
            }
            finally
            {
                _pin = _pout = _pscratch = null;
            }
        }
    }

    public void Execute(int chunk, int chunks, int worker)
    {
        int n = _packed.N;
        (int start, int count) = _work.Range(chunk);
        if (count == 0) return;
        if (_pointwise)
        {
            int k = _k;
            _gemm.Run(_packed, count, new ReadOnlySpan<byte>(_pin + (long)start * k, count * k), k,
                new Span<byte>(_pout + (long)start * n, count * n), n);
            return;
        }

        int outW = _out.W, rowStart = start, rowCount = count;
        byte* buffer = _pscratch + (long)worker * _scratchPerThread;
        int rowBytes = outW * _k;
        for (int r0 = rowStart; r0 < rowStart + rowCount; r0 += _rowsPerBlock)
        {
            int rows = Math.Min(_rowsPerBlock, rowStart + rowCount - r0);
            for (int r = 0; r < rows; r++)
                Unfold(r0 + r, buffer + (long)r * rowBytes);
            int m = rows * outW;
            _gemm.Run(_packed, m, new ReadOnlySpan<byte>(buffer, m * _k), _k,
                new Span<byte>(_pout + (long)r0 * outW * n, m * n), n);
        }
    }

    /// <summary>im2col of one output row (image b = row / outH): outW rows of K = fH*fW*inC bytes in filter order.</summary>
    private void Unfold(int globalRow, byte* dst)
    {
        int b = globalRow / _out.H, oy = globalRow % _out.H;
        int inH = _in.H, inW = _in.W, inC = _in.C;
        int fH = _fH, fW = _fW, sw = _g.StrideW, dh = _g.DilationH, dw = _g.DilationW;
        byte pad = _padValue;
        byte* image = _pin + (long)b * inH * inW * inC;
        int tapBytes = fW * inC;
        for (int ox = 0; ox < _out.W; ox++)
        {
            int ix0 = ox * sw - _g.PadW;
            for (int fy = 0; fy < fH; fy++)
            {
                byte* d = dst + fy * tapBytes;
                int iy = oy * _g.StrideH - _g.PadH + fy * dh;
                if ((uint)iy >= (uint)inH)
                {
                    SmallBytes.Fill(d, pad, tapBytes);
                    continue;
                }
                byte* src = image + (long)iy * inW * inC;
                if (dw == 1)
                {
                    // Consecutive taps are consecutive input pixels: one copy of the in-image run, pad around it.
                    int lo = Math.Max(0, -ix0), hi = Math.Min(fW, inW - ix0);
                    if (hi <= lo)
                    {
                        SmallBytes.Fill(d, pad, tapBytes);
                        continue;
                    }
                    if (lo > 0) SmallBytes.Fill(d, pad, lo * inC);
                    SmallBytes.Copy(d + lo * inC, src + (long)(ix0 + lo) * inC, (hi - lo) * inC);
                    if (hi < fW) SmallBytes.Fill(d + hi * inC, pad, (fW - hi) * inC);
                }
                else
                {
                    for (int fx = 0; fx < fW; fx++)
                    {
                        int ix = ix0 + fx * dw;
                        if ((uint)ix >= (uint)inW) SmallBytes.Fill(d + fx * inC, pad, inC);
                        else SmallBytes.Copy(d + fx * inC, src + (long)ix * inC, inC);
                    }
                }
            }
            dst += _k;
        }
    }
}

/// <summary>Quantized KH x KW DEPTHWISE_CONV_2D (depth multiplier 1, any stride/dilation/padding) on <see cref="DepthwiseConv"/>, in chunks of output rows.</summary>
internal sealed unsafe class FastDepthwisePrepared : PreparedOperator, IParallelJob
{
    private readonly int _input, _output;
    private readonly int _batches;
    private readonly DepthwiseGeometry _g;
    private readonly DepthwiseConv _kernel;
    private readonly PackedDepthwiseWeights _packed;
    private readonly ParallelWork _work;
    private readonly WorkerPool? _workers;
    private string _name;
    private ChannelByteTable? _table;
    private byte* _pin, _pout;

    public FastDepthwisePrepared(OperatorNode node, KernelContext context, int input, int output, Shape4 inShape, Shape4 outShape,
        int kernelHeight, int kernelWidth, ConvGeometry geometry, QuantParams q, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias) : base(node)
    {
        (_input, _output) = (input, output);
        _batches = inShape.N;
        _g = new DepthwiseGeometry(inShape.H, inShape.W, inShape.C, outShape.H, outShape.W,
            geometry.StrideH, geometry.StrideW, geometry.DilationH, geometry.DilationW, geometry.PadH, geometry.PadW, kernelHeight, kernelWidth);
        _kernel = DepthwiseConv.For(context.Isa);
        _packed = _kernel.Pack(q, inShape.C, weights, bias, kernelHeight, kernelWidth);
        _workers = context.Workers;
        _work = ParallelWork.Plan(_workers, outShape.N * outShape.H, 1);
        _name = _kernel.KernelName(kernelHeight, kernelWidth);
    }

    public override long PackedWeightBytes => _packed.Bytes + (_table?.Bytes ?? 0);
    public override ParallelWork Parallelism => _work;
    public override string KernelName => _name;

    /// <summary>
    /// Maps every output byte through <paramref name="table"/> (the fused MUL+ADD batch norm after the depthwise) one row
    /// at a time, right after the kernel wrote the row: the row is still in cache, and the depthwise output is never a
    /// tensor of its own. Exact by construction: the same bytes go through the same table as in the separate pass.
    /// Called once, during prepare.
    /// </summary>
    internal void ApplyAfterEachRow(ChannelByteTable table)
    {
        if (_table is not null) throw new InvalidOperationException("a table is already attached");
        if (table.Channels != 1 && table.Channels != _g.Channels) throw new ArgumentException($"a table of {table.Channels} channels for {_g.Channels}");
        _table = table;
        _name += "+" + ChannelTablePrepared.Name;
    }

    public override void Invoke(TensorMemory memory, Span<byte> scratch)
    {
        fixed (byte* pin = memory.ReadOnlyBytes(_input), pout = memory.Bytes(_output))
        {
            _pin = pin;
            _pout = pout;
            try
            {
                _work.Run(_workers, this);
            }
            finally
            {
                _pin = _pout = null;
            }
        }
    }

    public void Execute(int chunk, int chunks, int worker)
    {
        DepthwiseGeometry g = _g;
        int outH = g.OutputHeight;
        int inBytes = g.InputHeight * g.InputWidth * g.Channels, outBytes = outH * g.OutputWidth * g.Channels;
        (int start, int count) = _work.Range(chunk);
        for (int row = start; row < start + count;)
        {
            int b = row / outH, oy = row % outH;
            int rows = Math.Min(outH - oy, start + count - row);
            var input = new ReadOnlySpan<byte>(_pin + (long)b * inBytes, inBytes);
            var output = new Span<byte>(_pout + (long)b * outBytes, outBytes);
            if (_table is null)
            {
                _kernel.Run(_packed, g, input, output, oy, rows);
            }
            else
            {
                int rowBytes = g.OutputWidth * g.Channels;
                for (int r = oy; r < oy + rows; r++)
                {
                    _kernel.Run(_packed, g, input, output, r, 1);
                    Span<byte> written = output.Slice(r * rowBytes, rowBytes);
                    _table.Run(written, written);
                }
            }
            row += rows;
        }
    }
}
