using EdgeRuntime.Graph;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Ops;

/// <summary>The op resolver: the device's registry runs every model that runs, and a missing operator fails at load by name.</summary>
public class OperatorRegistryTests
{
    public static TheoryData<string> Models() => new(SharedData.RunnableModels);

    [Theory]
    [MemberData(nameof(Models))]
    public void TheDeviceRegistryLoadsEveryRunnableModel(string model)
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(model));
        using Interpreter interpreter = Interpreter.Create(graph, new InterpreterOptions { Registry = BuiltinOperators.DeepLab() });
        Assert.NotEmpty(interpreter.Operators);
    }

    [Fact]
    public void TheDeviceRegistryLeavesOutWhatNoModelUses()
    {
        var device = BuiltinOperators.DeepLab().SupportedOperators.ToHashSet();
        var all = BuiltinOperators.All().SupportedOperators.ToHashSet();
        Assert.True(device.IsProperSubsetOf(all));
        Assert.DoesNotContain(BuiltinOperator.Reshape, device);
    }

    [Fact]
    public void AnUnregisteredOperatorFailsAtLoadNamingIt()
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(SharedData.CoralDm05));
        var noConv = new OperatorRegistry().AddDepthwiseConv2D().AddAveragePool2D().AddAdd().AddResizeBilinear()
            .AddConcatenation().AddArgMax().AddQuantize().AddResizeBilinearArgMaxFusion();
        var e = Assert.Throws<UnsupportedOperatorException>(() => Interpreter.Create(graph, new InterpreterOptions { Registry = noConv }));
        Assert.Contains("CONV_2D", e.Message);
        Assert.Contains("not registered", e.Message);
    }
}
