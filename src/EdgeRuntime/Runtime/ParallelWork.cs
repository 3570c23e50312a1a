namespace EdgeRuntime.Runtime;

/// <summary>
/// How one operator's work is cut for the <see cref="WorkerPool"/>: <see cref="Units"/> units (output rows, pixels,
/// elements) in <see cref="Chunks"/> contiguous chunks whose bounds are multiples of <see cref="Align"/>. Chosen once at
/// prepare time; <see cref="Range"/> gives a chunk's units.
/// </summary>
internal readonly record struct ParallelWork(int Units, int Chunks, int Align = 1)
{
    /// <summary>
    /// Cuts <paramref name="units"/> into up to <see cref="WorkerPool.ChunksPerThread"/> chunks per thread, each of at
    /// least <paramref name="minUnitsPerChunk"/> units (one chunk without workers).
    /// </summary>
    public static ParallelWork Plan(WorkerPool? workers, int units, long minUnitsPerChunk, int align = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        ArgumentOutOfRangeException.ThrowIfLessThan(align, 1);
        long alignedUnits = ((long)units + align - 1) / align;
        long minAligned = Math.Max(1, (minUnitsPerChunk + align - 1) / align);
        int chunks = (int)Math.Min(WorkerPool.Chunks(workers, alignedUnits, minAligned), Math.Max(1, alignedUnits));
        return new ParallelWork(units, chunks, align);
    }

    /// <summary>True when the work runs as more than one chunk.</summary>
    public bool IsParallel => Chunks > 1;

    /// <summary>The units of chunk <paramref name="chunk"/>.</summary>
    public (int Start, int Count) Range(int chunk) => WorkerPool.Split(Units, chunk, Chunks, Align);

    /// <summary>Runs every chunk of <paramref name="job"/>: on the pool when there is more than one, else on this thread.</summary>
    public void Run(WorkerPool? workers, IParallelJob job)
    {
        if (Chunks > 1 && workers is { Threads: > 1 }) workers.Run(job, Chunks);
        else for (int c = 0; c < Chunks; c++) job.Execute(c, Chunks, 0);
    }

    /// <summary>
    /// The largest share of the units one of <paramref name="threads"/> equally fast threads gets when each claims the next
    /// chunk as soon as it is free (the pool's order): 1/threads is perfect balance. Counted from the chunk bounds, so it
    /// holds for a board with that many cores whatever machine computes it.
    /// </summary>
    public double PlannedMaxShare(int threads)
    {
        if (Units == 0) return 0;
        if (threads <= 1 || Chunks <= 1) return 1;
        Span<long> finish = threads <= 64 ? stackalloc long[64] : new long[threads];
        finish = finish[..threads];
        finish.Clear();
        for (int c = 0; c < Chunks; c++)
        {
            int earliest = 0;
            for (int t = 1; t < threads; t++)
                if (finish[t] < finish[earliest]) earliest = t;
            finish[earliest] += Range(c).Count;
        }
        long max = 0;
        foreach (long f in finish) max = Math.Max(max, f);
        return (double)max / Units;
    }
}
