using EdgeRuntime.Conformance;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Models;

/// <summary>
/// Issue 15: the Coral cityscapes model's 5x5 DEPTHWISE_CONV_2D layers run the generic KxK kernel of each fast variant
/// (not the reference fallback), and the whole model's output equals the Reference variant's byte for byte.
/// </summary>
[Collection(SerialModelCollection.Name)]
public class CityscapesDepthwiseTests(ITestOutputHelper output)
{
    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (KernelIsa isa in IsaSkip.FastVariants)
            data.Add(new TheoryDataRow<string>(KernelDispatcher.Name(isa)).WithSkip(IsaSkip.Reason(isa)));
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void FiveByFiveDepthwiseRunsKxKAndTheModelEqualsReference(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(SharedData.CoralCityscapes));
        using (var interpreter = Interpreter.Create(graph, new InterpreterOptions { Isa = isa }))
        {
            int kxk = 0;
            foreach (PreparedOperator op in interpreter.Operators)
            {
                if (op.Node.Op != BuiltinOperator.DepthwiseConv2D) continue;
                int[] f = graph.Tensors[op.Node.Inputs[1]].Shape;
                if (f[1] == 3 && f[2] == 3) continue;
                Assert.Equal("dwkxk-" + KernelDispatcher.Name(DepthwiseConv.For(isa).Isa), op.KernelName);
                kxk++;
            }
            Assert.True(kxk >= 4, $"only {kxk} non-3x3 depthwise ops");
            Assert.Empty(ModelConformance.KernelMismatches(interpreter));
        }
        foreach (ModelCheck check in ModelConformance.Check(graph, "cityscapes", isa, seed: 15, threads: [1, 2]))
        {
            output.WriteLine($"{check.Name}: {check.Failure ?? "identical"} ({check.Elapsed.TotalSeconds:F1}s)");
            Assert.True(check.Failure is null, $"{check.Name}: {check.Failure}");
        }
    }
}
