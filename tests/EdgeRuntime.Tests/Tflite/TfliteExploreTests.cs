using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;
using EdgeRuntime.Tests.Support;
using Xunit.Abstractions;

namespace EdgeRuntime.Tests.Tflite;

public class TfliteExploreTests(ITestOutputHelper output)
{
    [Fact]
    public void Dump()
    {
        foreach (var m in SharedData.RunnableModels.Append(SharedData.MediapipeSelfie))
        {
            try
            {
                var g = TfliteModelReader.Load(SharedData.Model(m));
                output.WriteLine($"{m}: {g.Tensors.Length} tensors {g.Operators.Length} ops in={g.Input()} {g.Input().Quantization} out={g.Output()} desc={g.Description}");
                output.WriteLine("  " + string.Join(", ", g.Operators.GroupBy(o => o.DisplayName + " v" + o.Version).Select(x => $"{x.Key}:{x.Count()}")));
                var opts = g.Operators.Where(o => o.Options != null).Select(o => o.Options!.ToString()).Distinct().Take(12);
                foreach (var o in opts) output.WriteLine("    " + o);
                foreach (var t in g.Tensors.Where(t => t.Quantization is { IsPerChannel: true }).Take(3)) output.WriteLine($"    pc {t} {t.Quantization}");
                var types = g.Tensors.Where(t => t.Quantization != null).GroupBy(t => t.Type).Select(x => $"{x.Key}:{x.Count()} minscale {x.Min(t => t.Quantization!.Scales.Min())}");
                output.WriteLine("    quant types " + string.Join(", ", types));
            }
            catch (Exception e) { output.WriteLine($"{m}: {e.GetType().Name} {e.Message}"); }
        }
    }
}
