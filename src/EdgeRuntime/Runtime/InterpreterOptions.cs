using EdgeRuntime.Kernels;
using EdgeRuntime.Planning;

namespace EdgeRuntime.Runtime;

/// <summary>How an <see cref="Interpreter"/> is built: kernel ISA, planner, fusion, threads, operator registry, memory budget.</summary>
internal sealed class InterpreterOptions
{
    /// <summary>Kernel family; null = what the dispatcher chose for this CPU.</summary>
    public KernelIsa? Isa { get; init; }

    /// <summary>Planner for the arena; default greedy-by-size best-fit.</summary>
    public IMemoryPlanner Planner { get; init; } = new GreedyBestFitPlanner();

    /// <summary>
    /// Debugging aid: give every tensor its own arena region so all intermediate values survive Invoke
    /// (the arena then equals the naive sum of activations).
    /// </summary>
    public bool PreserveAllTensors { get; init; }

    /// <summary>
    /// Run producer/consumer pairs that have a fused kernel as one operator (<see cref="OperatorFusion"/>), so the tensor
    /// between them takes no arena memory. null: on unless the EDGERT_FUSION environment variable says 0/off. Always off
    /// with <see cref="PreserveAllTensors"/>. Fused and unfused runs give identical outputs.
    /// </summary>
    public bool? FuseOperators { get; init; }

    /// <summary>Record per-operator time on each Invoke (two timestamp reads per op, no allocation).</summary>
    public bool ProfileOperators { get; init; }

    /// <summary>Alignment of every buffer in the arena (bytes).</summary>
    public int Alignment { get; init; } = 64;

    /// <summary>The operators this interpreter may run; null = <see cref="OperatorRegistry.Default"/>.</summary>
    public OperatorRegistry? Registry { get; init; }

    /// <summary>
    /// Intra-op threads (the calling thread included). Above 1 the interpreter starts Threads - 1 dedicated worker
    /// threads once and must be disposed. Results are identical for every thread count.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Default <see cref="MemoryBudgetBytes"/>: 1 GiB.</summary>
    public const long DefaultMemoryBudgetBytes = 1L << 30;

    /// <summary>
    /// Most bytes one interpreter may own: arena (activations and scratch) + packed weights + kernel tables + dequantized
    /// hybrid weights. Checked from the shapes before any of them is allocated: a model over the budget is refused with a
    /// <see cref="Graph.ModelFormatException"/> (a few hundred bytes of hostile model must not take gigabytes).
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;
}
