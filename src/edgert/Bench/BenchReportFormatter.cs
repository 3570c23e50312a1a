using System.Globalization;
using System.Text;

namespace EdgeRuntime.Bench;

/// <summary>The human-readable `edgert bench` output.</summary>
internal static class BenchReportFormatter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Format(BenchReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"model   {r.Model} ({r.ModelFileBytes:N0} bytes)");
        sb.AppendLine(Inv, $"input   {r.Input} ({r.InputKind}; class map {r.ClassMapWidth}x{r.ClassMapHeight})");
        string load = r.Machine.LoadAverage is null ? "" : $", load average {r.Machine.LoadAverage}";
        sb.AppendLine(Inv, $"machine {r.Machine.Os}, {r.Machine.Architecture}, {r.Machine.ProcessorCount} cpus, {r.Machine.Runtime}{load}");
        sb.AppendLine(Inv, $"runs    {r.Warmup} warm-up + {r.Iterations} timed, threads requested {r.ThreadsRequested}");
        sb.AppendLine("        end to end = preprocess (decoded image -> input tensor) + inference + class map at image size");
        sb.AppendLine();

        var runtimes = new List<RuntimeResult> { r.EdgeRt };
        if (r.OnnxRuntime is not null) runtimes.Add(r.OnnxRuntime);

        sb.AppendLine("latency (ms)      threads      p50      p95      p99     mean      min      max   | pre p50  infer p50  map p50");
        foreach (RuntimeResult rt in runtimes)
        {
            LatencyStats s = rt.EndToEnd;
            sb.AppendLine(Inv, $"{rt.Name,-16} {rt.Threads,8} {s.P50Ms,8:F2} {s.P95Ms,8:F2} {s.P99Ms,8:F2} {s.MeanMs,8:F2} {s.MinMs,8:F2} {s.MaxMs,8:F2}   | {rt.Preprocess.P50Ms,7:F2} {rt.Inference.P50Ms,10:F2} {rt.ClassMap.P50Ms,8:F2}");
        }
        foreach (RuntimeResult rt in runtimes) sb.AppendLine(Inv, $"  {rt.Name}: {rt.Detail}");
        sb.AppendLine();

        sb.AppendLine(Inv, $"edgert operators (separate profiling pass, mean of {r.ProfiledInvokes} invokes; inference only)");
        sb.AppendLine(Inv, $"op                           count   total ms        %  share@4  counted@{r.EdgeRt.Threads}  kernel");
        double sum = 0;
        foreach (OperatorTime op in r.Operators)
        {
            sb.AppendLine(Inv, $"{op.Op,-28} {op.Count,5} {op.TotalMs,10:F3} {op.Percent,8:F1}  {Share(op.PlannedShare4),7}  {Share(op.CountedShare),9}  {op.Kernel}");
            sum += op.TotalMs;
        }
        sb.AppendLine(Inv, $"{"total",-28} {r.Operators.Sum(o => o.Count),5} {sum,10:F3} {100.0,8:F1}");
        if (r.Operators.Where(o => o.PlannedShare4 is not null).MaxBy(o => o.PlannedShare4) is { } worst)
            sb.AppendLine(Inv, $"  share@4: largest share of an operator's work one of 4 equal threads gets from its chunks (0.250 is perfect); worst {worst.PlannedShare4:F3} ({worst.Op}). counted@N: the largest share of chunks one thread ran here. -: serial");
        sb.AppendLine();

        sb.AppendLine("memory                    working memory      arena  packed wts  model consts  RSS growth  phase peak RSS");
        foreach (RuntimeResult rt in runtimes)
        {
            MemoryResult m = rt.Memory;
            sb.AppendLine(Inv, $"{rt.Name,-16} {Mb(m.WorkingMemoryBytes),23} {Mb(m.ArenaBytes),10} {Mb(m.PackedWeightBytes),11} {Mb(m.ModelConstantBytes),13} {Mb(m.RssGrowthBytes),11} {Mb(m.PhasePeakRssBytes),15}");
        }
        foreach (RuntimeResult rt in runtimes) sb.AppendLine(Inv, $"  {rt.Name} working memory: {rt.Memory.WorkingMemoryMethod}");
        sb.AppendLine(Inv, $"process peak RSS (VmHWM, whole run): {Mb(r.ProcessPeakRssBytes)}");
        if (r.OnnxRuntime is not null)
            sb.AppendLine(Inv, $"  (onnxruntime \"model consts\" = the exported .onnx size)");
        sb.AppendLine(Inv, $"method: {r.MemoryMethod}");

        if (r.Comparison is { } c)
        {
            sb.AppendLine();
            sb.AppendLine("edgert / onnxruntime (below 1: edgert faster or smaller)");
            sb.AppendLine(Inv, $"  latency p50 end to end   {RatioText(c.LatencyP50Ratio, "F2")}");
            sb.AppendLine(Inv, $"  latency p50 inference    {RatioText(c.InferenceP50Ratio, "F2")}");
            sb.AppendLine(Inv, $"  working memory           {RatioText(c.WorkingMemoryRatio, "F3")}   (edgert arena + packed / ORT RSS growth)");
            sb.AppendLine(Inv, $"  RSS growth, same method  {RatioText(c.RssGrowthRatio, "F3")}");
            sb.AppendLine(Inv, $"  class maps agree on      {c.ClassMapAgreement * 100:F3} % of pixels");
        }
        return sb.ToString();
    }

    private static string RatioText(double? ratio, string format) =>
        ratio is null ? "n/a (one side measured zero or less)" : ratio.Value.ToString(format, Inv);

    private static string Share(double? share) => share is null ? "-" : share.Value.ToString("F3", Inv);

    public static string Mb(long? bytes) => bytes is null ? "-" : bytes < 0 ? "n/a" : string.Create(Inv, $"{bytes.Value / (1024.0 * 1024.0):F2} MiB");
}
