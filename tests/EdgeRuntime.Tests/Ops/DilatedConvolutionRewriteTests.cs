using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Onnx;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Ops;

/// <summary>
/// SPACE_TO_BATCH_ND -> DEPTHWISE_CONV_2D -> BATCH_TO_SPACE_ND rewritten at load into one dilated DEPTHWISE_CONV_2D:
/// the same bytes as the three reference kernels (random shapes, blocks, filters, per-channel int8 and per-tensor uint8,
/// every kernel variant), and patterns whose result would differ are left alone.
/// </summary>
public class DilatedConvolutionRewriteTests
{
    public static TheoryData<KernelIsa> Isas => IsaSkip.AllVariantRows;

    /// <summary>x -> S2B(block, paddings) -> DW k x k VALID -> B2S(block, crops) -> y, as TF's converter writes a dilated convolution.</summary>
    private static ModelGraph Pattern(TensorType type, int h, int w, int c, int k, int block, int[] pads, int[] crops, Random rng, FusedActivation act = FusedActivation.Relu6)
    {
        var g = new TestGraph();
        int zp = type == TensorType.Int8 ? -5 : 123;
        var q = QuantizationInfo.PerTensor(0.05f, zp);
        int x = g.Tensor("x", type, [1, h, w, c], q);
        int bs = g.I32Const("block", [2], [block, block]);
        int ps = g.I32Const("paddings", [2, 2], pads);
        int sh = (h + pads[0] + pads[1]) / block, sw = (w + pads[2] + pads[3]) / block;
        int s = g.Tensor("s2b", type, [block * block, sh, sw, c], q);
        var filterCodes = new byte[k * k * c];
        rng.NextBytes(filterCodes);
        QuantizationInfo fq = type == TensorType.Int8
            ? new QuantizationInfo([.. Enumerable.Range(0, c).Select(i => 0.002f + 0.001f * (i % 7))], new long[c], 3)
            : QuantizationInfo.PerTensor(0.004f, 130);
        if (type == TensorType.Int8) for (int i = 0; i < filterCodes.Length; i++) if (filterCodes[i] == 0x80) filterCodes[i] = 0x81; // int8 weights in [-127, 127]
        int f = g.Tensor("filter", type, [1, k, k, c], fq, filterCodes);
        int[] biasValues = [.. Enumerable.Range(0, c).Select(_ => rng.Next(-2000, 2000))];
        QuantizationInfo bq = type == TensorType.Int8
            ? new QuantizationInfo([.. fq.Scales.Select(sc => sc * 0.05f)], new long[c], 0)
            : QuantizationInfo.PerTensor(0.004f * 0.05f, 0);
        int b = g.I32Const("bias", [c], biasValues, bq);
        var oq = QuantizationInfo.PerTensor(0.03f, type == TensorType.Int8 ? -20 : 100);
        int d = g.Tensor("dw", type, [block * block, sh - k + 1, sw - k + 1, c], oq);
        int cs = g.I32Const("crops", [2, 2], crops);
        int y = g.Tensor("y", type, [1, (sh - k + 1) * block - crops[0] - crops[1], (sw - k + 1) * block - crops[2] - crops[3], c], oq);
        g.Op(BuiltinOperator.SpaceToBatchND, [x, bs, ps], [s]);
        g.Op(BuiltinOperator.DepthwiseConv2D, [s, f, b], [d], new DepthwiseConv2DOptions(Padding.Valid, 1, 1, 1, act, 1, 1));
        g.Op(BuiltinOperator.BatchToSpaceND, [d, bs, cs], [y]);
        return g.Build([x], [y]);
    }

    /// <summary>Paddings and crops as TF writes them for a SAME dilated convolution of an h x w input (rate = block).</summary>
    private static (int[] Pads, int[] Crops) SamePadding(int h, int w, int k, int block)
    {
        int total = (k - 1) * block, top = total / 2;
        int PadEnd(int size) { int padded = size + total; int extra = (block - padded % block) % block; return total - top + extra; }
        int CropEnd(int size) => (block - (size + total) % block) % block;
        return ([top, PadEnd(h), top, PadEnd(w)], [0, CropEnd(h), 0, CropEnd(w)]);
    }

    [Theory, MemberData(nameof(Isas))]
    public void RewrittenEqualsTheThreeReferenceKernels(KernelIsa isa)
    {
        var rng = new Random(21);
        for (int round = 0; round < 16; round++)
        {
            TensorType type = round % 2 == 0 ? TensorType.Int8 : TensorType.UInt8;
            int h = 3 + rng.Next(20), w = 3 + rng.Next(20), c = 1 + rng.Next(40);
            int k = round % 4 == 3 ? 5 : 3, block = round % 3 == 2 ? 4 : 2;
            var (pads, crops) = SamePadding(h, w, k, block);
            ModelGraph graph = Pattern(type, h, w, c, k, block, pads, crops, rng);
            byte[] expected = GraphRun.Once(graph, new InterpreterOptions { Isa = KernelIsa.Reference, FuseOperators = false }, round, out Interpreter plain);
            byte[] actual = GraphRun.Once(graph, new InterpreterOptions { Isa = isa, FuseOperators = true, Threads = 1 + round % 2 }, round, out Interpreter rewritten);
            using (plain)
            using (rewritten)
            {
                Assert.Equal(3, plain.Operators.Count);
                PreparedOperator op = Assert.Single(rewritten.Operators);
                Assert.Equal(BuiltinOperator.DepthwiseConv2D, op.Node.Op);
                Assert.Equal(new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.Relu6, block, block), op.Node.Options);
                Assert.True(expected.SequenceEqual(actual), $"round {round}: {type} {h}x{w}x{c} k{k} block {block} pads [{string.Join(',', pads)}] crops [{string.Join(',', crops)}]");
                // The space/batch tensors are not planned.
                Assert.Equal(-1, rewritten.Layout.TensorOffsets[graph.Operators[0].Outputs[0]]);
            }
        }
    }

    [Fact]
    public void PatternsWithADifferentResultAreLeftAlone()
    {
        var rng = new Random(5);
        static int Count(ModelGraph g)
        {
            using var i = Interpreter.Create(g, new InterpreterOptions { FuseOperators = true });
            return i.Operators.Count;
        }
        var (pads, crops) = SamePadding(9, 11, 3, 2);
        Assert.Equal(1, Count(Pattern(TensorType.Int8, 9, 11, 4, 3, 2, pads, crops, rng)));
        // Shifted by two rows (top padding less top crop is not SAME's): a different result, so not rewritten; it still runs.
        Assert.Equal(3, Count(Pattern(TensorType.Int8, 9, 11, 4, 3, 2, [pads[0] + 2, pads[1], pads[2], pads[3]], [crops[0], crops[1] + 2, crops[2], crops[3]], rng)));
        Assert.Equal(3, Count(Pattern(TensorType.Int8, 9, 11, 4, 3, 2, [pads[0] + 1, pads[1] + 1, pads[2], pads[3]], crops, rng)));
        // Turned off, or every tensor must survive.
        ModelGraph graph = Pattern(TensorType.UInt8, 9, 11, 4, 3, 2, pads, crops, rng);
        using (var off = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = false })) Assert.Equal(3, off.Operators.Count);
        using (var all = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = true, PreserveAllTensors = true })) Assert.Equal(3, all.Operators.Count);
    }
}
