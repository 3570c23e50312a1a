using EdgeRuntime.Runtime;

namespace EdgeRuntime.Tests.Scheduling;

/// <summary>
/// The intra-op scheduler: every chunk of every job runs exactly once, before <see cref="WorkerPool.Run"/> returns, on a
/// thread index below Threads, with more threads than this box has cores and part counts changing from job to job; a
/// failing chunk is rethrown and the pool stays usable; chunk bounds cover the work; the planned balance.
/// </summary>
public class WorkerPoolTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StressTimeout = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void ThousandsOfJobsRunEveryChunkExactlyOnceWithoutHanging(int threads)
    {
        // A hang is a failure, not a stuck test run: the stress runs on its own thread under a deadline.
        Exception? failure = null;
        int jobs = 0;
        var stress = new Thread(() =>
        {
            try { jobs = Stress(threads, seed: threads * 7919); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true };
        stress.Start();
        Assert.True(stress.Join(StressTimeout), $"{threads} threads: the pool hung (no return within {StressTimeout.TotalSeconds} s)");
        if (failure is not null) throw new Xunit.Sdk.XunitException($"{threads} threads: {failure.Message}");
        output.WriteLine($"{threads} threads: {jobs} consecutive jobs, every chunk once");
    }

    /// <summary>
    /// Consecutive jobs with 1..3*threads chunks (so some threads get none, and late threads meet a newer job), some chunks
    /// slow so threads overtake each other. After each Run: every chunk ran once, none is still running, and no chunk of an
    /// earlier job ran again later.
    /// </summary>
    private static int Stress(int threads, int seed)
    {
        using var pool = new WorkerPool(threads);
        var rng = new Random(seed);
        var job = new CountingJob(3 * threads, threads);
        int jobs = 3000;
        for (int j = 0; j < jobs; j++)
        {
            int chunks = rng.Next(1, 3 * threads + 1);
            job.Reset(j, slowEvery: rng.Next(2, 6));
            pool.Run(job, chunks);
            job.Check(j, chunks);
            long total = 0;
            for (int w = 0; w < threads; w++) total += pool.ChunksRunBy(w);
            if (total != chunks) throw new InvalidOperationException($"job {j}: the pool counted {total} chunks of {chunks}");
        }
        return jobs;
    }

    private sealed class CountingJob(int maxChunks, int threads) : IParallelJob
    {
        private readonly int[] _runs = new int[maxChunks];
        private readonly int[] _jobOfRun = new int[maxChunks];
        private int _job, _slowEvery, _active, _badWorker = -1, _badChunks = -1;

        public void Reset(int job, int slowEvery)
        {
            Array.Clear(_runs);
            (_job, _slowEvery) = (job, slowEvery);
        }

        public void Execute(int chunk, int chunks, int worker)
        {
            Interlocked.Increment(ref _active);
            if ((uint)worker >= (uint)threads) _badWorker = worker;
            if ((uint)chunk >= (uint)chunks || chunks > maxChunks) _badChunks = chunks;
            else
            {
                Interlocked.Increment(ref _runs[chunk]);
                Volatile.Write(ref _jobOfRun[chunk], Volatile.Read(ref _job));
                if (chunk % _slowEvery == 0) Thread.SpinWait(2000);
            }
            Interlocked.Decrement(ref _active);
        }

        public void Check(int job, int chunks)
        {
            if (_badWorker >= 0) throw new InvalidOperationException($"job {job}: worker index {_badWorker} of {threads} threads");
            if (_badChunks >= 0) throw new InvalidOperationException($"job {job}: a chunk index outside {_badChunks} chunks");
            if (Volatile.Read(ref _active) != 0) throw new InvalidOperationException($"job {job}: Run returned while a chunk still ran");
            for (int c = 0; c < maxChunks; c++)
            {
                int expected = c < chunks ? 1 : 0;
                if (_runs[c] != expected) throw new InvalidOperationException($"job {job} ({chunks} chunks): chunk {c} ran {_runs[c]} times");
                if (c < chunks && _jobOfRun[c] != job) throw new InvalidOperationException($"job {job}: chunk {c} last ran for job {_jobOfRun[c]}");
            }
        }
    }

    [Fact]
    public void AFailingChunkIsRethrownAndThePoolStaysUsable()
    {
        using var pool = new WorkerPool(4);
        var job = new ThrowingJob { ThrowOn = 5 };
        var e = Assert.Throws<InvalidOperationException>(() => pool.Run(job, 9));
        Assert.Equal("chunk 5 failed", e.Message);
        Assert.Equal(9, job.Runs); // the other chunks still ran
        job.ThrowOn = -1;
        job.Runs = 0;
        pool.Run(job, 9);
        Assert.Equal(9, job.Runs);
    }

    private sealed class ThrowingJob : IParallelJob
    {
        public int ThrowOn = -1;
        public int Runs;

        public void Execute(int chunk, int chunks, int worker)
        {
            Interlocked.Increment(ref Runs);
            if (chunk == ThrowOn) throw new InvalidOperationException($"chunk {chunk} failed");
        }
    }

    [Fact]
    public void OneThreadRunsEveryChunkOnTheCaller()
    {
        using var pool = new WorkerPool(1);
        var job = new CountingJob(8, 1);
        job.Reset(0, slowEvery: 100);
        pool.Run(job, 8);
        job.Check(0, 8);
        Assert.Equal(8, pool.ChunksRunBy(0));
    }

    [Fact]
    public void RunRejectsChunkCountsTheTicketCannotHold()
    {
        using var pool = new WorkerPool(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Run(new ThrowingJob(), WorkerPool.MaxChunks + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Run(new ThrowingJob(), -1));
    }

    [Fact]
    public void ChunkBoundsCoverTheWorkInAlignedRuns()
    {
        for (int total = 0; total < 70; total++)
            for (int chunks = 1; chunks <= 17; chunks++)
                foreach (int align in new[] { 1, 4, 8, 64 })
                {
                    int next = 0;
                    for (int c = 0; c < chunks; c++)
                    {
                        (int start, int count) = WorkerPool.Split(total, c, chunks, align);
                        Assert.Equal(next, start);
                        Assert.True(count == 0 || start % align == 0, $"chunk {c} starts at {start}, not a multiple of {align}");
                        next += count;
                    }
                    Assert.Equal(total, next);
                }
    }

    [Theory]
    [InlineData(null, 1000, 1)]
    [InlineData(1, 1000, 1)]
    [InlineData(2, 1000, 8)]
    [InlineData(4, 1000, 16)]
    [InlineData(4, 10, 10)]
    [InlineData(4, 0, 1)]
    public void PlanCutsUpToFourChunksPerThread(int? threads, int units, int expectedChunks)
    {
        using WorkerPool? pool = threads is int t ? new WorkerPool(t) : null;
        ParallelWork work = ParallelWork.Plan(pool, units, minUnitsPerChunk: 1);
        Assert.Equal(expectedChunks, work.Chunks);
        Assert.Equal(units, work.Units);
    }

    [Fact]
    public void PlanKeepsTheMinimumChunkSizeAndTheAlignment()
    {
        using var pool = new WorkerPool(4);
        ParallelWork work = ParallelWork.Plan(pool, 1089, minUnitsPerChunk: 32, align: 8);
        Assert.Equal(16, work.Chunks);
        for (int c = 0; c < work.Chunks; c++)
        {
            (int start, int count) = work.Range(c);
            Assert.Equal(0, start % 8);
            Assert.True(count >= 32 || start + count == 1089, $"chunk {c}: {count} units");
        }
        Assert.Equal(3, ParallelWork.Plan(pool, 100, minUnitsPerChunk: 32).Chunks);
    }

    [Theory]
    [InlineData(33, 1, 0.2727)] // 16 chunks of 2-3 rows: 9 of 33 rows on the busiest thread
    [InlineData(1089, 8, 0.2507)]
    [InlineData(513, 1, 0.2515)]
    public void PlannedShareAtFourThreadsIsNearAQuarter(int units, int align, double expected)
    {
        using var pool = new WorkerPool(4);
        ParallelWork work = ParallelWork.Plan(pool, units, 1, align);
        double share = work.PlannedMaxShare(4);
        output.WriteLine($"{units} units, align {align}: {work.Chunks} chunks, largest share {share:F4}");
        Assert.Equal(expected, share, 4);
        Assert.True(share <= 1.15 / 4, $"largest share {share:F3} above 1.15/4");
        Assert.Equal(1.0, work.PlannedMaxShare(1));
    }

    [Fact]
    public void PlannedShareOfFewChunksShowsTheImbalance()
    {
        // 5 equal chunks on 4 threads: one thread runs two of them.
        Assert.Equal(0.4, new ParallelWork(500, 5).PlannedMaxShare(4), 6);
        Assert.Equal(1.0, new ParallelWork(500, 1).PlannedMaxShare(4), 6);
    }
}
