using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>ADD for float32, uint8 and int8 with numpy broadcasting (rank &lt;= 4) and fused Relu/Relu6/ReluN1To1.</summary>
internal sealed class AddOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Add;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        var s = BinaryElementwiseSetup.Create(node, graph, BuiltinOperator.Add, maxVersion: 4);
        if (s.Type == TensorType.Float32) return new Prepared(node, s, default, FloatBinaryKernels.Select(context.Isa));
        AddQuantParams p = QuantParams(node, s);
        SimdVariant variant = QuantizedAddKernels.Select(context.Isa);
        if (variant != SimdVariant.Reference && s.Shape1 == s.OutputShape && s.Shape2 == s.OutputShape)
        {
            // Same-shape operands (MobileNetV2's residual ADD) run in chunks of elements on the workers. On x86 the exact
            // 64 KiB table (see QuantizedAddTable for why not on ARM).
            QuantizedAddTable? table = variant == SimdVariant.Avx2 ? new QuantizedAddTable(p, signed: s.Type == TensorType.Int8) : null;
            return new SameShapePrepared(node, s, p, variant, table, context.Workers);
        }
        // ADD of a per-channel constant (un-folded batch norm): one table byte per element (exact by construction).
        if (variant != SimdVariant.Reference && ChannelConstantOperand.Find(node, graph, s) is { } constant)
            return new ChannelTablePrepared(node, constant.VariableInput, s.OutputShape.FlatSize, Table(p, constant, s.Type == TensorType.Int8), context.Workers);
        return new Prepared(node, s, p, variant);
    }

    /// <summary>TFLite's AddQuantParams for a validated quantized ADD, the unrepresentable-scale case as an unsupported operator.</summary>
    internal static AddQuantParams QuantParams(OperatorNode node, BinaryElementwiseSetup s)
    {
        try
        {
            return AddQuantParams.Create(s.Q1.Scale, s.Q1.ZeroPoint, s.Q2.Scale, s.Q2.ZeroPoint, s.QOut.Scale, s.QOut.ZeroPoint, s.ActivationMin, s.ActivationMax);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UnsupportedOperatorException(node, $"scales (in {s.Q1.Scale:G6}, {s.Q2.Scale:G6}, out {s.QOut.Scale:G6}) need a multiplier TFLite cannot represent: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>The ADD's value for each channel of the constant and each code of the other operand.</summary>
    internal static ChannelByteTable Table(AddQuantParams p, ChannelConstantOperand constant, bool signed) =>
        new(constant.Channels, signed, (c, q) => constant.Apply((a, b) => AddReference.AddOne(a, b, p), c, q));

    /// <summary>Same-shape quantized ADD as a flat element loop, in chunks of elements across the interpreter's workers.</summary>
    private sealed unsafe class SameShapePrepared(OperatorNode node, BinaryElementwiseSetup s, AddQuantParams p, SimdVariant variant,
        QuantizedAddTable? table, WorkerPool? workers) : PreparedOperator(node), IParallelJob
    {
        private readonly ParallelWork _work = ParallelWork.Plan(workers, s.OutputShape.FlatSize, 4 * 1024, 64);
        private readonly AddQuantParams _params = p;
        private byte* _a, _b, _out;

        public override string KernelName => table is null ? KernelDispatcher.Name(variant) : "table";
        public override long PackedWeightBytes => table is null ? 0 : QuantizedAddTable.Bytes;
        public override int InPlaceInput => s.InPlaceInput;
        public override ParallelWork Parallelism => _work;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            ReadOnlySpan<byte> a = memory.ReadOnlyBytes(s.Input1), b = memory.ReadOnlyBytes(s.Input2);
            Span<byte> output = memory.Bytes(s.Output);
            if (a.Length < _work.Units || b.Length < _work.Units || output.Length < _work.Units)
                throw new InvalidOperationException("ADD operands are shorter than the output");
            fixed (byte* pa = a, pb = b, po = output)
            {
                _a = pa; _b = pb; _out = po;
                try
                {
                    _work.Run(workers, this);
                }
                finally
                {
                    _a = _b = _out = null;
                }
            }
        }

        public void Execute(int chunk, int chunks, int worker)
        {
            (int start, int count) = _work.Range(chunk);
            if (count == 0) return;
            var a = new ReadOnlySpan<byte>(_a + start, count);
            var b = new ReadOnlySpan<byte>(_b + start, count);
            var output = new Span<byte>(_out + start, count);
            if (table is not null)
            {
                table.Run(a, b, output);
                return;
            }
            var flat = new Shape4(1, 1, 1, count);
            if (s.Type == TensorType.UInt8)
                QuantizedAddKernels.Quantized(variant, _params, flat, a, flat, b, flat, output);
            else
                QuantizedAddKernels.Quantized(variant, _params, flat, MemoryMarshal.Cast<byte, sbyte>(a), flat, MemoryMarshal.Cast<byte, sbyte>(b), flat,
                    MemoryMarshal.Cast<byte, sbyte>(output));
        }
    }

    private sealed class Prepared(OperatorNode node, BinaryElementwiseSetup s, AddQuantParams p, SimdVariant variant) : PreparedOperator(node)
    {
        public AddQuantParams Params { get; } = p;

        /// <summary>The variant chosen from the kernel ISA (float and quantized alike).</summary>
        public override string KernelName => KernelDispatcher.Name(variant);

        public override int InPlaceInput => s.InPlaceInput;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (s.Type)
            {
                case TensorType.Float32:
                    FloatBinaryKernels.Add(variant, s.FloatActivationMin, s.FloatActivationMax, s.Shape1, memory.ReadOnly<float>(s.Input1), s.Shape2, memory.ReadOnly<float>(s.Input2), s.OutputShape, memory.Span<float>(s.Output));
                    break;
                case TensorType.UInt8:
                    QuantizedAddKernels.Quantized(variant, Params, s.Shape1, memory.ReadOnly<byte>(s.Input1), s.Shape2, memory.ReadOnly<byte>(s.Input2), s.OutputShape, memory.Span<byte>(s.Output));
                    break;
                default:
                    QuantizedAddKernels.Quantized(variant, Params, s.Shape1, memory.ReadOnly<sbyte>(s.Input1), s.Shape2, memory.ReadOnly<sbyte>(s.Input2), s.OutputShape, memory.Span<sbyte>(s.Output));
                    break;
            }
        }
    }
}
