namespace EdgeRuntime;

public static class Program
{
    public static int Main(string[] args)
    {
        // TEMPORARY (simd branch): the hidden kernel self-test until CommandLine dispatches it.
        if (args is ["selftest", ..]) return Cli.SelfTestCommand.Run(args[1..]);
        return Cli.CommandLine.Run(args);
    }
}
