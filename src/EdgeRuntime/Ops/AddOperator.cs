using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>ADD for float32, uint8 and int8 with numpy broadcasting (rank &lt;= 4) and fused Relu/Relu6/ReluN1To1.</summary>
public sealed class AddOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.Add;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        var s = BinaryElementwiseSetup.Create(node, graph, BuiltinOperator.Add, maxVersion: 4);
        if (s.Type == TensorType.Float32) return new Prepared(node, s, default, SimdVariant.Reference);
        AddQuantParams p;
        try
        {
            p = AddQuantParams.Create(s.Q1.Scale, s.Q1.ZeroPoint, s.Q2.Scale, s.Q2.ZeroPoint, s.QOut.Scale, s.QOut.ZeroPoint, s.ActivationMin, s.ActivationMax);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UnsupportedOperatorException(node, $"scales (in {s.Q1.Scale:G6}, {s.Q2.Scale:G6}, out {s.QOut.Scale:G6}) need a multiplier TFLite cannot represent: {e.Message}");
        }
        SimdVariant variant = QuantizedAddKernels.Select(context.Isa);
        // Same-shape operands on x86: the exact 64 KiB table (see QuantizedAddTable for why not on ARM).
        if (variant == SimdVariant.Avx2 && s.Shape1 == s.OutputShape && s.Shape2 == s.OutputShape)
            return new TablePrepared(node, s, new QuantizedAddTable(p, signed: s.Type == TensorType.Int8), context.Workers);
        return new Prepared(node, s, p, variant);
    }

    /// <summary>The table kernel, split by elements across the interpreter's workers.</summary>
    private sealed unsafe class TablePrepared(OperatorNode node, BinaryElementwiseSetup s, QuantizedAddTable table, WorkerPool? workers)
        : PreparedOperator(node), IParallelJob
    {
        private readonly int _parts = FastConv.Parts(workers, s.OutputShape.FlatSize, 64 * 1024);
        private byte* _a, _b, _out;
        private int _count;

        public override string KernelName => "table";
        public override long PackedWeightBytes => QuantizedAddTable.Bytes;
        public override int InPlaceInput => s.InPlaceInput;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            ReadOnlySpan<byte> a = memory.ReadOnlyBytes(s.Input1), b = memory.ReadOnlyBytes(s.Input2);
            Span<byte> output = memory.Bytes(s.Output);
            if (_parts <= 1 || workers is null)
            {
                table.Run(a, b, output);
                return;
            }
            if (a.Length < output.Length || b.Length < output.Length) throw new InvalidOperationException("ADD operands are shorter than the output");
            fixed (byte* pa = a, pb = b, po = output)
            {
                _a = pa; _b = pb; _out = po; _count = output.Length;
                try
                {
                    workers.Run(this, _parts);
                }
                finally
                {
                    _a = _b = _out = null;
                }
            }
        }

        public void Execute(int part, int parts)
        {
            (int start, int count) = WorkerPool.Split(_count, part, parts, 64);
            table.Run(new ReadOnlySpan<byte>(_a + start, count), new ReadOnlySpan<byte>(_b + start, count), new Span<byte>(_out + start, count));
        }
    }

    private sealed class Prepared(OperatorNode node, BinaryElementwiseSetup s, AddQuantParams p, SimdVariant variant) : PreparedOperator(node)
    {
        public AddQuantParams Params { get; } = p;

        /// <summary>Float ADD always runs the reference; quantized ADD the variant chosen from the kernel ISA.</summary>
        public override string KernelName => SimdVariants.Name(variant);

        public override int InPlaceInput => s.InPlaceInput;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (s.Type)
            {
                case TensorType.Float32:
                    AddReference.Float(s.FloatActivationMin, s.FloatActivationMax, s.Shape1, memory.ReadOnly<float>(s.Input1), s.Shape2, memory.ReadOnly<float>(s.Input2), s.OutputShape, memory.Span<float>(s.Output));
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
