using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeRuntime.Bench;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Cli;

/// <summary>
/// <c>edgert opmarkers MODEL [--frames N] [--threads N] [--input IMAGE|RAW.bin] [--table FILE] [--times FILE]</c>
/// (no --input: a fixed synthetic input tensor): a run for the ARM cycle model (scripts/arm-model.sh, tools/arm-model).
/// It writes a table of the operators (kind, kernel, MACs, bytes read and written per frame, chunks and the planned
/// largest per-thread share of the work at --threads), then runs N frames
/// (input preprocessing + every operator, as Interpreter.Invoke does) and issues a marker system call (an unassigned
/// syscall number, so the kernel only answers ENOSYS) before the input, before each operator and after the last one.
/// A TCG plugin under qemu-user sees the markers and attributes the instructions executed in between to that operator.
/// With --times it also writes each operator's measured time (the native side of the model's x64 check). Outputs are
/// not checked here.
/// </summary>
public static partial class OpMarkersCommand
{
    /// <summary>Marker syscall number; far above every Linux syscall number (x64 and arm64 are below 1000).</summary>
    public const long MarkerSyscall = 0x4544;

    /// <summary>First argument of every marker ("EDGE").</summary>
    public const long MarkerMagic = 0x45444745;

    /// <summary>Marker kinds (second argument); the third is the frame, the fourth the operator index.</summary>
    public const long KindInput = 1, KindOperator = 2, KindFrameEnd = 3, KindDone = 4;

    public static int Run(string[] args) => Run(new CliArgs(args, new HashSet<string>()));

    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        string model = cli.Required(0, "MODEL");
        int frames = cli.Int("frames", 3);
        int threads = cli.Int("threads", 1);
        string? input = cli.Option("input");
        string? table = cli.Option("table");
        string? times = cli.Option("times");
        cli.RejectUnknown();
        if (frames < 1) throw new CliException("--frames must be at least 1");
        if (threads < 1) throw new CliException("--threads must be at least 1");

        ModelGraph graph = Tflite.TfliteModelReader.Load(model);
        // Without --input: a fixed synthetic tensor (no JPEG library needed, e.g. under qemu with an arm64 sysroot).
        BenchInput? benchInput = input is null ? null : BenchInput.Load(input, SegmentationModel.Describe(graph));
        using Interpreter interpreter = Interpreter.Create(graph, new InterpreterOptions { Threads = threads });

        using (TextWriter w = table is null ? new StringWriter() : new StreamWriter(table))
        {
            WriteTable(interpreter, w);
            if (table is null) Console.Out.Write(w.ToString());
        }

        IReadOnlyList<PreparedOperator> ops = interpreter.Operators;
        long[] offsets = interpreter.Layout.ScratchOffsets;
        long[] sizes = interpreter.Layout.ScratchSizes;
        var ticks = new long[frames, ops.Count];
        var cpuNs = new long[frames, ops.Count];
        bool cpuClock = times is not null && OperatingSystem.IsLinux();
        for (int f = 0; f < frames; f++)
        {
            Marker(KindInput, f, -1);
            if (benchInput is not null) benchInput.Fill(interpreter.InputBytes());
            else Synthetic(interpreter.InputBytes());
            for (int i = 0; i < ops.Count; i++)
            {
                Span<byte> scratch = sizes[i] > 0 ? interpreter.Memory.Scratch(offsets[i], sizes[i]) : default;
                Marker(KindOperator, f, i);
                long c0 = cpuClock ? ThreadCpuNs() : 0;
                long t0 = Stopwatch.GetTimestamp();
                ops[i].Invoke(interpreter.Memory, scratch);
                ticks[f, i] = Stopwatch.GetTimestamp() - t0;
                if (cpuClock) cpuNs[f, i] = ThreadCpuNs() - c0;
            }
            Marker(KindFrameEnd, f, -1);
        }
        if (times is not null) WriteTimes(times, ticks, cpuClock ? cpuNs : null);
        Marker(KindDone, frames, -1);
        Console.Error.WriteLine($"opmarkers: {frames} frames, {ops.Count} operators, kernels {interpreter.Isa}, {interpreter.Threads} thread(s)");
        return 0;
    }

    /// <summary>
    /// One line per operator: index, name, kernel, MACs, activation bytes read, weight bytes read (packed if the
    /// kernel repacked them, else the model's constants), bytes written, chunks, planned
    /// largest share per thread (1 = serial). Tab separated, with a header line.
    /// </summary>
    internal static void WriteTable(Interpreter interpreter, TextWriter w)
    {
        ModelGraph g = interpreter.Graph;
        w.WriteLine("op\tname\tkernel\tmacs\tact_in_bytes\tweight_bytes\tout_bytes\tchunks\tshare");
        for (int i = 0; i < interpreter.Operators.Count; i++)
        {
            PreparedOperator op = interpreter.Operators[i];
            OperatorNode node = op.Node;
            long macs = 0;
            if (node.IsFused) foreach (OperatorNode n in node.FusedNodes) macs += Macs(g, n);
            else macs = Macs(g, node);
            long actIn = 0, constIn = 0, outBytes = 0;
            foreach (int t in node.Inputs)
            {
                if (t < 0) continue;
                if (g.Tensors[t].IsConstant) constIn += g.Tensors[t].ByteSize;
                else actIn += g.Tensors[t].ByteSize;
            }
            foreach (int t in node.Outputs) if (t >= 0) outBytes += g.Tensors[t].ByteSize;
            long weights = op.PackedWeightBytes > 0 ? op.PackedWeightBytes : constIn;
            w.WriteLine(string.Join('\t', i.ToString(CultureInfo.InvariantCulture), node.DisplayName, op.KernelName,
                macs.ToString(CultureInfo.InvariantCulture), actIn.ToString(CultureInfo.InvariantCulture),
                weights.ToString(CultureInfo.InvariantCulture), outBytes.ToString(CultureInfo.InvariantCulture),
                op.Parallelism.Chunks.ToString(CultureInfo.InvariantCulture), Share(op, interpreter.Threads).ToString("F4", CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>
    /// The largest share of the operator's work one of the interpreter's threads gets when all are equally fast (1 when it
    /// runs serially): what the cycle model multiplies an operator's work by to estimate its time on that many cores.
    /// </summary>
    private static double Share(PreparedOperator op, int threads) =>
        op.Parallelism.IsParallel && threads > 1 ? op.Parallelism.PlannedMaxShare(threads) : 1.0;

    /// <summary>
    /// Measured time per operator over the frames after the first (native runs: the x64 check of the cycle model):
    /// op, minimum and median wall ms, minimum and median ms of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID: time
    /// the thread spent descheduled on a loaded machine does not count); the last line "frame" has the same of the
    /// frames' operator sums.
    /// </summary>
    private static void WriteTimes(string path, long[,] ticks, long[,]? cpuNs)
    {
        int frames = ticks.GetLength(0), ops = ticks.GetLength(1);
        int first = frames > 1 ? 1 : 0;
        double ms = 1000.0 / Stopwatch.Frequency;
        using var w = new StreamWriter(path);
        w.WriteLine("op\tmin_ms\tmedian_ms\tcpu_min_ms\tcpu_median_ms");
        List<double> Column(int i, bool cpu)
        {
            var v = new List<double>();
            for (int f = first; f < frames; f++)
            {
                if (i >= 0) v.Add(cpu ? cpuNs![f, i] * 1e-6 : ticks[f, i] * ms);
                else
                {
                    double sum = 0;
                    for (int k = 0; k < ops; k++) sum += cpu ? cpuNs![f, k] * 1e-6 : ticks[f, k] * ms;
                    v.Add(sum);
                }
            }
            return v;
        }
        for (int n = 0; n <= ops; n++)
        {
            int i = n < ops ? n : -1;
            List<double> wall = Column(i, false);
            List<double>? cpu = cpuNs is null ? null : Column(i, true);
            string name = i < 0 ? "frame" : i.ToString(CultureInfo.InvariantCulture);
            w.WriteLine(FormattableString.Invariant(
                $"{name}\t{wall.Min():F4}\t{Median(wall):F4}\t{(cpu is null ? double.NaN : cpu.Min()):F4}\t{(cpu is null ? double.NaN : Median(cpu)):F4}"));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static long ThreadCpuNs()
    {
        const int ClockThreadCpuTimeId = 3;
        return ClockGetTime(ClockThreadCpuTimeId, out TimeSpec t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static double Median(List<double> v)
    {
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    /// <summary>Multiply-accumulates of one model node (same rule as <see cref="Compare.MacCounter"/>).</summary>
    internal static long Macs(ModelGraph g, OperatorNode n)
    {
        long Out() => g.Tensors[n.Outputs[0]].ElementCount;
        int[] Filter() => g.Tensors[n.Inputs[1]].Shape;
        return n.Op switch
        {
            BuiltinOperator.Conv2D => Out() * Filter()[1] * Filter()[2] * Filter()[3],
            BuiltinOperator.DepthwiseConv2D => Out() * Filter()[1] * Filter()[2],
            BuiltinOperator.FullyConnected => Out() * Filter()[^1],
            _ => 0,
        };
    }

    /// <summary>A deterministic smooth pattern with some texture (every byte value occurs).</summary>
    private static void Synthetic(Span<byte> tensor)
    {
        for (int i = 0; i < tensor.Length; i++) tensor[i] = (byte)((i * 7 / 3) ^ (i >> 9));
    }

    private static void Marker(long kind, long frame, long op)
    {
        if (OperatingSystem.IsLinux()) Syscall(MarkerSyscall, MarkerMagic, kind, frame, op);
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4);
}
