using System.Runtime.ExceptionServices;

namespace EdgeRuntime.Runtime;

/// <summary>One parallel step of an operator, split into parts that touch disjoint outputs.</summary>
public interface IParallelJob
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>. Must not allocate.</summary>
    void Execute(int part, int parts);
}

/// <summary>
/// Intra-op threads of one interpreter: <c>threads - 1</c> dedicated background threads created once, plus the
/// calling thread. <see cref="Run"/> publishes the job under a new generation number and wakes the workers; each runs
/// its part and counts down; the caller runs part 0 and waits for the count to reach zero. Waiting spins (and yields) for
/// up to 2 ms (operators follow each other within microseconds) and then blocks on an <see cref="AutoResetEvent"/> (a kernel event:
/// no managed allocation on set or wait, unlike Monitor-based primitives). Nothing is allocated per run: no Task,
/// no ThreadPool work item. Not reentrant: one <see cref="Run"/> at a time (an interpreter runs one operator at a time).
/// </summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>
    /// How long a waiting thread spins (then yields) before it blocks: longer than the serial stretches between two
    /// parallel operators (a QUANTIZE, the input preprocessing: well under a millisecond), so the workers are awake when
    /// the next one starts. Blocking between operators cost ~1.5 ms per frame in wake-ups at 2 threads (40 spins).
    /// </summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency * 2 / 1000;

    private readonly Thread[] _threads;
    private readonly AutoResetEvent[] _wake;
    private readonly AutoResetEvent _done = new(false);
    private readonly long[] _allocated;
    private IParallelJob? _job;
    private int _parts;
    private int _generation;
    private int _remaining;
    private volatile bool _stopping;
    private Exception? _error;
    private bool _disposed;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        Threads = threads;
        _threads = new Thread[threads - 1];
        _wake = new AutoResetEvent[threads - 1];
        _allocated = new long[threads];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new AutoResetEvent(false);
            int part = i + 1;
            _threads[i] = new Thread(() => Loop(part)) { IsBackground = true, Name = $"edgert-worker-{part}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run parts, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Managed bytes the worker threads have allocated so far (diagnostics: must not grow per run).</summary>
    public long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < _allocated.Length; i++) sum += Volatile.Read(ref _allocated[i]);
            return sum;
        }
    }

    /// <summary>
    /// Runs parts 0..parts-1 of <paramref name="job"/> (parts at most <see cref="Threads"/>) and returns when all are done.
    /// The first exception of any part is rethrown here.
    /// </summary>
    public void Run(IParallelJob job, int parts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (parts > Threads) throw new ArgumentOutOfRangeException(nameof(parts), parts, $"at most {Threads} parts");
        if (parts <= 1)
        {
            if (parts == 1) job.Execute(0, 1);
            return;
        }
        _job = job;
        _parts = parts;
        _error = null;
        Volatile.Write(ref _remaining, parts - 1);
        Interlocked.Increment(ref _generation); // full fence: the fields above are visible before the new generation
        for (int i = 0; i < parts - 1; i++) _wake[i].Set();
        try
        {
            job.Execute(0, parts);
        }
        finally
        {
            var spin = new SpinWait();
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref _remaining) != 0)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() < until) spin.SpinOnce(sleep1Threshold: -1);
                else _done.WaitOne();
            }
            _job = null;
        }
        if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
    }

    private void Loop(int part)
    {
        AutoResetEvent wake = _wake[part - 1];
        int seen = 0;
        while (true)
        {
            var spin = new SpinWait();
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            int generation;
            while ((generation = Volatile.Read(ref _generation)) == seen && !_stopping)
            {
                // A Set that arrived while spinning stays latched: the next WaitOne returns at once and the loop re-checks.
                if (System.Diagnostics.Stopwatch.GetTimestamp() < until) spin.SpinOnce(sleep1Threshold: -1);
                else wake.WaitOne();
            }
            if (_stopping) return;
            seen = generation;
            if (part < _parts)
            {
                try
                {
                    _job!.Execute(part, _parts);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
                Volatile.Write(ref _allocated[part], GC.GetAllocatedBytesForCurrentThread());
                if (Interlocked.Decrement(ref _remaining) == 0) _done.Set();
            }
        }
    }

    /// <summary>Stops and joins the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping = true;
        foreach (var e in _wake) e.Set();
        foreach (var t in _threads) t.Join();
        foreach (var e in _wake) e.Dispose();
        _done.Dispose();
    }

    /// <summary>Splits [0, total) into <paramref name="parts"/> contiguous ranges aligned to <paramref name="align"/>; returns part <paramref name="part"/>.</summary>
    public static (int Start, int Count) Split(int total, int part, int parts, int align = 1)
    {
        if (parts <= 1) return (0, total);
        int units = (total + align - 1) / align;
        int per = units / parts, extra = units % parts;
        int startUnit = part * per + Math.Min(part, extra);
        int countUnits = per + (part < extra ? 1 : 0);
        int start = Math.Min(total, startUnit * align);
        int end = Math.Min(total, (startUnit + countUnits) * align);
        return (start, end - start);
    }
}
