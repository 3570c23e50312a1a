using EdgeRuntime.Kernels;
using EdgeRuntime.Conformance;

namespace EdgeRuntime.Cli;

/// <summary>
/// Hidden verb <c>edgert selftest kernels [--expect VARIANT] [--seed N] [--cases N] [--model PATH]... [--threads 1,2]</c>:
/// the random bit-exactness suite of every kernel variant this CPU supports against Reference (convolution kernels, then
/// the non-convolution kernels of <see cref="SimdOpsConformance"/> with a quarter of the cases), a check that the
/// dispatcher picked the expected variant (so a silent fallback on a device fails), and for each --model a whole-model
/// run with Reference and with the active variant on a deterministic input: all output bytes must be equal and every
/// quantized conv/depthwise must run an active-variant kernel. Exit 0 only when everything holds.
/// </summary>
public static class SelfTestCommand
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] != "kernels")
        {
            Console.Error.WriteLine("usage: edgert selftest kernels [--expect reference|portable|avx2|advsimd|advsimd-dot] [--seed N] [--cases N] [--model PATH]... [--threads 1,2]");
            return 2;
        }
        string? expect = null;
        int seed = 1234, cases = 100;
        var models = new List<string>();
        var threads = new List<int> { 1, 2 };
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
                    case "--model": models.Add(Value()); break;
                    case "--threads":
                        threads = Value().Split(',').Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                        if (threads.Count == 0 || threads.Any(t => t < 1)) throw new ArgumentException("--threads needs positive counts");
                        break;
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
            Console.WriteLine($"  {KernelDispatcher.Name(r.Isa),-12} {r.Passed} passed, {r.Failed} failed (gemm, arm gemm paths, depthwise, fused depthwise, requantize, float conv, float depthwise x {cases} cases, seed {seed})");
            foreach (var f in r.Failures) Console.WriteLine($"    FAIL {f}");
            passedTotal += r.Passed;
            failedTotal += r.Failed;
        }
        Console.WriteLine($"variants checked: {string.Join(", ", variants.Select(KernelDispatcher.Name))} in {sw.Elapsed.TotalSeconds:F1}s");

        // The non-convolution kernels (ADD/MUL, pooling, resize, ARG_MAX, fused RESIZE_BILINEAR+ARG_MAX, QUANTIZE, requantize);
        // a quarter of the cases: each family's case is larger (and the fused resize adds two 513x513 DeepLab cases).
        int opsCases = Math.Max(10, cases / 4);
        foreach (var isa in variants)
        {
            var sw3 = System.Diagnostics.Stopwatch.StartNew();
            var failures = SimdOpsConformance.RunAll(isa, seed, opsCases).ToList();
            Console.WriteLine($"  {KernelDispatcher.Name(isa),-12} simd ops: {(failures.Count == 0 ? "ok" : $"{failures.Count} failed")} (add, mul, pooling, resize, argmax, resize+argmax, quantize, requantize x {opsCases} cases) in {sw3.Elapsed.TotalSeconds:F1}s");
            foreach (var f in failures.Take(5)) Console.WriteLine($"    FAIL {f}");
            if (failures.Count == 0) passedTotal++;
            else failedTotal += failures.Count;
        }

        foreach (string model in models)
        {
            IReadOnlyList<ModelCheck> checks;
            try
            {
                var graph = Tflite.TfliteModelReader.Load(model);
                KernelIsa isa = active ?? KernelIsa.Reference;
                var list = ModelConformance.Check(graph, Path.GetFileName(model), isa, seed, threads).ToList();
                int most = threads.Max();
                var sw2 = System.Diagnostics.Stopwatch.StartNew();
                var (caller, workers, process) = ModelConformance.AllocationPerInvoke(graph, isa, most, seed);
                list.Add(new ModelCheck($"{Path.GetFileName(model)}: {KernelDispatcher.Name(isa)} x{most} allocates per invoke: caller {caller} B, workers {workers} B, process {process} B",
                    (caller | workers | process) == 0 ? null : "Invoke allocated managed memory", sw2.Elapsed));
                checks = list;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Graph.ModelFormatException or Graph.UnsupportedOperatorException)
            {
                checks = [new ModelCheck(model, $"{e.GetType().Name}: {e.Message}", TimeSpan.Zero)];
            }
            foreach (var c in checks)
            {
                if (c.Failure is null)
                {
                    Console.WriteLine($"  model {c.Name}: ok in {c.Elapsed.TotalSeconds:F1}s");
                    passedTotal++;
                }
                else
                {
                    Console.WriteLine($"  model {c.Name}: FAILED: {c.Failure}");
                    failedTotal++;
                }
            }
        }
        Console.WriteLine($"{passedTotal} passed, {failedTotal} failed");
        return failedTotal == 0 ? 0 : 1;
    }
}
