namespace EdgeRuntime.Cli;

/// <summary>`edgert eval MODEL DATASET`.</summary>
public static class EvalCommand
{
    public static int Run(string[] args) => throw new CliException("eval: not wired yet");
}
