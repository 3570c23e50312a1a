using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;

namespace EdgeRuntime;

/// <summary>The tools program registers every builtin operator (Program.cs of the device program registers DeepLab's).</summary>
public static partial class Program
{
    static partial void AllOperators(ref OperatorRegistry registry) => registry = BuiltinOperators.All();
}
