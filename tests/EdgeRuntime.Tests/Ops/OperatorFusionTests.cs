using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Onnx;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Ops;

/// <summary>
/// The RESIZE_BILINEAR -> ARG_MAX fusion on small graphs: fused and unfused interpreters give the same bytes for every
/// kernel variant and thread count, the resized tensor leaves the arena, and the pass leaves alone what it must not fuse.
/// </summary>
public class OperatorFusionTests
{
    private const string Fused = "RESIZE_BILINEAR+ARG_MAX";

    /// <summary>input [n,h,w,c] -> RESIZE_BILINEAR [n,oh,ow,c] -> ARG_MAX(axis) -> ids; returns the graph and the resized tensor.</summary>
    private static (ModelGraph Graph, int Resized) ResizeArgMax(TensorType type, int[] inShape, int oh, int ow, bool align, bool halfPixel,
        TensorType ids = TensorType.Int64, int axis = 3, bool resizedIsOutput = false, bool secondReader = false)
    {
        var g = new TestGraph();
        int x = g.Tensor("x", type, inShape, QuantizationInfo.PerTensor(0.1f, type == TensorType.Int8 ? -3 : 40));
        int size = g.I32Const("size", [2], [oh, ow]);
        int[] outShape = [inShape[0], oh, ow, inShape[3]];
        int resized = g.Tensor("resized", type, outShape, type == TensorType.Float32 ? null : QuantizationInfo.PerTensor(0.1f, type == TensorType.Int8 ? -3 : 40));
        g.Op(BuiltinOperator.ResizeBilinear, [x, size], [resized], new ResizeBilinearOptions(align, halfPixel));
        int axisT = g.I32Const("axis", [1], [axis]);
        int a = axis < 0 ? axis + 4 : axis;
        int[] idShape = [.. outShape[..a], .. outShape[(a + 1)..]];
        int y = g.Tensor("ids", ids, idShape);
        g.Op(BuiltinOperator.ArgMax, [resized, axisT], [y], new ArgMaxOptions(ids));
        int[] outputs = [y];
        if (secondReader)
        {
            int y2 = g.Tensor("ids2", ids, idShape);
            g.Op(BuiltinOperator.ArgMax, [resized, axisT], [y2], new ArgMaxOptions(ids));
            outputs = [y, y2];
        }
        if (resizedIsOutput) outputs = [.. outputs, resized];
        return (g.Build([x], outputs), resized);
    }

    private static byte[] Run(ModelGraph graph, byte[] input, InterpreterOptions options, out Interpreter interpreter)
    {
        interpreter = Interpreter.Create(graph, options);
        input.CopyTo(interpreter.InputBytes());
        interpreter.Invoke();
        return interpreter.OutputBytes().ToArray();
    }

    public static TheoryData<string, TensorType, int, int, int, string> Cases()
    {
        var data = new TheoryData<string, TensorType, int, int, int, string>();
        string[] modes = ["align_corners", "half_pixel", "none"];
        int k = 0;
        foreach (KernelIsa isa in KernelDispatcher.AllVariants)
            foreach (TensorType type in new[] { TensorType.UInt8, TensorType.Int8 })
                foreach (int depth in new[] { 3, 8, 16, 21, 32, 33 })
                {
                    data.Add(new TheoryDataRow<string, TensorType, int, int, int, string>(
                        KernelDispatcher.Name(isa), type, depth, 1 + k % 2, k % 3 == 0 ? 4 : 2, modes[k % 3]).WithSkip(IsaSkip.Reason(isa)));
                    k++;
                }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void FusedEqualsUnfusedByteForByte(string variant, TensorType type, int depth, int threads, int levels, string mode)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var (graph, resized) = ResizeArgMax(type, [2, 5, 7, depth], 37, 29, mode == "align_corners", mode == "half_pixel",
            depth % 2 == 0 ? TensorType.Int64 : TensorType.Int32);
        var rng = new Random(depth * 31 + levels);
        byte[] input = new byte[graph.Input().ByteSize];
        // Few distinct codes: many equal interpolated values, where the first channel must win.
        for (int i = 0; i < input.Length; i++) input[i] = (byte)(type == TensorType.UInt8 ? 100 + rng.Next(levels) : (sbyte)(-60 + rng.Next(levels)));

        byte[] expected = Run(graph, input, new InterpreterOptions { Isa = KernelIsa.Reference, FuseOperators = false }, out Interpreter plain);
        byte[] actual = Run(graph, input, new InterpreterOptions { Isa = isa, Threads = threads, FuseOperators = true }, out Interpreter fused);
        using (plain)
        using (fused)
        {
            Assert.Equal(expected, actual);
            PreparedOperator op = Assert.Single(fused.Operators);
            Assert.Equal(Fused, op.Node.DisplayName);
            Assert.True(op.Node.IsFused);
            string expectedKernel = isa == KernelIsa.Reference ? "reference" : KernelDispatcher.Name(KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: false));
            Assert.Equal(expectedKernel, op.KernelName);
            Assert.Equal(-1, fused.Layout.TensorOffsets[resized]);
            Assert.True(fused.Layout.ArenaBytes < plain.Layout.ArenaBytes, $"arena fused {fused.Layout.ArenaBytes} vs unfused {plain.Layout.ArenaBytes}");
            Assert.Throws<InvalidOperationException>(() => fused.TensorBytes(resized));
            Assert.Equal(2, plain.Operators.Count);
        }
    }

    [Fact]
    public void InvokeOfTheFusedOperatorAllocatesNothing()
    {
        var (graph, _) = ResizeArgMax(TensorType.UInt8, [1, 9, 9, 21], 129, 129, true, false);
        // Nothing per frame: any allocation per invoke is at least one 24-byte object, so 20 invokes would allocate at
        // least 480 bytes. A one-time runtime allocation that lands inside the window (seen once in ~6 runs under a loaded
        // box, 136 bytes on the calling thread, not reproducible without load) stays below that.
        const int Invokes = 20, MinObjectBytes = 24;
        foreach (int threads in new[] { 1, 2 })
        {
            using var interpreter = Interpreter.Create(graph, new InterpreterOptions { Threads = threads, FuseOperators = true });
            new Random(1).NextBytes(interpreter.InputBytes());
            for (int i = 0; i < 3; i++) interpreter.Invoke();
            long before = GC.GetAllocatedBytesForCurrentThread(), workers = interpreter.WorkerAllocatedBytes;
            for (int i = 0; i < Invokes; i++) interpreter.Invoke();
            long caller = GC.GetAllocatedBytesForCurrentThread() - before, pool = interpreter.WorkerAllocatedBytes - workers;
            Assert.True(caller < Invokes * MinObjectBytes, $"{threads} thread(s): the caller allocated {caller} bytes in {Invokes} invokes");
            Assert.True(pool < Invokes * MinObjectBytes, $"{threads} thread(s): the workers allocated {pool} bytes in {Invokes} invokes");
        }
    }

    [Fact]
    public void WhatMustNotBeFusedIsNot()
    {
        static bool IsFused(ModelGraph g, InterpreterOptions? o = null)
        {
            using var i = Interpreter.Create(g, o ?? new InterpreterOptions { FuseOperators = true });
            return i.Operators.Any(op => op.Node.IsFused);
        }
        Assert.True(IsFused(ResizeArgMax(TensorType.UInt8, [1, 3, 3, 5], 6, 6, true, false).Graph));
        Assert.True(IsFused(ResizeArgMax(TensorType.Int8, [1, 3, 3, 5], 6, 6, false, false, axis: -1).Graph));
        // The resized tensor is wanted: a graph output, or read by a second node.
        Assert.False(IsFused(ResizeArgMax(TensorType.UInt8, [1, 3, 3, 5], 6, 6, true, false, resizedIsOutput: true).Graph));
        Assert.False(IsFused(ResizeArgMax(TensorType.UInt8, [1, 3, 3, 5], 6, 6, true, false, secondReader: true).Graph));
        // Not the channel axis; not a quantized resize.
        Assert.False(IsFused(ResizeArgMax(TensorType.UInt8, [1, 3, 3, 5], 6, 6, true, false, axis: 1).Graph));
        Assert.False(IsFused(ResizeArgMax(TensorType.Float32, [1, 3, 3, 5], 6, 6, true, false).Graph));
        // Turned off, or every tensor must survive, or the registry has no fused kernel.
        ModelGraph graph = ResizeArgMax(TensorType.UInt8, [1, 3, 3, 5], 6, 6, true, false).Graph;
        Assert.False(IsFused(graph, new InterpreterOptions { FuseOperators = false }));
        Assert.False(IsFused(graph, new InterpreterOptions { PreserveAllTensors = true, FuseOperators = true }));
        var registry = new OperatorRegistry().Add(new EdgeRuntime.Ops.ResizeBilinearOperator()).Add(new EdgeRuntime.Ops.ArgMaxOperator());
        Assert.False(IsFused(graph, new InterpreterOptions { Registry = registry, FuseOperators = true }));
    }

    [Fact]
    public void TheModelGraphIsLeftAsItWas()
    {
        var (graph, resized) = ResizeArgMax(TensorType.UInt8, [1, 3, 3, 5], 6, 6, true, false);
        OperatorNode[] before = [.. graph.Operators];
        byte[] onnx = EdgeRuntime.Onnx.OnnxExporter.Export(graph);
        using var interpreter = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = true });
        Assert.Equal(before, graph.Operators);
        Assert.Equal(onnx, EdgeRuntime.Onnx.OnnxExporter.Export(graph));
        // The interpreter's own graph is the one that runs: one fused node naming the nodes it replaces.
        OperatorNode node = Assert.Single(interpreter.Graph.Operators);
        Assert.Equal(before, node.FusedNodes);
        Assert.Equal(graph.Tensors, interpreter.Graph.Tensors);
        Assert.DoesNotContain(resized, node.Inputs);
        // It is not a model: exporting it fails by name rather than writing something else.
        var e = Assert.Throws<UnsupportedOperatorException>(() => EdgeRuntime.Onnx.OnnxExporter.Export(interpreter.Graph));
        Assert.Contains(Fused, e.Message);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("1", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    [InlineData(" False ", false)]
    [InlineData("no", false)]
    public void EnvironmentVariableTurnsFusionOff(string? value, bool enabled) =>
        Assert.Equal(enabled, OperatorFusion.EnabledByEnvironment(value));

    [Fact]
    public void InputBytesAreNotRewrittenByTheFusedOperator()
    {
        var (graph, _) = ResizeArgMax(TensorType.Int8, [1, 4, 6, 9], 17, 23, false, true, TensorType.Int32);
        using var interpreter = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = true });
        new Random(5).NextBytes(interpreter.InputBytes());
        byte[] input = interpreter.InputBytes().ToArray();
        interpreter.Invoke();
        Assert.Equal(input, interpreter.InputBytes().ToArray());
        Assert.All(MemoryMarshal.Cast<byte, int>(interpreter.OutputBytes()).ToArray(), id => Assert.InRange(id, 0, 8));
    }
}
