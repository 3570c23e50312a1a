using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Tests.Support;

/// <summary>One invoke of a test graph on seeded random input bytes, for comparing interpreter options on the same input.</summary>
internal static class GraphRun
{
    /// <summary>The output bytes; <paramref name="interpreter"/> stays open for the caller to inspect (and dispose).</summary>
    public static byte[] Once(ModelGraph graph, InterpreterOptions options, int seed, out Interpreter interpreter)
    {
        interpreter = Interpreter.Create(graph, options);
        new Random(seed).NextBytes(interpreter.InputBytes());
        interpreter.Invoke();
        return interpreter.OutputBytes().ToArray();
    }
}
