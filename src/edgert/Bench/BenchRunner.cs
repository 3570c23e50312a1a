using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Bench;

/// <summary>What `edgert bench` runs.</summary>
public sealed record BenchSettings
{
    public required string ModelPath { get; init; }
    public required string InputPath { get; init; }
    public int Warmup { get; init; } = 3;
    public int Iterations { get; init; } = 20;
    public int Threads { get; init; } = 1;
    public bool CompareOnnxRuntime { get; init; }
    /// <summary>Invokes of the separate per-operator profiling pass; 0 = min(iterations, 10).</summary>
    public int ProfileInvokes { get; init; }
}

/// <summary>
/// The benchmark: edgert's interpreter and (optionally) ONNX Runtime on the same model and the same input in one
/// process, one after the other. Each is timed end to end as a user sees it per frame: preprocessing of the decoded
/// image into the input tensor, inference, and the class map at the image's size (Coral models: the model's own
/// ARG_MAX, cropped; logits models: <see cref="LogitsArgMax"/>). JPEG decoding is done once, outside the timing
/// (a camera delivers decoded frames).
/// </summary>
internal static partial class BenchRunner
{
    /// <summary>True in edgert-tools, which links ONNX Runtime; false in the device program.</summary>
    public static bool SupportsOnnxRuntime
    {
        get
        {
            bool linked = false;
            OnnxRuntimeLinked(ref linked);
            return linked;
        }
    }

    static partial void OnnxRuntimeLinked(ref bool linked);

    /// <summary>Measures ONNX Runtime on the same input as <paramref name="ours"/> (edgert-tools only).</summary>
    static partial void CompareOnnxRuntime(BenchSettings settings, ModelGraph graph, SegmentationModel model, BenchInput input,
        RuntimeResult ours, byte[] oursMap, TextWriter? log, ref long processPeak, ref RuntimeResult? ort, ref Comparison? comparison);

    public const string MemoryMethod =
        "edgert working memory = planned arena + repacked weights (exact, from the plan). " +
        "ORT working memory = resident-set growth (VmRSS) over session creation + first run, after a full GC, with " +
        "libonnxruntime and OrtEnv loaded before the baseline; it includes ORT's own copy of the weights, prepacked " +
        "weights, its arenas, thread pool and code pages first touched. edgert's RSS growth is measured the same " +
        "way (its constants are read in place from the model file loaded before the baseline). Phase peaks are VmHWM " +
        "reset through /proc/self/clear_refs before each runtime; the process peak is the maximum over all phases.";

    /// <summary>
    /// The ONE place the benchmark configures the interpreter's threads. The interpreter on this branch runs on one
    /// thread; once InterpreterOptions.Threads exists, set <c>Threads = threads</c> here and return <c>threads</c>.
    /// </summary>
    internal static (InterpreterOptions Options, int ThreadsUsed) InterpreterOptionsFor(int threads, bool profile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        return (new InterpreterOptions { ProfileOperators = profile, Threads = threads }, threads);
    }

    internal static void Release(Interpreter? interpreter) => interpreter?.Dispose();

    public static BenchReport Run(BenchSettings settings, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Warmup);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Iterations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Threads);

        ModelGraph graph = Tflite.TfliteModelReader.Load(settings.ModelPath);
        var model = SegmentationModel.Describe(graph);
        var input = BenchInput.Load(settings.InputPath, model);
        long constantBytes = 0;
        foreach (TensorInfo t in graph.Tensors) constantBytes += t.ConstantData.Length;
        long processPeak = 0;

        // ---- edgert, timed (profiling off)
        log?.WriteLine($"edgert: {settings.Warmup} warm-up + {settings.Iterations} timed runs");
        byte[] oursMap = new byte[input.MapWidth * input.MapHeight];
        ProcessMemory.Settle();
        processPeak = Math.Max(processPeak, ProcessMemory.PeakRssBytes());
        bool reset = ProcessMemory.TryResetPeak();
        long rss0 = ProcessMemory.CurrentRssBytes();
        var (options, oursThreads) = InterpreterOptionsFor(settings.Threads, profile: false);
        Interpreter? interpreter = Interpreter.Create(graph, options);
        var decoder = new ClassMapDecoder(model);
        Interpreter it = interpreter;
        Stages oursStages = Stages.Measure(settings.Warmup, settings.Iterations,
            () => input.Fill(it.InputBytes()),
            it.Invoke,
            region => decoder.Decode(it.OutputBytes(), region, input.MapHeight, input.MapWidth, oursMap),
            out long oursRssAfterFirst);
        long oursPhasePeak = ProcessMemory.PeakRssBytes();
        processPeak = Math.Max(processPeak, oursPhasePeak);
        var oursMemory = new MemoryResult
        {
            WorkingMemoryBytes = it.Layout.ArenaBytes + it.PackedWeightBytes,
            WorkingMemoryMethod = "arena + packed weights (exact)",
            ArenaBytes = it.Layout.ArenaBytes,
            PackedWeightBytes = it.PackedWeightBytes,
            ModelConstantBytes = constantBytes,
            RssGrowthBytes = oursRssAfterFirst - rss0,
            PhasePeakRssBytes = oursPhasePeak,
            PeakWasReset = reset,
        };
        var ours = new RuntimeResult
        {
            Name = "edgert",
            Detail = $"kernels {it.Isa}",
            Threads = oursThreads,
            EndToEnd = oursStages.EndToEnd,
            Preprocess = oursStages.Preprocess,
            Inference = oursStages.Inference,
            ClassMap = oursStages.ClassMap,
            Memory = oursMemory,
            ClassHistogram = Histogram(oursMap),
        };
        Release(interpreter);
        interpreter = null;
        it = null!;

        // ---- edgert, per-operator profile (a separate interpreter with profiling on)
        int profileInvokes = settings.ProfileInvokes > 0 ? settings.ProfileInvokes : Math.Min(settings.Iterations, 10);
        log?.WriteLine($"edgert: per-operator profile over {profileInvokes} invokes");
        IReadOnlyList<OperatorTime> operators = ProfileOperators(graph, input, settings.Threads, profileInvokes);

        // ---- ONNX Runtime (edgert-tools only: Bench/BenchRunner.OnnxRuntime.cs)
        RuntimeResult? ort = null;
        Comparison? comparison = null;
        if (settings.CompareOnnxRuntime)
        {
            if (!SupportsOnnxRuntime)
                throw new NotSupportedException("this program has no ONNX Runtime: bench --compare onnxruntime is an edgert-tools verb");
            CompareOnnxRuntime(settings, graph, model, input, ours, oursMap, log, ref processPeak, ref ort, ref comparison);
        }
        processPeak = Math.Max(processPeak, ProcessMemory.PeakRssBytes());

        return new BenchReport
        {
            Model = settings.ModelPath,
            ModelFileBytes = new FileInfo(settings.ModelPath).Length,
            Input = settings.InputPath,
            InputKind = input.IsRawTensor ? "raw input tensor" : "image",
            ClassMapWidth = input.MapWidth,
            ClassMapHeight = input.MapHeight,
            Warmup = settings.Warmup,
            Iterations = settings.Iterations,
            ThreadsRequested = settings.Threads,
            Machine = Machine(),
            EdgeRt = ours,
            OnnxRuntime = ort,
            Operators = operators,
            ProfiledInvokes = profileInvokes,
            Comparison = comparison,
            ProcessPeakRssBytes = processPeak,
            MemoryMethod = MemoryMethod,
        };
    }

    /// <summary>a / b when both are positive measurements; null otherwise (see <see cref="Comparison"/>).</summary>
    internal static double? Ratio(double a, double b) => a > 0 && b > 0 && double.IsFinite(a / b) ? a / b : null;

    private static IReadOnlyList<OperatorTime> ProfileOperators(ModelGraph graph, BenchInput input, int threads, int invokes)
    {
        var (options, _) = InterpreterOptionsFor(threads, profile: true);
        Interpreter interpreter = Interpreter.Create(graph, options);
        try
        {
            input.Fill(interpreter.InputBytes());
            interpreter.Invoke();
            interpreter.ResetProfile();
            for (int i = 0; i < invokes; i++) interpreter.Invoke();

            var rows = new Dictionary<(string Op, string Kernel), (int Count, long Ticks, double? Planned, double? Counted)>();
            ReadOnlySpan<long> ticks = interpreter.OperatorTicks;
            long total = 0;
            for (int i = 0; i < interpreter.Operators.Count; i++)
            {
                PreparedOperator op = interpreter.Operators[i];
                var key = (op.Node.DisplayName, op.KernelName);
                rows.TryGetValue(key, out var acc);
                double? planned = op.Parallelism.IsParallel ? op.Parallelism.PlannedMaxShare(4) : null;
                double? counted = CountedShare(interpreter.OperatorChunksByThread(i));
                rows[key] = (acc.Count + 1, acc.Ticks + ticks[i], Worst(acc.Planned, planned), Worst(acc.Counted, counted));
                total += ticks[i];
            }
            double msPerTick = 1000.0 / Stopwatch.Frequency / invokes;
            return rows
                .Select(r => new OperatorTime(r.Key.Op, r.Key.Kernel, r.Value.Count, r.Value.Ticks * msPerTick,
                    total > 0 ? 100.0 * r.Value.Ticks / total : 0, r.Value.Planned, r.Value.Counted))
                .OrderByDescending(r => r.TotalMs)
                .ToList();
        }
        finally
        {
            Release(interpreter);
        }
    }

    private static double? Worst(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>The largest share of an operator's chunks one thread ran (null when it ran serially).</summary>
    private static double? CountedShare(ReadOnlySpan<long> chunksByThread)
    {
        long sum = 0, max = 0;
        foreach (long c in chunksByThread)
        {
            sum += c;
            max = Math.Max(max, c);
        }
        return sum == 0 ? null : (double)max / sum;
    }

    internal static long[] Histogram(ReadOnlySpan<byte> map)
    {
        var counts = new long[256];
        foreach (byte b in map) counts[b]++;
        int last = 255;
        while (last > 0 && counts[last] == 0) last--;
        return counts[..(last + 1)];
    }

    private static MachineInfo Machine()
    {
        string? load = null;
        try
        {
            if (File.Exists("/proc/loadavg")) load = string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
        }
        return new MachineInfo(RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount, RuntimeInformation.FrameworkDescription + (RuntimeFeature() ? " (NativeAOT)" : " (JIT)"), load);
    }

    private static bool RuntimeFeature() => !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>Per-iteration stage timings of one runtime.</summary>
    internal sealed record Stages(LatencyStats EndToEnd, LatencyStats Preprocess, LatencyStats Inference, LatencyStats ClassMap)
    {
        /// <summary>
        /// First run (its RSS is returned: the runtime is fully sized after it), warm-up runs, then timed runs. Each
        /// run: preprocess -> infer -> class map, timed per stage with Stopwatch timestamps.
        /// </summary>
        public static Stages Measure(int warmup, int iterations, Func<ImageRegion> preprocess, Action infer,
            Action<ImageRegion> classMap, out long rssAfterFirstRun)
        {
            classMap(Once(preprocess, infer));
            rssAfterFirstRun = ProcessMemory.CurrentRssBytes();
            for (int i = 0; i < warmup; i++) classMap(Once(preprocess, infer));

            double[] e2e = new double[iterations], pre = new double[iterations], inf = new double[iterations], post = new double[iterations];
            double tickMs = 1000.0 / Stopwatch.Frequency;
            for (int i = 0; i < iterations; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                ImageRegion region = preprocess();
                long t1 = Stopwatch.GetTimestamp();
                infer();
                long t2 = Stopwatch.GetTimestamp();
                classMap(region);
                long t3 = Stopwatch.GetTimestamp();
                pre[i] = (t1 - t0) * tickMs;
                inf[i] = (t2 - t1) * tickMs;
                post[i] = (t3 - t2) * tickMs;
                e2e[i] = (t3 - t0) * tickMs;
            }
            return new Stages(LatencyStats.From(e2e), LatencyStats.From(pre), LatencyStats.From(inf), LatencyStats.From(post));
        }

        private static ImageRegion Once(Func<ImageRegion> preprocess, Action infer)
        {
            ImageRegion r = preprocess();
            infer();
            return r;
        }
    }
}
