namespace EdgeRuntime;

/// <summary>How a model is prepared: threads, kernel variant and the most memory it may take.</summary>
public sealed class ModelOptions
{
    /// <summary>Default <see cref="MemoryBudgetBytes"/>: 1 GiB.</summary>
    public const long DefaultMemoryBudgetBytes = 1L << 30;

    /// <summary>Threads that run one inference (the calling thread included). At least 1; default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The kernel variant; <see cref="KernelVariant.Auto"/> picks the best one this CPU runs.</summary>
    public KernelVariant Kernels { get; init; } = KernelVariant.Auto;

    /// <summary>
    /// The most memory the prepared model may take (tensor arena plus packed weights). A model that needs more is
    /// refused before anything is allocated, with a <see cref="Graph.ModelFormatException"/> naming both figures.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;
}
