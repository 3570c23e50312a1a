namespace EdgeRuntime.Cli;

/// <summary>The `edgert` verbs. Each verb lives in its own file in this folder.</summary>
public static class CommandLine
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("usage: edgert <inspect|infer|eval> ...");
        return 2;
    }
}
