using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Models;

/// <summary>
/// The Coral models end with RESIZE_BILINEAR [1,33,33,21] -> [1,513,513,21] and ARG_MAX: fused, the class ids are the same
/// bytes as unfused (golden inputs in GoldenRawTests, random inputs here, 1 and 2 threads), and the 5.5 MB tensor is gone.
/// </summary>
public class FusionModelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(SharedData.CoralDm1, 1)]
    [InlineData(SharedData.CoralDm05, 2)]
    public void CoralClassIdsAreTheSameFusedAndUnfused(string model, int threads)
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(model));
        using var plain = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = false, Threads = threads });
        using var fused = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = true, Threads = threads });

        PreparedOperator op = Assert.Single(fused.Operators, o => o.Node.IsFused);
        Assert.Equal("RESIZE_BILINEAR+ARG_MAX", op.Node.DisplayName);
        Assert.Equal([BuiltinOperator.ResizeBilinear, BuiltinOperator.ArgMax], op.Node.FusedNodes.Select(n => n.Op));
        if (KernelDispatcher.Active != KernelIsa.Reference) Assert.NotEqual("reference", op.KernelName);
        Assert.Equal(plain.Operators.Count - 1, fused.Operators.Count);

        for (int seed = 1; seed <= 2; seed++)
        {
            var rng = new Random(seed);
            rng.NextBytes(plain.InputBytes());
            plain.InputBytes().CopyTo(fused.InputBytes());
            plain.Invoke();
            fused.Invoke();
            Assert.True(plain.OutputBytes().SequenceEqual(fused.OutputBytes()), $"seed {seed}: class ids differ");
        }

        // The upsampled logits are no longer planned: the activations' sum drops by their size (less the fused op's scratch).
        OperatorNode resize = op.Node.FusedNodes[0];
        long resized = graph.Tensors[resize.Outputs[0]].ByteSize;
        Assert.Equal(-1, fused.Layout.TensorOffsets[resize.Outputs[0]]);
        long scratch = fused.Layout.ScratchSizes.Sum() - plain.Layout.ScratchSizes.Sum();
        Assert.Equal(plain.Layout.NaiveBytes - resized + scratch, fused.Layout.NaiveBytes);
        output.WriteLine($"{model} x{threads}: arena unfused {plain.Layout.ArenaBytes:N0} B, fused {fused.Layout.ArenaBytes:N0} B; fused op {op.KernelName}, scratch {scratch:N0} B");
        Assert.True(fused.Layout.ArenaBytes <= plain.Layout.ArenaBytes);
        // dm0.5's peak is the end of the graph (logits + ids); dm1.0's is an early 257x257x96 expansion, which fusion cannot touch.
        if (model == SharedData.CoralDm05) Assert.True(fused.Layout.ArenaBytes < plain.Layout.ArenaBytes * 0.6);
    }

    /// <summary>
    /// TF Hub's int8 models: every MUL+ADD batch-norm chain is fused into a per-channel table, a depthwise before it takes
    /// the table into its row loop (DEPTHWISE_CONV_2D+MUL+ADD), and the output bytes equal the unfused interpreter's
    /// (dm0.5: the Reference kernels, unfused; dm1.0: the fast kernels, unfused; 1 and 2 threads).
    /// </summary>
    [Theory]
    [InlineData(SharedData.HubInt8Dm05, true, 1)]
    [InlineData(SharedData.HubInt8Dm05, false, 2)]
    [InlineData(SharedData.HubInt8, false, 1)]
    public void HubInt8OutputsAreTheSameWithChannelTables(string model, bool againstReference, int threads)
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(model));
        using var plain = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = false, Isa = againstReference ? KernelIsa.Reference : null, Threads = threads });
        using var fused = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = true, Threads = threads });
        var chains = fused.Operators.Where(o => o.Node.DisplayName == "MUL+ADD").ToList();
        var withDepthwise = fused.Operators.Where(o => o.Node.DisplayName == "DEPTHWISE_CONV_2D+MUL+ADD").ToList();
        Assert.NotEmpty(withDepthwise);
        Assert.All(withDepthwise, o => Assert.Equal([BuiltinOperator.DepthwiseConv2D, BuiltinOperator.Mul, BuiltinOperator.Add], o.Node.FusedNodes.Select(n => n.Op)));
        if (KernelDispatcher.Active != KernelIsa.Reference)
        {
            Assert.All(chains, o => Assert.Equal(EdgeRuntime.Ops.ChannelTablePrepared.Name, o.KernelName));
            // Every one on the fused 3x3 kernels with the table in its row loop, none on the separate pass.
            Assert.All(withDepthwise, o => Assert.Matches($"^dw3x3-[a-z0-9-]+\\+{EdgeRuntime.Ops.ChannelTablePrepared.Name}$", o.KernelName));
        }
        // Each depthwise output of a fused node is gone from the arena, as is the MUL's.
        Assert.All(withDepthwise, o => Assert.Equal(-1, fused.Layout.TensorOffsets[o.Node.FusedNodes[0].Outputs[0]]));
        for (int seed = 5; seed <= 6; seed++)
        {
            new Random(seed).NextBytes(plain.InputBytes());
            plain.InputBytes().CopyTo(fused.InputBytes());
            plain.Invoke();
            fused.Invoke();
            Assert.True(plain.OutputBytes().SequenceEqual(fused.OutputBytes()), $"seed {seed}: outputs differ");
        }
        output.WriteLine($"{model} x{threads}: {withDepthwise.Count} DEPTHWISE_CONV_2D+MUL+ADD, {chains.Count} MUL+ADD alone, {fused.Operators.Count} operators (unfused {plain.Operators.Count})");
    }
}
