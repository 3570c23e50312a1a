using System.Runtime.CompilerServices;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Tests.Support;

/// <summary>
/// The test assembly is a program of its own: like edgert-tools it registers every builtin operator before any test
/// creates an interpreter (OperatorRegistryTests check the device's smaller set and the error for a missing one).
/// </summary>
internal static class TestOperators
{
#pragma warning disable CA2255 // a test assembly is the application here: no test may run before the registry is set
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterAll() => OperatorRegistry.Default = BuiltinOperators.All();
}
