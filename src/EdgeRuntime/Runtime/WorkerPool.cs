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
/// calling thread. <see cref="Run"/> hands every worker its part through a per-worker event, runs part 0 itself
/// and waits on a countdown. Nothing is allocated per run (no Task, no ThreadPool work item).
/// Not reentrant: one <see cref="Run"/> at a time (an interpreter invokes one operator at a time).
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _start;
    private readonly CountdownEvent _done;
    private IParallelJob? _job;
    private int _parts;
    private volatile bool _stopping;
    private Exception? _error;
    private bool _disposed;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        Threads = threads;
        _threads = new Thread[threads - 1];
        _start = new ManualResetEventSlim[threads - 1];
        _done = new CountdownEvent(1);
        for (int i = 0; i < _threads.Length; i++)
        {
            _start[i] = new ManualResetEventSlim(false, spinCount: 200);
            int part = i + 1;
            _threads[i] = new Thread(() => Loop(part)) { IsBackground = true, Name = $"edgert-worker-{part}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run parts, the caller included.</summary>
    public int Threads { get; }

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
        _done.Reset(parts - 1);
        for (int i = 0; i < parts - 1; i++) _start[i].Set();
        try
        {
            job.Execute(0, parts);
        }
        finally
        {
            _done.Wait();
            _job = null;
        }
        if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
    }

    private void Loop(int part)
    {
        ManualResetEventSlim start = _start[part - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            if (_stopping) return;
            try
            {
                _job!.Execute(part, _parts);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                _done.Signal();
            }
        }
    }

    /// <summary>Stops and joins the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping = true;
        foreach (var e in _start) e.Set();
        foreach (var t in _threads) t.Join();
        foreach (var e in _start) e.Dispose();
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
