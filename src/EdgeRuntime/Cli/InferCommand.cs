namespace EdgeRuntime.Cli;

/// <summary>`edgert infer MODEL IMAGE --out mask.png [--overlay overlay.png]`.</summary>
public static class InferCommand
{
    public static int Run(string[] args) => throw new CliException("infer: not wired yet");
}
