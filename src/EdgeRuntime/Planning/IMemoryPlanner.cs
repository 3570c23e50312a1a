namespace EdgeRuntime.Planning;

/// <summary>A buffer to place in the arena: live from <see cref="FirstStep"/> to <see cref="LastStep"/> inclusive (operator indices).</summary>
internal readonly record struct BufferRequest(long Size, int FirstStep, int LastStep)
{
    public bool OverlapsInTime(in BufferRequest other) => FirstStep <= other.LastStep && other.FirstStep <= LastStep;
}

/// <summary>Offsets for each request (same order as requested) and the arena size they need.</summary>
internal sealed record MemoryPlan(long ArenaSize, long[] Offsets);

/// <summary>
/// Places buffers with known lifetimes in one arena so that buffers alive at the same step never overlap.
/// Behind an interface so other strategies (e.g. TFLite Micro's greedy-by-size first-fit, or an optimal solver) can be swapped in.
/// </summary>
internal interface IMemoryPlanner
{
    MemoryPlan Plan(IReadOnlyList<BufferRequest> requests, int alignment);
}
