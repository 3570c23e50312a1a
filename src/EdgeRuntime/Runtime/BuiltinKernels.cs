namespace EdgeRuntime.Runtime;

/// <summary>The list of builtin kernels, one line per operator (each lives in Ops/).</summary>
internal static class BuiltinKernels
{
    public static OperatorRegistry Register(OperatorRegistry registry) => registry;
}
