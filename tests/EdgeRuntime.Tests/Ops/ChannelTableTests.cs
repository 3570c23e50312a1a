using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Onnx;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Ops;

/// <summary>
/// Quantized ADD/MUL by a per-channel constant (un-folded batch norm) as a per-channel byte table, alone and as the fused
/// MUL+ADD chain: the same bytes as the reference kernels for every kernel variant, operand order, type, constant shape,
/// fused activation and thread count; the table path must really run (KernelName), and what it must not take it leaves.
/// </summary>
public class ChannelTableTests
{
    public static TheoryData<KernelIsa> Isas => new(IsaSkip.FastVariants.Select(isa => new TheoryDataRow<KernelIsa>(isa).WithSkip(IsaSkip.Reason(isa))));

    private static QuantizationInfo Q(TensorType type, float scale, int zp) => QuantizationInfo.PerTensor(scale, type == TensorType.Int8 ? zp - 128 : zp);

    private static byte[] RandomCodes(Random rng, long n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>x [1,h,w,c] (op) constant [constShape]: one ADD or MUL, the constant first or second.</summary>
    private static ModelGraph Single(BuiltinOperator op, TensorType type, int[] shape, int[] constShape, bool constantFirst, FusedActivation act, Random rng)
    {
        var g = new TestGraph();
        int x = g.Tensor("x", type, shape, Q(type, 0.02f + (float)rng.NextDouble() * 0.1f, 100 + rng.Next(50)));
        int k = g.Tensor("k", type, constShape, Q(type, 0.005f + (float)rng.NextDouble() * 0.05f, 90 + rng.Next(70)), RandomCodes(rng, constShape.Aggregate(1, (a, b) => a * b)));
        int y = g.Tensor("y", type, shape, Q(type, 0.03f + (float)rng.NextDouble() * 0.1f, 110 + rng.Next(30)));
        g.Op(op, constantFirst ? [k, x] : [x, k], [y], new ElementwiseOptions(act));
        return g.Build([x], [y]);
    }

    /// <summary>x -> MUL(per-channel constant) -> ADD(per-channel constant) -> y: the batch-norm chain of TF Hub's int8 DeepLab.</summary>
    private static ModelGraph Chain(TensorType type, int[] shape, int[] mulShape, int[] addShape, bool swap, FusedActivation act, Random rng, bool intermediateIsOutput = false)
    {
        var g = new TestGraph();
        int x = g.Tensor("x", type, shape, Q(type, 0.05f, 120));
        int m = g.Tensor("m", type, mulShape, Q(type, 0.004f + (float)rng.NextDouble() * 0.02f, 100 + rng.Next(50)), RandomCodes(rng, mulShape.Aggregate(1, (a, b) => a * b)));
        int t = g.Tensor("t", type, shape, Q(type, 0.02f + (float)rng.NextDouble() * 0.02f, 128 + rng.Next(20)));
        int a = g.Tensor("a", type, addShape, Q(type, 0.01f + (float)rng.NextDouble() * 0.05f, 100 + rng.Next(50)), RandomCodes(rng, addShape.Aggregate(1, (p, q) => p * q)));
        int y = g.Tensor("y", type, shape, Q(type, 0.02f, act == FusedActivation.None ? 128 : 0));
        g.Op(BuiltinOperator.Mul, swap ? [m, x] : [x, m], [t], new ElementwiseOptions(FusedActivation.None));
        g.Op(BuiltinOperator.Add, swap ? [t, a] : [a, t], [y], new ElementwiseOptions(act));
        return g.Build([x], intermediateIsOutput ? [y, t] : [y]);
    }

    [Theory, MemberData(nameof(Isas))]
    public void SingleOpTableEqualsReference(KernelIsa isa)
    {
        var rng = new Random(7);
        for (int round = 0; round < 24; round++)
        {
            BuiltinOperator op = round % 2 == 0 ? BuiltinOperator.Add : BuiltinOperator.Mul;
            TensorType type = round % 4 < 2 ? TensorType.Int8 : TensorType.UInt8;
            int c = 1 + rng.Next(40);
            int[] shape = [1, 1 + rng.Next(9), 1 + rng.Next(9), c];
            int[] constShape = (round / 4 % 3) switch { 0 => [c], 1 => [1, 1, 1, c], _ => [1] };
            var act = new[] { FusedActivation.None, FusedActivation.Relu, FusedActivation.Relu6 }[rng.Next(3)];
            ModelGraph graph = Single(op, type, shape, constShape, constantFirst: round % 3 == 0, act, rng);
            byte[] expected = GraphRun.Once(graph, new InterpreterOptions { Isa = KernelIsa.Reference }, round, out Interpreter reference);
            byte[] actual = GraphRun.Once(graph, new InterpreterOptions { Isa = isa, Threads = 1 + round % 2 }, round, out Interpreter fast);
            using (reference)
            using (fast)
            {
                Assert.Equal("reference", reference.Operators[0].KernelName);
                Assert.Equal(ChannelTablePrepared.Name, fast.Operators[0].KernelName);
                Assert.True(expected.SequenceEqual(actual), $"round {round}: {op} {type} {string.Join('x', shape)} const [{string.Join(',', constShape)}] {act}");
            }
        }
    }

    [Theory, MemberData(nameof(Isas))]
    public void FusedMulAddEqualsUnfusedReference(KernelIsa isa)
    {
        var rng = new Random(11);
        for (int round = 0; round < 16; round++)
        {
            TensorType type = round % 2 == 0 ? TensorType.Int8 : TensorType.UInt8;
            int c = 1 + rng.Next(300);
            int[] shape = [1, 1 + rng.Next(7), 1 + rng.Next(7), c];
            int[] mulShape = round % 5 == 4 ? [1] : [c], addShape = round % 7 == 6 ? [1, 1, 1, 1] : [1, 1, 1, c];
            var act = new[] { FusedActivation.None, FusedActivation.Relu, FusedActivation.Relu6 }[round % 3];
            ModelGraph graph = Chain(type, shape, mulShape, addShape, swap: round % 4 >= 2, act, rng);
            byte[] expected = GraphRun.Once(graph, new InterpreterOptions { Isa = KernelIsa.Reference, FuseOperators = false }, round, out Interpreter plain);
            byte[] actual = GraphRun.Once(graph, new InterpreterOptions { Isa = isa, FuseOperators = true, Threads = 1 + round % 2 }, round, out Interpreter fused);
            byte[] fusedReference = GraphRun.Once(graph, new InterpreterOptions { Isa = KernelIsa.Reference, FuseOperators = true }, round, out Interpreter fusedRef);
            using (plain)
            using (fused)
            using (fusedRef)
            {
                Assert.Equal(2, plain.Operators.Count);
                PreparedOperator op = Assert.Single(fused.Operators);
                Assert.Equal("MUL+ADD", op.Node.DisplayName);
                Assert.Equal(ChannelTablePrepared.Name, op.KernelName);
                Assert.Equal("reference", Assert.Single(fusedRef.Operators).KernelName);
                Assert.True(expected.SequenceEqual(actual), $"round {round}: {type} {string.Join('x', shape)} {act}");
                Assert.True(expected.SequenceEqual(fusedReference), $"round {round}: fused reference differs");
            }
        }
    }

    [Fact]
    public void WhatIsNotAChannelConstantIsLeftToTheVectorKernels()
    {
        var rng = new Random(3);
        // The intermediate is a graph output: no fusion, each op takes its own table.
        ModelGraph wanted = Chain(TensorType.Int8, [1, 3, 3, 8], [8], [8], false, FusedActivation.None, rng, intermediateIsOutput: true);
        using (var i = Interpreter.Create(wanted, new InterpreterOptions { Isa = KernelIsa.Portable, FuseOperators = true }))
            Assert.Equal([ChannelTablePrepared.Name, ChannelTablePrepared.Name], i.Operators.Select(o => o.KernelName));
        // A constant that varies over W (not per channel), and a variable [C] operand, run the vector kernels.
        foreach (ModelGraph g in new[]
        {
            Single(BuiltinOperator.Add, TensorType.UInt8, [1, 3, 4, 5], [1, 1, 4, 5], false, FusedActivation.None, rng),
            Single(BuiltinOperator.Mul, TensorType.UInt8, [1, 3, 4, 5], [1, 3, 4, 5], false, FusedActivation.None, rng),
        })
        {
            using var i = Interpreter.Create(g, new InterpreterOptions { Isa = KernelIsa.Portable });
            Assert.Equal("portable", i.Operators[0].KernelName);
        }
        var h = new TestGraph();
        int x = h.Tensor("x", TensorType.Int8, [1, 2, 2, 4], Q(TensorType.Int8, 0.1f, 128));
        int v = h.Tensor("v", TensorType.Int8, [4], Q(TensorType.Int8, 0.1f, 128));
        int y = h.Tensor("y", TensorType.Int8, [1, 2, 2, 4], Q(TensorType.Int8, 0.1f, 128));
        h.Op(BuiltinOperator.Mul, [x, v], [y], new ElementwiseOptions(FusedActivation.None));
        using (var i = Interpreter.Create(h.Build([x, v], [y]), new InterpreterOptions { Isa = KernelIsa.Portable }))
            Assert.Equal("portable", i.Operators[0].KernelName);
    }
}
