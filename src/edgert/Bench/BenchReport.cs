using System.Text.Json.Serialization;

namespace EdgeRuntime.Bench;

/// <summary>Everything `edgert bench` measured; serialized as is by --json.</summary>
internal sealed record BenchReport
{
    public required string Model { get; init; }
    public required long ModelFileBytes { get; init; }
    public required string Input { get; init; }
    public required string InputKind { get; init; }
    public required int ClassMapWidth { get; init; }
    public required int ClassMapHeight { get; init; }
    public required int Warmup { get; init; }
    public required int Iterations { get; init; }
    public required int ThreadsRequested { get; init; }
    public required MachineInfo Machine { get; init; }
    public required RuntimeResult EdgeRt { get; init; }
    public RuntimeResult? OnnxRuntime { get; init; }
    /// <summary>Our per-operator times from a separate profiling pass (profiling off during the timed runs).</summary>
    public required IReadOnlyList<OperatorTime> Operators { get; init; }
    public required int ProfiledInvokes { get; init; }
    public Comparison? Comparison { get; init; }
    /// <summary>Process peak resident set (VmHWM) over the whole run, the maximum over all phases.</summary>
    public required long ProcessPeakRssBytes { get; init; }
    public required string MemoryMethod { get; init; }
}

public sealed record MachineInfo(string Os, string Architecture, int ProcessorCount, string Runtime, string? LoadAverage);

/// <summary>One runtime's results on the same input.</summary>
internal sealed record RuntimeResult
{
    public required string Name { get; init; }
    /// <summary>Kernel family (edgert) or library version (ORT).</summary>
    public required string Detail { get; init; }
    /// <summary>Threads the runtime actually used.</summary>
    public required int Threads { get; init; }
    /// <summary>Preprocess + inference + class map, per iteration: what a user of the runtime waits for per frame.</summary>
    public required LatencyStats EndToEnd { get; init; }
    public required LatencyStats Preprocess { get; init; }
    public required LatencyStats Inference { get; init; }
    public required LatencyStats ClassMap { get; init; }
    public required MemoryResult Memory { get; init; }
    /// <summary>How many pixels of the class map hold each class (sanity: both runtimes should look alike).</summary>
    public required IReadOnlyList<long> ClassHistogram { get; init; }
}

public sealed record MemoryResult
{
    /// <summary>The figure compared across runtimes; see <see cref="WorkingMemoryMethod"/>.</summary>
    public required long WorkingMemoryBytes { get; init; }
    public required string WorkingMemoryMethod { get; init; }
    /// <summary>edgert: the planned activation arena (one allocation).</summary>
    public long? ArenaBytes { get; init; }
    /// <summary>edgert: weights the kernels repacked at Prepare.</summary>
    public long? PackedWeightBytes { get; init; }
    /// <summary>Bytes of constant tensors (weights, biases, tables) in the model.</summary>
    public required long ModelConstantBytes { get; init; }
    /// <summary>Resident-set growth over creating the runtime and its first run (same method for both).</summary>
    public required long RssGrowthBytes { get; init; }
    /// <summary>Peak resident set of the process during this runtime's phase (VmHWM, reset before the phase).</summary>
    public required long PhasePeakRssBytes { get; init; }
    public required bool PeakWasReset { get; init; }
}

/// <summary>
/// One row of the per-operator table (operators with the same name and kernel summed). <see cref="PlannedShare4"/>: the
/// largest share of an operator's work one of 4 equally fast threads gets from its chunks (worst operator of the row;
/// null when they run serially; 0.25 is perfect). <see cref="CountedShare"/>: the largest share of chunks one thread
/// actually ran in the profiling pass at the bench's thread count, as the scheduler counted it.
/// </summary>
public sealed record OperatorTime(string Op, string Kernel, int Count, double TotalMs, double Percent, double? PlannedShare4 = null, double? CountedShare = null);

/// <summary>
/// Ours over ORT: below 1 means edgert is faster / smaller. A ratio is null when it has no meaning: ORT's working
/// memory is the process's RSS growth over its phase, and when other threads of the process free more than ORT takes
/// (a test host running other tests, say) that growth is not positive. JSON cannot carry NaN or infinity.
/// </summary>
public sealed record Comparison(
    double? LatencyP50Ratio,
    double? InferenceP50Ratio,
    double? WorkingMemoryRatio,
    double? RssGrowthRatio,
    double ClassMapAgreement);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
