using System.Diagnostics;
using EdgeRuntime.Fuzzing;
using EdgeRuntime.Graph;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>
/// The structure-aware model fuzzer in CI (issue 11, item 6): 5,000 generated models over every registered operator, each
/// run or refused with a model error under a 256 MiB budget. scripts/fuzz-models.sh runs the same generator for 200,000+.
/// </summary>
public class ModelFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 5000;

    [Fact]
    public async Task GeneratedModelsRunOrAreRefusedWithModelErrors()
    {
        var watch = Stopwatch.StartNew();
        var results = await Task.Run(() => Enumerable.Range(0, Cases).Select(i => ModelFuzzer.Run(seed: 11, i)).ToList()).WaitAsync(TimeSpan.FromMinutes(5));
        var problems = results.Where(r => r.Outcome == FuzzOutcome.Problem).ToList();
        int ran = results.Count(r => r.Outcome == FuzzOutcome.Ran), refused = results.Count(r => r.Outcome == FuzzOutcome.Refused);
        output.WriteLine($"{Cases} cases: {ran} ran, {results.Count(r => r.Outcome == FuzzOutcome.Prepared)} prepared, {refused} refused, {problems.Count} problems, " +
                         $"slowest {results.Max(r => r.Milliseconds):F0} ms, most allocated {results.Max(r => r.AllocatedBytes) >> 20} MiB, {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var m in results.Where(r => r.Outcome == FuzzOutcome.Refused).GroupBy(r => Shorten(r.Message)).OrderByDescending(g => g.Count()).Take(30))
            output.WriteLine($"  {m.Count(),5} {m.Key}");
        foreach (var p in problems.GroupBy(p => p.Message.Split('\n')[0].Split(" in ")[0]).Select(g => g.First()))
            output.WriteLine($"PROBLEM case {p.Case}: {p.Message}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(5).Select(p => $"case {p.Case}: {p.Message}")));
        // Both outcomes are common: the generator reaches the kernels and the mutations reach the checks.
        Assert.True(ran > Cases / 10, $"only {ran} ran");
        Assert.True(refused > Cases / 3, $"only {refused} refused");
    }

    private static string Shorten(string message)
    {
        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        string s = colon > 0 && colon < 60 ? message[(colon + 2)..] : message;
        return new string(s.Select(c => char.IsDigit(c) ? '#' : c).ToArray())[..Math.Min(s.Length, 100)];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4999)]
    public void CasesAreDeterministic(int index)
    {
        byte[] a = ModelFuzzer.Generate(11, index, out string da), b = ModelFuzzer.Generate(11, index, out string db);
        Assert.Equal(a, b);
        Assert.Equal(da, db);
    }

    /// <summary>The pre-Prepare bound of each operator's allocations holds for what the real models' operators report.</summary>
    [Theory]
    [InlineData(SharedData.CoralDm1)]
    [InlineData(SharedData.HubInt8)]
    [InlineData(SharedData.HubDynamic)]
    [InlineData(SharedData.Float257)]
    [InlineData(SharedData.CoralCityscapes)]
    public void PrepareCostBoundsThePackedBytesOfRealModels(string model)
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(model));
        using var interpreter = Interpreter.Create(graph);
        long bound = 0, packed = 0;
        foreach (PreparedOperator op in interpreter.Operators)
        {
            long b = PrepareCost.Bytes(op.Node, interpreter.Graph);
            Assert.True(op.PackedWeightBytes <= b, $"{op.Node}: packed {op.PackedWeightBytes} > bound {b}");
            bound += b;
            packed += op.PackedWeightBytes;
        }
        output.WriteLine($"{model}: packed {packed >> 10} KiB, bound {bound >> 10} KiB, arena {interpreter.Layout.ArenaBytes >> 10} KiB");
        Assert.True(bound < InterpreterOptions.DefaultMemoryBudgetBytes / 4);
    }
}
