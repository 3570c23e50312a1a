using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;

namespace EdgeRuntime;

public static partial class Program
{
    public static int Main(string[] args)
    {
        OperatorRegistry registry = BuiltinOperators.DeepLab();
        AllOperators(ref registry);
        OperatorRegistry.Default = registry;
        return Cli.CommandLine.Run(args);
    }

    /// <summary>edgert-tools registers every operator (its tools fuzz and quantize any model); the device only DeepLab's.</summary>
    static partial void AllOperators(ref OperatorRegistry registry);
}
