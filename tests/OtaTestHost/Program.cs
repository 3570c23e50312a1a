using System.Globalization;
using EdgeRuntime.Daemon;
using EdgeRuntime.Hosting;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.OtaTestHost;

/// <summary>`edgert-ota-testhost run --source synthetic:DELAYMS --model FACTORY.tflite ... --Ota:StateDirectory=DIR ...`</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        OperatorRegistry.Default = BuiltinOperators.DeepLab();
        return DaemonHost.Run(
            args,
            o => FaultySegmenter.Wrap(new InterpreterSegmenter(o.ModelPath)),
            uri => uri.StartsWith("synthetic:", StringComparison.Ordinal)
                ? new EndlessSyntheticSource(int.Parse(uri["synthetic:".Length..], CultureInfo.InvariantCulture))
                : throw new ArgumentException($"unsupported source {uri}"));
    }
}
