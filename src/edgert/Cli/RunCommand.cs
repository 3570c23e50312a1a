using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Cli;

/// <summary>`edgert run [--source URI] [--model PATH] [--output DIR] ...`: the edge daemon (see DaemonHost for every option).</summary>
public static class RunCommand
{
    public static int Run(string[] args)
    {
        var outputs = new PngFrameOutputs();
        return DaemonHost.Run(args,
            options => DeepLabSegmenter.Load(options.ModelPath,
                new SegmenterOptions { Interpreter = new Runtime.InterpreterOptions { Threads = Math.Max(1, options.Threads) } }),
            uri => FrameSourceFactory.Create(uri),
            hooks =>
            {
                hooks.WriteOutputs = outputs.Write;
                hooks.EncodeMaskPng = outputs.EncodeMask;
            });
    }
}
