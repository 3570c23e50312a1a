using EdgeRuntime.Preprocessing;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Cli;

/// <summary>Options every command that segments images shares: --mode, --kernels, --threads.</summary>
internal static class SegmenterArgs
{
    public static SegmenterOptions Parse(CliArgs cli)
    {
        FitMode? mode = cli.Option("mode") switch
        {
            null => null,
            "pad" => FitMode.PadTopLeft,
            "resize" => FitMode.Resize,
            "letterbox" => FitMode.Letterbox,
            string other => throw new CliException($"--mode must be pad, resize or letterbox, not '{other}'"),
        };
        string? kernels = cli.Option("kernels");
        KernelIsa? isa = kernels is null ? null : KernelDispatcher.Require(KernelDispatcher.Parse(kernels));
        int threads = cli.Int("threads", 1);
        if (threads < 1) throw new CliException("--threads must be at least 1");
        return new SegmenterOptions { FitMode = mode, Interpreter = new InterpreterOptions { Isa = isa, Threads = threads } };
    }
}
