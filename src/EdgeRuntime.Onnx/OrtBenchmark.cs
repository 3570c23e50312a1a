using System.Diagnostics;

namespace EdgeRuntime.Onnx;

/// <summary>What one ONNX Runtime benchmark measured.</summary>
/// <param name="LatenciesMs">Wall time of each timed run (warm-up runs excluded), in milliseconds.</param>
/// <param name="PeakWorkingSetBytes">Peak resident set of the process over session creation, warm-up and the timed runs.</param>
/// <param name="RssBeforeSessionBytes">Resident set just before the session was created (after a full GC).</param>
/// <param name="RssAfterFirstRunBytes">Resident set after session creation and the first run.</param>
/// <param name="PeakWasReset">True when the kernel's peak counter was reset before the session (Linux), so the peak belongs to this measurement.</param>
public sealed record OrtBenchmarkResult(
    double[] LatenciesMs,
    long PeakWorkingSetBytes,
    long RssBeforeSessionBytes,
    long RssAfterFirstRunBytes,
    bool PeakWasReset)
{
    /// <summary>ORT's working memory: session (weights, prepacked kernels, arena) plus what the first run allocated.</summary>
    public long OrtWorkingMemoryBytes => RssAfterFirstRunBytes - RssBeforeSessionBytes;

    /// <summary>Peak over the whole measurement above the pre-session baseline.</summary>
    public long OrtPeakDeltaBytes => PeakWorkingSetBytes - RssBeforeSessionBytes;
}

/// <summary>
/// The ONNX Runtime side of `edgert bench --compare onnxruntime`.
/// <para>
/// Memory method: ORT allocates natively (its arena, prepacked weights, thread pool), so the managed heap says
/// nothing; we read the process resident set instead. (1) Full GC, then RSS = baseline. On Linux, first write "5"
/// to /proc/self/clear_refs, which resets the kernel's peak-RSS counter (VmHWM) to the current RSS, so the peak
/// that follows belongs to this measurement alone. (2) Create the session and run once: RSS - baseline is ORT's
/// working memory (model + optimized graph + prepacked weights + arena after the first run sized it). (3) The
/// warm-up and timed runs follow; VmHWM (Process.PeakWorkingSet64) afterwards is the peak, including transient
/// buffers that session creation freed again (e.g. the protobuf copy of the model). For a clean number run the
/// benchmark in a fresh process, one runtime per process, the same way for edgert's interpreter; where the peak
/// cannot be reset (not Linux), the peak is the process lifetime's and only the RSS delta is meaningful.
/// </para>
/// </summary>
public static class OrtBenchmark
{
    /// <summary>Latency per run and the process peak working set; see <see cref="Measure"/> for the full breakdown.</summary>
    public static (double[] LatenciesMs, long PeakWorkingSetBytes) Run(byte[] onnxModel, ReadOnlyMemory<byte> input, int warmup, int iterations, int threads)
    {
        OrtBenchmarkResult r = Measure(onnxModel, input, warmup, iterations, threads);
        return (r.LatenciesMs, r.PeakWorkingSetBytes);
    }

    public static OrtBenchmarkResult Measure(byte[] onnxModel, ReadOnlyMemory<byte> input, int warmup, int iterations, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        bool reset = TryResetPeakRss();
        long before = CurrentRss();

        using var session = new OnnxRuntimeSession(onnxModel, new OnnxRuntimeSessionSettings { Threads = threads });
        session.Run(input.Span);
        long afterFirst = CurrentRss();

        for (int i = 0; i < warmup; i++) session.Run();

        double[] latencies = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            session.Run();
            latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        long peak = PeakRss();
        return new OrtBenchmarkResult(latencies, Math.Max(peak, afterFirst), before, afterFirst, reset);
    }

    /// <summary>Linux: "5" in /proc/self/clear_refs resets VmHWM (peak RSS) to the current RSS.</summary>
    private static bool TryResetPeakRss()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long CurrentRss()
    {
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    private static long PeakRss()
    {
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }
}
