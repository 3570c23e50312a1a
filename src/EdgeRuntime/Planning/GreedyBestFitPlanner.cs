namespace EdgeRuntime.Planning;

/// <summary>
/// Greedy by size with best-fit gaps: the largest buffers are placed first; each buffer goes into the
/// smallest gap between already-placed buffers that are alive at the same time, or on top of them.
/// Large-first keeps the big activations of a segmentation network packed; best-fit keeps the small ones
/// from fragmenting the gaps.
/// </summary>
internal sealed class GreedyBestFitPlanner : IMemoryPlanner
{
    public MemoryPlan Plan(IReadOnlyList<BufferRequest> requests, int alignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentException("alignment must be a power of two", nameof(alignment));

        int n = requests.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Largest first; ties by earlier start, then index, so the plan is deterministic.
        Array.Sort(order, (a, b) =>
        {
            int c = requests[b].Size.CompareTo(requests[a].Size);
            if (c != 0) return c;
            c = requests[a].FirstStep.CompareTo(requests[b].FirstStep);
            return c != 0 ? c : a.CompareTo(b);
        });

        var offsets = new long[n];
        var placed = new List<int>(n);
        var conflicts = new List<(long Start, long End)>();
        long arenaSize = 0;

        foreach (int id in order)
        {
            BufferRequest request = requests[id];
            long size = AlignUp(request.Size, alignment);
            conflicts.Clear();
            foreach (int other in placed)
            {
                if (requests[other].OverlapsInTime(request))
                    conflicts.Add((offsets[other], offsets[other] + AlignUp(requests[other].Size, alignment)));
            }
            conflicts.Sort((a, b) => a.Start.CompareTo(b.Start));

            long bestOffset = -1, bestGap = long.MaxValue, cursor = 0;
            foreach (var (start, end) in conflicts)
            {
                long gap = start - cursor;
                if (gap >= size && gap < bestGap)
                {
                    bestGap = gap;
                    bestOffset = cursor;
                }
                cursor = Math.Max(cursor, end);
            }
            offsets[id] = bestOffset >= 0 ? bestOffset : cursor;
            arenaSize = Math.Max(arenaSize, offsets[id] + size);
            placed.Add(id);
        }
        return new MemoryPlan(arenaSize, offsets);
    }

    public static long AlignUp(long value, int alignment) => (value + alignment - 1) & ~(long)(alignment - 1);

    /// <summary>
    /// The largest total size of buffers alive at one step: no plan can use less arena than this.
    /// </summary>
    public static long LiveSetLowerBound(IReadOnlyList<BufferRequest> requests, int alignment)
    {
        int steps = 0;
        foreach (var r in requests) steps = Math.Max(steps, r.LastStep + 1);
        var delta = new long[steps + 1];
        foreach (var r in requests)
        {
            long size = AlignUp(r.Size, alignment);
            delta[r.FirstStep] += size;
            delta[r.LastStep + 1] -= size;
        }
        long live = 0, max = 0;
        for (int s = 0; s < steps; s++)
        {
            live += delta[s];
            max = Math.Max(max, live);
        }
        return max;
    }
}
