using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace EdgeRuntime.Runtime;

/// <summary>One parallel step of an operator, split into chunks that touch disjoint outputs.</summary>
internal interface IParallelJob
{
    /// <summary>
    /// Runs chunk <paramref name="chunk"/> of <paramref name="chunks"/> on thread <paramref name="worker"/> (0 = the caller,
    /// below <see cref="WorkerPool.Threads"/>). A thread runs one chunk at a time, so per-thread scratch is indexed by
    /// <paramref name="worker"/>, never by chunk. Must not allocate.
    /// </summary>
    void Execute(int chunk, int chunks, int worker);
}

/// <summary>
/// Intra-op threads of one interpreter: <c>threads - 1</c> dedicated background threads created once, plus the calling
/// thread. <see cref="Run"/> publishes a job of N chunks and every thread, the caller included, claims chunks one at a time
/// from an atomic counter until none is left; the caller returns when all chunks are done. A thread that is preempted or
/// late holds at most one chunk, so a busy core slows a frame by a chunk rather than by a fixed share of every operator.
/// <para>
/// The counter is one 64-bit ticket: generation (24 bits) | chunk count (20 bits) | next chunk (20 bits). A chunk is
/// claimed by a compare-and-swap of the whole ticket, so a thread that woke late for an old generation can never claim (or
/// count) a chunk of a newer job: its swap fails on the generation. The job reference is read only after a successful
/// claim; the job cannot change before that chunk completes.
/// </para>
/// Waiting threads spin (and yield) briefly, then block on an <see cref="AutoResetEvent"/> (a kernel event: no managed
/// allocation). The waker sets an event only for threads that announced they sleep. Nothing is allocated per run.
/// Not reentrant: one <see cref="Run"/> at a time (an interpreter runs one operator at a time).
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>Chunks per thread an operator is cut into (<see cref="Chunks"/>): enough that a late thread's last chunk is small.</summary>
    public const int ChunksPerThread = 4;

    /// <summary>The largest chunk count one job may have (the ticket's 20-bit fields).</summary>
    public const int MaxChunks = (1 << 20) - 1;

    /// <summary>
    /// How long a waiting thread spins (then yields) before it blocks: longer than the serial stretches between two parallel
    /// operators, so workers are awake when the next one starts (blocking between operators cost ~1.5 ms per frame at 2
    /// threads), short enough not to burn a busy core for long.
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    private const int CountShift = 20, GenerationShift = 40;
    private const long FieldMask = (1L << 20) - 1;
    private const int Pad = 16; // longs per counter slot: 128 bytes apart, so threads do not share cache lines

    private readonly Thread[] _threads;
    private readonly AutoResetEvent[] _wake;
    private readonly int[] _sleeping;
    private readonly AutoResetEvent _done = new(false);
    private readonly long[] _allocated;
    private readonly long[] _chunksDone;
    private long _ticket;
    private IParallelJob? _job;
    private int _completed;
    private int _callerWaiting;
    private volatile bool _stopping;
    private Exception? _error;
    private bool _disposed;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        Threads = threads;
        _threads = new Thread[threads - 1];
        _wake = new AutoResetEvent[threads - 1];
        _sleeping = new int[(threads - 1) * Pad];
        _allocated = new long[threads * Pad];
        _chunksDone = new long[threads * Pad];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new AutoResetEvent(false);
            int worker = i + 1;
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"edgert-worker-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run chunks, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Managed bytes the worker threads have allocated so far (diagnostics: must not grow per run).</summary>
    public long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < Threads; i++) sum += Volatile.Read(ref _allocated[i * Pad]);
            return sum;
        }
    }

    /// <summary>Chunks thread <paramref name="worker"/> ran in the last <see cref="Run"/> (read after it returned).</summary>
    public long ChunksRunBy(int worker) => Volatile.Read(ref _chunksDone[worker * Pad]);

    /// <summary>
    /// How many chunks to cut <paramref name="units"/> units of work into: 1 without workers, otherwise up to
    /// <see cref="ChunksPerThread"/> per thread with at least <paramref name="minUnitsPerChunk"/> units each.
    /// </summary>
    public static int Chunks(WorkerPool? workers, long units, long minUnitsPerChunk)
    {
        int threads = workers?.Threads ?? 1;
        if (threads <= 1 || units <= 0) return 1;
        long byWork = units / Math.Max(1, minUnitsPerChunk);
        return (int)Math.Clamp(byWork, 1, Math.Min(MaxChunks, (long)threads * ChunksPerThread));
    }

    /// <summary>
    /// Runs chunks 0..chunks-1 of <paramref name="job"/> on all threads and returns when all are done. The first exception
    /// of any chunk is rethrown here (the other chunks still run).
    /// </summary>
    public void Run(IParallelJob job, int chunks)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (chunks < 0 || chunks > MaxChunks) throw new ArgumentOutOfRangeException(nameof(chunks), chunks, $"0..{MaxChunks} chunks");
        for (int w = 0; w < Threads; w++) _chunksDone[w * Pad] = 0;
        if (chunks == 0) return;
        if (chunks == 1 || Threads == 1)
        {
            for (int c = 0; c < chunks; c++) job.Execute(c, chunks, 0);
            _chunksDone[0] = chunks;
            return;
        }
        _job = job;
        _error = null;
        _completed = 0;
        long generation = ((Volatile.Read(ref _ticket) >> GenerationShift) + 1) & ((1L << 24) - 1);
        long ticket = generation << GenerationShift | (long)chunks << CountShift;
        Interlocked.Exchange(ref _ticket, ticket); // full fence: the job is visible before the ticket, the ticket before the sleep flags are read
        for (int i = 0; i < _wake.Length; i++)
            if (Volatile.Read(ref _sleeping[i * Pad]) != 0) _wake[i].Set();
        try
        {
            RunChunks(0, generation);
        }
        finally
        {
            WaitForAll(chunks);
            _job = null;
        }
        if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
    }

    /// <summary>Claims and runs chunks of <paramref name="generation"/> until none is left or a newer job was published.</summary>
    private void RunChunks(int worker, long generation)
    {
        while (true)
        {
            long t = Volatile.Read(ref _ticket);
            if (t >> GenerationShift != generation) break;
            int count = (int)(t >> CountShift & FieldMask), next = (int)(t & FieldMask);
            if (next >= count) break;
            if (Interlocked.CompareExchange(ref _ticket, t + 1, t) != t) continue;
            IParallelJob job = _job!; // after the claim: this generation's job, which cannot finish before this chunk does
            try
            {
                job.Execute(next, count, worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            _chunksDone[worker * Pad]++; // before the count: the caller reads it once every chunk is counted
            if (Interlocked.Increment(ref _completed) == count && Volatile.Read(ref _callerWaiting) != 0) _done.Set();
        }
    }

    private void WaitForAll(int chunks)
    {
        if (Volatile.Read(ref _completed) == chunks) return;
        var spin = new SpinWait();
        long until = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _completed) != chunks)
        {
            if (Stopwatch.GetTimestamp() < until)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            Interlocked.Exchange(ref _callerWaiting, 1); // full fence before re-reading the count (pairs with the worker's increment)
            if (Volatile.Read(ref _completed) != chunks) _done.WaitOne();
            Volatile.Write(ref _callerWaiting, 0);
        }
    }

    private void Loop(int worker)
    {
        AutoResetEvent wake = _wake[worker - 1];
        long seen = 0;
        while (true)
        {
            var spin = new SpinWait();
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            long generation;
            while ((generation = Volatile.Read(ref _ticket) >> GenerationShift) == seen && !_stopping)
            {
                if (Stopwatch.GetTimestamp() < until)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                // Announce the sleep, then look again: either the waker sees the flag and sets the event (latched if it comes
                // before the wait), or this thread sees the new ticket and does not wait.
                Interlocked.Exchange(ref _sleeping[(worker - 1) * Pad], 1);
                if (Volatile.Read(ref _ticket) >> GenerationShift == seen && !_stopping) wake.WaitOne();
                Volatile.Write(ref _sleeping[(worker - 1) * Pad], 0);
                until = Stopwatch.GetTimestamp() + SpinTicks;
            }
            if (_stopping) return;
            seen = generation;
            RunChunks(worker, generation);
            Volatile.Write(ref _allocated[worker * Pad], GC.GetAllocatedBytesForCurrentThread());
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
