using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EdgeRuntime.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddColumn(new GmacColumn())
            .AddJob(Job.ShortRun.WithId("short"))
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}

/// <summary>Implemented by benchmark classes: multiply-accumulates of one invocation for the current parameters.</summary>
public interface IMacCount
{
    long Macs { get; }
}

/// <summary>GMAC/s = MACs of one invocation / mean time.</summary>
public sealed class GmacColumn : IColumn
{
    public string Id => "GMAC/s";
    public string ColumnName => "GMAC/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "10^9 multiply-accumulates per second (mean)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null) return "-";
        if (Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IMacCount instance) return "-"; // not a MAC benchmark
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(instance, p.Value);
        double seconds = report.ResultStatistics.Mean / 1e9;
        return (instance.Macs / seconds / 1e9).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
}
