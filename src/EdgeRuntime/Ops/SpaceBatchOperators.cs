using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>What SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND share: 4-D NHWC, constant int32 block [2] and paddings/crops [2,2].</summary>
internal static class SpaceBatchSetup
{
    /// <summary>Largest block (height x width); keeps every batch, padding and crop product far inside int32.</summary>
    public const int MaxBlock = 1 << 16;

    /// <summary>A computed output extent, refused unless it is in [1, int.MaxValue] (the sums are formed in 64 bits).</summary>
    public static int Extent(OperatorNode node, long value, string what)
    {
        if (value < 1 || value > int.MaxValue) throw new ModelFormatException($"{node}: output {what} {value} is outside [1, {int.MaxValue}]");
        return (int)value;
    }

    public static (TensorInfo Input, TensorInfo Output, int[] Block, int[] Pads) Read(OperatorNode node, ModelGraph graph, BuiltinOperator op, string padsName)
    {
        OpHelpers.CheckOp(node, op, maxVersion: 4);
        OpHelpers.CheckCounts(node, 3, 3, 1);
        TensorInfo input = OpHelpers.Input(node, graph, 0), block = OpHelpers.Input(node, graph, 1), pads = OpHelpers.Input(node, graph, 2), output = OpHelpers.Output(node, graph);
        OpHelpers.RequireType(node, input, "input", TensorType.Float32, TensorType.UInt8, TensorType.Int8);
        OpHelpers.RequireSameType(node, input, output);
        OpHelpers.Require(input.Rank == 4, node, $"input {input} must be 4-D NHWC");
        OpHelpers.Require(block.Rank == 1 && block.Shape[0] == 2, node, $"block shape {block} must be int32[2]");
        OpHelpers.Require(pads.Rank == 2 && pads.Shape[0] == 2 && pads.Shape[1] == 2, node, $"{padsName} {pads} must be int32[2,2]");
        int[] b = OpHelpers.ReadIntConstant(node, block, "block shape");
        int[] p = OpHelpers.ReadIntConstant(node, pads, padsName);
        if (b[0] < 1 || b[1] < 1) throw new ModelFormatException($"{node}: block shape [{b[0]},{b[1]}] must be positive");
        if ((long)b[0] * b[1] > MaxBlock) throw new ModelFormatException($"{node}: block shape [{b[0]},{b[1]}] exceeds {MaxBlock} positions");
        foreach (int v in p)
            if (v < 0) throw new ModelFormatException($"{node}: {padsName} [{string.Join(',', p)}] must not be negative");
        if (input.Type != TensorType.Float32)
        {
            // Values are moved as raw integers (TFLite requires matching quantization for these ops).
            var qi = OpHelpers.PerTensor(node, input);
            var qo = OpHelpers.PerTensor(node, output);
            OpHelpers.Require(qi == qo, node, $"input {input} ({qi.Scale:G6}, {qi.ZeroPoint}) and output {output} ({qo.Scale:G6}, {qo.ZeroPoint}) must share quantization");
        }
        return (input, output, b, p);
    }
}

/// <summary>SPACE_TO_BATCH_ND (4-D NHWC); padding is 0 for float and the output zero point for uint8/int8.</summary>
internal sealed class SpaceToBatchNdOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.SpaceToBatchND;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        var (input, output, b, p) = SpaceBatchSetup.Read(node, graph, BuiltinOperator.SpaceToBatchND, "paddings");
        Shape4 i = Shape4.From(input.Shape);
        int paddedH = SpaceBatchSetup.Extent(node, (long)i.H + p[0] + p[1], "padded height");
        int paddedW = SpaceBatchSetup.Extent(node, (long)i.W + p[2] + p[3], "padded width");
        if (paddedH % b[0] != 0 || paddedW % b[1] != 0)
            throw new ModelFormatException($"{node}: padded size {paddedH}x{paddedW} is not a multiple of block {b[0]}x{b[1]}");
        var o = new Shape4(SpaceBatchSetup.Extent(node, (long)i.N * b[0] * b[1], "batch"), paddedH / b[0], paddedW / b[1], i.C);
        OpHelpers.RequireShape(node, output, [o.N, o.H, o.W, o.C], "output");
        int zeroPoint = input.Type == TensorType.Float32 ? 0 : OpHelpers.PerTensor(node, output).ZeroPoint;
        return new Prepared(node, input.Type, i, o, b[0], b[1], p[0], p[2], zeroPoint);
    }

    private sealed class Prepared(OperatorNode node, TensorType type, Shape4 i, Shape4 o, int bh, int bw, int padTop, int padLeft, int zeroPoint) : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (type)
            {
                case TensorType.Float32:
                    SpaceBatchReference.SpaceToBatch(i, memory.ReadOnly<float>(_input), bh, bw, padTop, padLeft, 0f, o, memory.Span<float>(_output)); break;
                case TensorType.UInt8:
                    SpaceBatchReference.SpaceToBatch(i, memory.ReadOnly<byte>(_input), bh, bw, padTop, padLeft, (byte)zeroPoint, o, memory.Span<byte>(_output)); break;
                default:
                    SpaceBatchReference.SpaceToBatch(i, memory.ReadOnly<sbyte>(_input), bh, bw, padTop, padLeft, (sbyte)zeroPoint, o, memory.Span<sbyte>(_output)); break;
            }
        }
    }
}

/// <summary>BATCH_TO_SPACE_ND (4-D NHWC) with crops.</summary>
internal sealed class BatchToSpaceNdOperator : IOperatorKernel
{
    public BuiltinOperator Op => BuiltinOperator.BatchToSpaceND;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        var (input, output, b, c) = SpaceBatchSetup.Read(node, graph, BuiltinOperator.BatchToSpaceND, "crops");
        Shape4 i = Shape4.From(input.Shape);
        if (i.N % (b[0] * b[1]) != 0)
            throw new ModelFormatException($"{node}: batch {i.N} is not a multiple of block {b[0]}x{b[1]}");
        if ((long)i.H * b[0] - c[0] - c[1] <= 0 || (long)i.W * b[1] - c[2] - c[3] <= 0)
            throw new ModelFormatException($"{node}: crops [{string.Join(',', c)}] leave nothing of {input}");
        var o = new Shape4(i.N / (b[0] * b[1]), SpaceBatchSetup.Extent(node, (long)i.H * b[0] - c[0] - c[1], "height"),
            SpaceBatchSetup.Extent(node, (long)i.W * b[1] - c[2] - c[3], "width"), i.C);
        OpHelpers.RequireShape(node, output, [o.N, o.H, o.W, o.C], "output");
        return new Prepared(node, input.Type, i, o, b[0], b[1], c[0], c[2]);
    }

    private sealed class Prepared(OperatorNode node, TensorType type, Shape4 i, Shape4 o, int bh, int bw, int cropTop, int cropLeft) : PreparedOperator(node)
    {
        private readonly int _input = node.Inputs[0], _output = node.Outputs[0];

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            switch (type)
            {
                case TensorType.Float32:
                    SpaceBatchReference.BatchToSpace(i, memory.ReadOnly<float>(_input), bh, bw, cropTop, cropLeft, o, memory.Span<float>(_output)); break;
                default:
                    SpaceBatchReference.BatchToSpace(i, memory.ReadOnlyBytes(_input), bh, bw, cropTop, cropLeft, o, memory.Bytes(_output)); break;
            }
        }
    }
}
