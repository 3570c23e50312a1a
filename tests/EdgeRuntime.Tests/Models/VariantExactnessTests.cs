using System.Collections.Concurrent;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Models;

/// <summary>Serial collection: the allocation test counts bytes allocated by every thread of the process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialModelCollection
{
    public const string Name = "serial whole-model";
}

/// <summary>
/// Whole-model bit-exactness of every kernel variant this CPU runs (fused) against Isa=Reference (unfused), with 1 and 2
/// and more intra-op threads (up to 4x this box's cores); the variant each conv/depthwise actually runs; no allocation per
/// Invoke with worker threads.
/// </summary>
[Collection(SerialModelCollection.Name)]
public class VariantExactnessTests(ITestOutputHelper output)
{
    private const string CoralGoldenInput = "deeplabv3_mnv2_dm05_pascal_quant/2007_000033.input.bin";
    private static readonly ConcurrentDictionary<string, ModelGraph> Graphs = new();
    private static readonly ConcurrentDictionary<string, byte[][]> ReferenceOutputs = new();

    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string model in new[] { SharedData.CoralDm05, SharedData.HubInt8Dm05 })
            foreach (KernelIsa isa in IsaSkip.FastVariants)
                foreach (int threads in new[] { 1, 2, 3, 4, 8 })
                    data.Add(new TheoryDataRow<string, string, int>(model, KernelDispatcher.Name(isa), threads).WithSkip(IsaSkip.Reason(isa)));
        return data;
    }

    private static ModelGraph Graph(string model) => Graphs.GetOrAdd(model, m => TfliteModelReader.Load(SharedData.Model(m)));

    /// <summary>Coral: the golden raw input TFLite was fed. Hub int8: float input uniform in [-1, 1], seed 7.</summary>
    internal static void FillInput(Interpreter interpreter, string model)
    {
        if (model == SharedData.CoralDm05)
        {
            byte[] raw = File.ReadAllBytes(SharedData.Path("golden", "raw", CoralGoldenInput));
            raw.CopyTo(interpreter.InputBytes());
            return;
        }
        var rng = new Random(7);
        Span<float> input = interpreter.Input<float>();
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
    }

    private static byte[][] Run(string model, KernelIsa isa, int threads, bool fuse = true)
    {
        using var interpreter = Interpreter.Create(Graph(model), new InterpreterOptions { Isa = isa, Threads = threads, FuseOperators = fuse });
        FillInput(interpreter, model);
        interpreter.Invoke();
        return Enumerable.Range(0, interpreter.Graph.Outputs.Length).Select(i => interpreter.OutputBytes(i).ToArray()).ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryVariantEqualsReferenceByteForByte(string model, string variant, int threads)
    {
        // The reference runs the model's own nodes (no fusion); every variant runs fused, as it does by default.
        byte[][] expected = ReferenceOutputs.GetOrAdd(model, m => Run(m, KernelIsa.Reference, 1, fuse: false));
        byte[][] actual = Run(model, KernelDispatcher.Parse(variant), threads);
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Length, actual[o].Length);
            int mismatches = 0, first = -1;
            for (int i = 0; i < expected[o].Length; i++)
                if (expected[o][i] != actual[o][i]) { mismatches++; if (first < 0) first = i; }
            output.WriteLine($"{model} {variant} x{threads} output {o}: {mismatches} of {expected[o].Length} bytes differ");
            Assert.True(mismatches == 0, $"output {o}: {mismatches} bytes differ from reference, first at {first}");
        }
    }

    public static TheoryData<string, string> KernelNameCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in new[] { SharedData.CoralDm05, SharedData.HubInt8Dm05 })
            foreach (KernelIsa isa in KernelDispatcher.AllVariants)
                data.Add(new TheoryDataRow<string, string>(model, KernelDispatcher.Name(isa)).WithSkip(IsaSkip.Reason(isa)));
        return data;
    }

    [Theory]
    [MemberData(nameof(KernelNameCases))]
    public void EveryConvAndDepthwiseRunsTheRequestedVariant(string model, string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        using var interpreter = Interpreter.Create(Graph(model), new InterpreterOptions { Isa = isa });
        // The GEMM micro-kernel may carry an ISA extension suffix (gemm-avx2-vnni on AVX-VNNI CPUs).
        string gemm = isa == KernelIsa.Reference ? "" : QuantizedGemm.For(isa).KernelName;
        if (isa == KernelIsa.Avx2) Assert.Equal(KernelDispatcher.Vnni ? "gemm-avx2-vnni" : "gemm-avx2", gemm);
        int convs = 0;
        foreach (PreparedOperator op in interpreter.Operators)
        {
            // A depthwise fused with the batch-norm table after it (DEPTHWISE_CONV_2D+MUL+ADD) counts as a depthwise; its
            // kernel name carries the table's.
            bool withTable = op.Node.IsFused && op.Node.FusedNodes[0].Op == BuiltinOperator.DepthwiseConv2D;
            OperatorNode dwNode = withTable ? op.Node.FusedNodes[0] : op.Node;
            BuiltinOperator kind = withTable ? BuiltinOperator.DepthwiseConv2D : op.Node.Op;
            if (kind is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D)) continue;
            convs++;
            string expected = isa == KernelIsa.Reference ? "reference"
                : kind == BuiltinOperator.DepthwiseConv2D ? DepthwiseConv.For(isa).KernelName(Graph(model).Tensors[dwNode.Inputs[1]].Shape[1], Graph(model).Tensors[dwNode.Inputs[1]].Shape[2])
                : Graph(model).Tensors[op.Node.Inputs[1]].Shape is [_, 1, 1, _] && op.Node.Options is Conv2DOptions { StrideH: 1, StrideW: 1 } ? gemm
                : "im2col-" + gemm;
            if (withTable) expected += isa == KernelIsa.Reference ? "+reference" : "+" + EdgeRuntime.Ops.ChannelTablePrepared.Name;
            Assert.True(expected == op.KernelName, $"{op.Node}: runs {op.KernelName}, expected {expected}");
            if (isa != KernelIsa.Reference) Assert.True(op.PackedWeightBytes > 0, $"{op.Node}: no packed weights");
        }
        Assert.True(convs >= 50, $"only {convs} conv/depthwise ops");
        output.WriteLine($"{model} {variant}: {convs} conv/depthwise ops, packed weights {interpreter.PackedWeightBytes:N0} bytes");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void InvokeAllocatesNothingWithWorkerThreads(int threads)
    {
        var (caller, workers, process) = EdgeRuntime.Conformance.ModelConformance.AllocationPerInvoke(
            Graph(SharedData.CoralDm05), KernelDispatcher.Active, threads, seed: 3);
        output.WriteLine($"x{threads} per invoke: caller {caller} B, workers {workers} B, whole test process {process} B");
        Assert.Equal(0, caller);
        Assert.Equal(0, workers);
        // GC.GetTotalAllocatedBytes(precise) counts the test runner's own threads too (a few KB per 100 ms even when idle),
        // so the whole-process figure is asserted in a fresh edgert process below.
    }

    [Fact]
    public void SelfTestWholeModelPassesAndInvokeAllocatesNothingInAFreshProcess()
    {
        string edgert = DeviceProgram.Dll();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { edgert, "selftest", "kernels", "--cases", "1", "--threads", "1,2", "--model", SharedData.Model(SharedData.CoralDm05) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("allocates per invoke: caller 0 B, workers 0 B, process 0 B: ok", stdout);
        Assert.Contains("x1 vs reference", stdout);
        Assert.Contains("x2 vs reference", stdout);
        Assert.Contains(" 0 failed", stdout);
    }

    [Fact]
    public void SelfTestChecksAWholeModel()
    {
        // The passing run is InvokeAllocatesNothingInAFreshProcess (its allocation check needs a process of its own).
        string model = SharedData.Model(SharedData.CoralDm05);
        Assert.Equal(1, EdgeRuntime.Cli.SelfTestCommand.Run(["kernels", "--cases", "2", "--model", model + ".missing"]));
    }

    [Fact]
    public void DisposeStopsTheWorkers()
    {
        var interpreter = Interpreter.Create(Graph(SharedData.CoralDm05), new InterpreterOptions { Threads = 2, Isa = KernelDispatcher.Detect() });
        Assert.Equal(2, interpreter.Threads);
        interpreter.Dispose();
        interpreter.Dispose(); // idempotent
        if (KernelDispatcher.Detect() != KernelIsa.Reference)
            Assert.Throws<ObjectDisposedException>(() => interpreter.Invoke());
    }
}
