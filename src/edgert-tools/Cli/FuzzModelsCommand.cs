using System.Globalization;
using EdgeRuntime.Fuzzing;

namespace EdgeRuntime.Cli;

/// <summary>
/// Hidden verb <c>edgert fuzz-models [--cases N] [--seed S] [--start I] [--trace]</c>: runs cases I .. I+N-1 of the
/// structure-aware model fuzzer (<see cref="ModelFuzzer"/>) in this process and prints a summary. Exit 0 when every case
/// ran or was refused with a model error, 1 when a case threw anything else or allocated too much (each printed with its
/// index; rerun one with --start INDEX --cases 1). --trace prints each case index before it runs, so a crash that kills
/// the process (stack overflow, access violation) still names its case. Used by scripts/fuzz-models.sh.
/// </summary>
public static class FuzzModelsCommand
{
    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        int cases = cli.Int("cases", 5000), seed = cli.Int("seed", 1), start = cli.Int("start", 0);
        bool trace = cli.Flag("trace");
        int ran = 0, prepared = 0, refused = 0, problems = 0;
        double slowest = 0;
        long mostAllocated = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (int c = start; c < start + cases; c++)
        {
            if (trace) { Console.Out.WriteLine($"case {c}"); Console.Out.Flush(); }
            FuzzResult r = ModelFuzzer.Run(seed, c);
            slowest = Math.Max(slowest, r.Milliseconds);
            mostAllocated = Math.Max(mostAllocated, r.AllocatedBytes);
            switch (r.Outcome)
            {
                case FuzzOutcome.Ran: ran++; break;
                case FuzzOutcome.Prepared: prepared++; break;
                case FuzzOutcome.Refused: refused++; break;
                default:
                    problems++;
                    Console.Out.WriteLine($"PROBLEM seed {seed} case {c}: {r.Message}");
                    break;
            }
        }
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fuzz-models seed {seed} cases {start}..{start + cases - 1}: {ran} ran, {prepared} prepared (too large to run), {refused} refused, {problems} problems; " +
            $"slowest {slowest:F0} ms, most allocated {mostAllocated >> 20} MiB, {started.Elapsed.TotalSeconds:F1} s"));
        return problems == 0 ? 0 : 1;
    }
}
