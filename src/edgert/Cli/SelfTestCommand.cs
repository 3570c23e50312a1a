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
    /// <summary>`edgert selftest ARGS...` through the whole grammar (tests call this).</summary>
    public static int Run(string[] args) => CommandLine.Run(["selftest", .. args]);

    /// <summary>
    /// `selftest thermal`: exit 1 when this build cannot make and read Iot.Device.Bindings' temperature value (see
    /// <see cref="Automation.Thermal.IotCpuTemperatureSource.CheckConversion"/>); the sensor itself may be absent (a VM).
    /// </summary>
    public static int RunThermal(CliArgs cli)
    {
        string? failure = Automation.Thermal.IotCpuTemperatureSource.CheckConversion();
        Console.WriteLine(failure is null ? "thermal: binding value conversion ok" : $"thermal: binding value conversion FAILED: {failure}");
        using var sensor = new Automation.Thermal.IotCpuTemperatureSource();
        double? c = sensor.ReadCelsius();
        Console.WriteLine(c is null ? "thermal: sensor not available" : $"thermal: sensor {c.Value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} °C");
        return failure is null ? 0 : 1;
    }

    /// <summary>`selftest kernels` from the declared grammar (CommandLine.cs).</summary>
    public static int RunKernels(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        string? threadText = cli.Option("threads");
        List<int> threads = [1, 2];
        if (threadText is not null)
        {
            threads = [];
            foreach (string t in threadText.Split(','))
            {
                if (!int.TryParse(t, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1)
                    throw new CliException($"--threads expects positive counts like 1,2, got '{threadText}'");
                threads.Add(n);
            }
        }
        string? models = cli.Option("model");
        return Run(cli.Option("expect"), cli.Int("seed", 1234), cli.Int("cases", 100),
            models is null ? [] : [.. models.Split(',')], threads);
    }

    private static int Run(string? expect, int seed, int cases, List<string> models, List<int> threads)
    {
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
            Console.WriteLine($"  {KernelDispatcher.Name(r.Isa),-12} {r.Passed} passed, {r.Failed} failed (gemm, arm gemm paths, depthwise, fused depthwise, kxk depthwise, requantize, float conv, float depthwise, float dw 3x3 segments, float conv 6-pixel tiles x {cases} cases, seed {seed})");
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
            var failures = SimdOpsConformance.RunAll(isa, seed, opsCases).Concat(Segmentation.ClassMapConformance.Run(isa, seed, opsCases)).ToList();
            Console.WriteLine($"  {KernelDispatcher.Name(isa),-12} simd ops: {(failures.Count == 0 ? "ok" : $"{failures.Count} failed")} (add, mul, float add/mul, pooling, resize, argmax, resize+argmax, quantize, requantize, float input, class map x {opsCases} cases) in {sw3.Elapsed.TotalSeconds:F1}s");
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
