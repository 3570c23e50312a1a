using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Onnx;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Ops;

/// <summary>
/// DEPTHWISE_CONV_2D -> MUL -> ADD (per-channel constants: TF Hub int8's un-folded batch norm) fused into one node that
/// applies the channel table to each depthwise output row: the same bytes as the three reference kernels unfused, for
/// every kernel variant, random shapes, strides, dilations, paddings, types and thread counts; the fused row loop must
/// really run (KernelName), and the table loop itself equals its own lookups on random shapes, in place or not.
/// </summary>
public class DepthwiseChannelTableTests
{
    public static TheoryData<KernelIsa> Isas => IsaSkip.AllVariantRows;

    private static byte[] Codes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>x [1,h,w,c] -> DW k x k (stride, dilation, padding) -> MUL [c] -> ADD [1,1,1,c] -> y.</summary>
    private static ModelGraph Chain(TensorType type, int h, int w, int c, int k, int stride, int dilation, Padding padding, Random rng)
    {
        var g = new TestGraph();
        bool s8 = type == TensorType.Int8;
        QuantizationInfo Q(float scale, int zp) => QuantizationInfo.PerTensor(scale, s8 ? zp - 128 : zp);
        int x = g.Tensor("x", type, [1, h, w, c], Q(0.05f, 120 + rng.Next(20)));
        byte[] filterCodes = Codes(rng, k * k * c);
        if (s8) for (int i = 0; i < filterCodes.Length; i++) if (filterCodes[i] == 0x80) filterCodes[i] = 0x81; // int8 weights in [-127, 127]
        QuantizationInfo fq = s8
            ? new QuantizationInfo([.. Enumerable.Range(0, c).Select(i => 0.002f + 0.001f * (i % 7))], new long[c], 3)
            : QuantizationInfo.PerTensor(0.004f, 130);
        int f = g.Tensor("filter", type, [1, k, k, c], fq, filterCodes);
        QuantizationInfo bq = s8 ? new QuantizationInfo([.. fq.Scales.Select(sc => sc * 0.05f)], new long[c], 0) : QuantizationInfo.PerTensor(0.004f * 0.05f, 0);
        int b = g.I32Const("bias", [c], [.. Enumerable.Range(0, c).Select(_ => rng.Next(-3000, 3000))], bq);
        int eff = (k - 1) * dilation + 1;
        int oh = padding == Padding.Same ? (h + stride - 1) / stride : (h - eff + stride) / stride;
        int ow = padding == Padding.Same ? (w + stride - 1) / stride : (w - eff + stride) / stride;
        int d = g.Tensor("dw", type, [1, oh, ow, c], Q(0.04f + (float)rng.NextDouble() * 0.05f, 110 + rng.Next(40)));
        g.Op(BuiltinOperator.DepthwiseConv2D, [x, f, b], [d], new DepthwiseConv2DOptions(padding, stride, stride, 1, FusedActivation.None, dilation, dilation));
        int m = g.Tensor("m", type, [c], Q(0.004f + (float)rng.NextDouble() * 0.02f, 100 + rng.Next(50)), Codes(rng, c));
        int t = g.Tensor("t", type, [1, oh, ow, c], Q(0.02f + (float)rng.NextDouble() * 0.02f, 128 + rng.Next(20)));
        int a = g.Tensor("a", type, [1, 1, 1, c], Q(0.01f + (float)rng.NextDouble() * 0.05f, 100 + rng.Next(50)), Codes(rng, c));
        int y = g.Tensor("y", type, [1, oh, ow, c], Q(0.02f, 0));
        bool swap = rng.Next(2) == 0;
        g.Op(BuiltinOperator.Mul, swap ? [m, d] : [d, m], [t], new ElementwiseOptions(FusedActivation.None));
        g.Op(BuiltinOperator.Add, swap ? [t, a] : [a, t], [y], new ElementwiseOptions(FusedActivation.Relu6));
        return g.Build([x], [y]);
    }

    [Theory, MemberData(nameof(Isas))]
    public void FusedEqualsUnfusedReference(KernelIsa isa)
    {
        var rng = new Random(23);
        for (int round = 0; round < 24; round++)
        {
            TensorType type = round % 2 == 0 ? TensorType.Int8 : TensorType.UInt8;
            // Channel counts under, at and over the fused kernels' 16-channel blocks; a 5x5 filter now and then (the KxK
            // tap loop instead of the fused 3x3 rows, the table still applied row by row).
            int c = round % 6 == 5 ? 1 + rng.Next(15) : 16 + rng.Next(180);
            int k = round % 8 == 7 ? 5 : 3;
            int stride = 1 + rng.Next(2), dilation = stride == 1 ? 1 + rng.Next(2) : 1;
            Padding padding = round % 3 == 2 ? Padding.Valid : Padding.Same;
            int h = 2 * dilation + 2 + rng.Next(12), w = 2 * dilation + 2 + rng.Next(12);
            if (k == 5) (h, w) = (h + 2, w + 2);
            ModelGraph graph = Chain(type, h, w, c, k, stride, dilation, padding, rng);
            string what = $"round {round}: {type} {h}x{w}x{c} k{k} s{stride} d{dilation} {padding}";
            byte[] expected = GraphRun.Once(graph, new InterpreterOptions { Isa = KernelIsa.Reference, FuseOperators = false }, round, out Interpreter plain);
            byte[] actual = GraphRun.Once(graph, new InterpreterOptions { Isa = isa, FuseOperators = true, Threads = 1 + round % 2 }, round, out Interpreter fused);
            using (plain)
            using (fused)
            {
                Assert.Equal(3, plain.Operators.Count);
                PreparedOperator op = Assert.Single(fused.Operators);
                Assert.Equal("DEPTHWISE_CONV_2D+MUL+ADD", op.Node.DisplayName);
                Assert.Equal([BuiltinOperator.DepthwiseConv2D, BuiltinOperator.Mul, BuiltinOperator.Add], op.Node.FusedNodes.Select(n => n.Op));
                // Every kernel size the fast depthwise runs applies the table row by row inside the fused operator.
                if (isa == KernelIsa.Reference) Assert.Equal("reference+reference", op.KernelName);
                else Assert.Equal($"{DepthwiseConv.For(isa).KernelName(k, k)}+{ChannelTablePrepared.Name}", op.KernelName);
                // Neither the depthwise output nor the MUL's is planned.
                Assert.Equal(-1, fused.Layout.TensorOffsets[graph.Operators[0].Outputs[0]]);
                Assert.Equal(-1, fused.Layout.TensorOffsets[graph.Operators[1].Outputs[0]]);
                Assert.True(expected.SequenceEqual(actual), what);
            }
        }
    }

    [Fact]
    public void TableLoopEqualsItsLookups()
    {
        var rng = new Random(3);
        for (int round = 0; round < 40; round++)
        {
            // 1 to 700 channels (the 8-channel groups and their remainder), up to 300 pixels (several 16 KB pixel blocks).
            int channels = round < 8 ? 1 + round : 1 + rng.Next(700);
            int pixels = 1 + rng.Next(300);
            var table = new ChannelByteTable(channels, round % 2 == 0, (ch, q) => (q * 7 + ch * 13) ^ (ch >> 2));
            byte[] input = Codes(rng, channels * pixels);
            var expected = new byte[input.Length];
            for (int i = 0; i < input.Length; i++) expected[i] = table.Lookup(i % channels, input[i]);
            var output = new byte[input.Length];
            table.Run(input, output);
            Assert.True(expected.SequenceEqual(output), $"round {round}: {channels} channels x {pixels} pixels");
            table.Run(input, input);
            Assert.True(expected.SequenceEqual(input), $"round {round}: in place, {channels} channels x {pixels} pixels");
        }
    }
}
