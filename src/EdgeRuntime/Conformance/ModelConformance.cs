using System.Diagnostics;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Runtime;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Conformance;

/// <summary>One whole-model check: what ran, and null or the first difference.</summary>
internal sealed record ModelCheck(string Name, string? Failure, TimeSpan Elapsed);

/// <summary>
/// Whole-model bit-exactness: a real model run with <see cref="KernelIsa.Reference"/> (unfused) and with a fast variant
/// (fused, as deployed) on the same deterministic input must give identical bytes in every output; and every quantized
/// CONV_2D / DEPTHWISE_CONV_2D must run a kernel of that variant (a silent fallback to the reference kernel fails).
/// </summary>
internal static class ModelConformance
{
    /// <summary>Deterministic input: float tensors uniform in [-1, 1], integer tensors random bytes, from <paramref name="seed"/>.</summary>
    public static void FillInputs(Interpreter interpreter, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < interpreter.Graph.Inputs.Length; i++)
        {
            TensorInfo t = interpreter.Graph.Tensors[interpreter.Graph.Inputs[i]];
            if (t.Type == TensorType.Float32)
            {
                Span<float> f = interpreter.Input<float>(i);
                for (int j = 0; j < f.Length; j++) f[j] = (float)(rng.NextDouble() * 2 - 1);
            }
            else
            {
                rng.NextBytes(interpreter.InputBytes(i));
            }
        }
    }

    /// <summary>The kernel name a conv/depthwise op must report under <paramref name="isa"/>, or null for other ops and non-quantized convs.</summary>
    public static string? ExpectedKernel(ModelGraph graph, OperatorNode node, KernelIsa isa)
    {
        if (node.Op is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D)) return null;
        TensorInfo input = graph.Tensors[node.Inputs[0]], filter = graph.Tensors[node.Inputs[1]];
        if (!input.Type.IsQuantized8() || !filter.IsConstant) return null;
        if (isa == KernelIsa.Reference) return "reference";
        if (node.Op == BuiltinOperator.DepthwiseConv2D)
        {
            bool supported = filter.Shape is [1, var kh, var kw, var c] && c == input.Shape[3] && DepthwiseConv.SupportsKernel(kh, kw);
            return supported ? DepthwiseConv.For(isa).KernelName(filter.Shape[1], filter.Shape[2]) : "reference";
        }
        bool pointwise = filter.Shape is [_, 1, 1, _] && node.Options is Conv2DOptions { StrideH: 1, StrideW: 1 };
        return (pointwise ? "" : "im2col-") + QuantizedGemm.For(isa).KernelName;
    }

    /// <summary>Every conv/depthwise op whose kernel is not the one <see cref="ExpectedKernel"/> names.</summary>
    public static IReadOnlyList<string> KernelMismatches(Interpreter interpreter)
    {
        var list = new List<string>();
        foreach (PreparedOperator op in interpreter.Operators)
        {
            string? expected = ExpectedKernel(interpreter.Graph, op.Node, interpreter.Isa);
            if (expected is not null && expected != op.KernelName)
                list.Add($"{op.Node}: runs {op.KernelName}, expected {expected}");
        }
        return list;
    }

    /// <summary>Runs <paramref name="graph"/> once with Reference (1 thread), then once per entry of <paramref name="threads"/> with <paramref name="isa"/>.</summary>
    public static IReadOnlyList<ModelCheck> Check(ModelGraph graph, string modelName, KernelIsa isa, int seed, IReadOnlyList<int> threads)
    {
        var checks = new List<ModelCheck>();
        var sw = Stopwatch.StartNew();
        // The reference runs the model's own nodes; the variant runs as deployed, fused operators included.
        byte[][] expected = Run(graph, KernelIsa.Reference, 1, seed, out _, fuse: false);
        TimeSpan referenceTime = sw.Elapsed;
        foreach (int t in threads)
        {
            sw.Restart();
            string? failure;
            try
            {
                byte[][] actual = Run(graph, isa, t, seed, out IReadOnlyList<string> mismatches);
                failure = mismatches.Count > 0 ? $"{mismatches.Count} conv/depthwise ops fell back: {mismatches[0]}" : Compare(expected, actual);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = $"{e.GetType().Name}: {e.Message}";
            }
            checks.Add(new ModelCheck($"{modelName}: {KernelDispatcher.Name(isa)} x{t} vs reference (reference {referenceTime.TotalSeconds:F1}s)", failure, sw.Elapsed));
        }
        return checks;
    }

    /// <summary>
    /// Bytes allocated per <see cref="Interpreter.Invoke"/> after warm-up with <paramref name="isa"/> and <paramref name="threads"/>:
    /// by the calling thread, by the worker threads, and by the whole process (GC.GetTotalAllocatedBytes(precise));
    /// the smallest of a few rounds (other threads of a host process may allocate now and then).
    /// </summary>
    public static (long Caller, long Workers, long Process) AllocationPerInvoke(ModelGraph graph, KernelIsa isa, int threads, int seed)
    {
        using var interpreter = Interpreter.Create(graph, new InterpreterOptions { Isa = isa, Threads = threads });
        FillInputs(interpreter, seed);
        for (int i = 0; i < 6; i++) interpreter.Invoke();
        long caller = long.MaxValue, workers = long.MaxValue, process = long.MaxValue;
        for (int round = 0; round < 4 && (caller | workers | process) != 0; round++)
        {
            long p0 = GC.GetTotalAllocatedBytes(precise: true), c0 = GC.GetAllocatedBytesForCurrentThread(), w0 = interpreter.WorkerAllocatedBytes;
            interpreter.Invoke();
            interpreter.Invoke();
            caller = Math.Min(caller, (GC.GetAllocatedBytesForCurrentThread() - c0) / 2);
            workers = Math.Min(workers, (interpreter.WorkerAllocatedBytes - w0) / 2);
            process = Math.Min(process, (GC.GetTotalAllocatedBytes(precise: true) - p0) / 2);
        }
        return (caller, workers, process);
    }

    private static byte[][] Run(ModelGraph graph, KernelIsa isa, int threads, int seed, out IReadOnlyList<string> kernelMismatches, bool fuse = true)
    {
        using var interpreter = Interpreter.Create(graph, new InterpreterOptions { Isa = isa, Threads = threads, FuseOperators = fuse });
        kernelMismatches = KernelMismatches(interpreter);
        FillInputs(interpreter, seed);
        interpreter.Invoke();
        var outputs = new byte[graph.Outputs.Length][];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = interpreter.OutputBytes(i).ToArray();
        return outputs;
    }

    private static string? Compare(byte[][] expected, byte[][] actual)
    {
        for (int o = 0; o < expected.Length; o++)
        {
            if (expected[o].Length != actual[o].Length) return $"output {o}: {actual[o].Length} bytes, reference {expected[o].Length}";
            int mismatches = 0, first = -1;
            for (int i = 0; i < expected[o].Length; i++)
                if (expected[o][i] != actual[o][i]) { mismatches++; if (first < 0) first = i; }
            if (mismatches > 0)
                return $"output {o}: {mismatches} of {expected[o].Length} bytes differ, first at {first} (reference {expected[o][first]}, got {actual[o][first]})";
        }
        return null;
    }
}
