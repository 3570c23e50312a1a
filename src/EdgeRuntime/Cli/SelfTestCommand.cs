using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Conformance;

namespace EdgeRuntime.Cli;

/// <summary>
/// Hidden verb <c>edgert selftest kernels [--expect VARIANT] [--seed N] [--cases N]</c>: the random bit-exactness
/// suite of every kernel variant this CPU supports against Reference, and a check that the dispatcher picked
/// the expected variant (so a silent fallback on a device fails). Exit 0 only when everything holds.
/// </summary>
public static class SelfTestCommand
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] != "kernels")
        {
            Console.Error.WriteLine("usage: edgert selftest kernels [--expect reference|portable|avx2|advsimd|advsimd-dot] [--seed N] [--cases N]");
            return 2;
        }
        string? expect = null;
        int seed = 1234, cases = 100;
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--expect": expect = Value(); break;
                    case "--seed": seed = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--cases": cases = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"selftest: {e.Message}");
                return 2;
            }
        }

        Console.WriteLine($"cpu: {KernelDispatcher.DescribeCpu()}");
        int failedTotal = 0, passedTotal = 0;
        KernelIsa? active = null;
        try
        {
            active = KernelDispatcher.Active;
            Console.WriteLine($"dispatcher: active={KernelDispatcher.Name(active.Value)} detected={KernelDispatcher.Name(KernelDispatcher.Detect())}");
        }
        catch (Exception e) when (e is PlatformNotSupportedException or ArgumentException)
        {
            Console.WriteLine($"dispatcher: FAILED: {e.Message}");
            failedTotal++;
        }
        if (expect is not null)
        {
            KernelIsa want;
            try { want = KernelDispatcher.Parse(expect); }
            catch (ArgumentException e) { Console.Error.WriteLine($"selftest: {e.Message}"); return 2; }
            if (active == want)
            {
                Console.WriteLine($"expect {KernelDispatcher.Name(want)}: ok");
                passedTotal++;
            }
            else
            {
                Console.WriteLine($"expect {KernelDispatcher.Name(want)}: FAILED (active is {(active is null ? "none" : KernelDispatcher.Name(active.Value))})");
                failedTotal++;
            }
        }

        var variants = KernelDispatcher.Supported().Where(v => v != KernelIsa.Reference).ToList();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        foreach (var r in KernelConformance.Run(variants, seed, cases))
        {
            Console.WriteLine($"  {KernelDispatcher.Name(r.Isa),-12} {r.Passed} passed, {r.Failed} failed (gemm, depthwise, requantize x {cases} cases, seed {seed})");
            foreach (var f in r.Failures) Console.WriteLine($"    FAIL {f}");
            passedTotal += r.Passed;
            failedTotal += r.Failed;
        }
        Console.WriteLine($"variants checked: {string.Join(", ", variants.Select(KernelDispatcher.Name))} in {sw.Elapsed.TotalSeconds:F1}s");
        Console.WriteLine($"{passedTotal} passed, {failedTotal} failed");
        return failedTotal == 0 ? 0 : 1;
    }
}
