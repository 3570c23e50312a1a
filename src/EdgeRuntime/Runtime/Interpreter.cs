using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Planning;

namespace EdgeRuntime.Runtime;

/// <summary>
/// Runs one model: every operator prepared once, every activation at a planned offset in ONE arena
/// allocated once. <see cref="Invoke"/> allocates nothing. With <see cref="InterpreterOptions.Threads"/> &gt; 1 it owns
/// worker threads: dispose it to stop them.
/// </summary>
internal sealed class Interpreter : IDisposable
{
    private readonly WorkerPool? _workers;
    private readonly PreparedOperator[] _operators;
    private readonly TensorMemory _memory;
    private readonly long[] _opTicks;
    private readonly long[] _opChunks;
    private readonly bool _profile;

    private Interpreter(ModelGraph graph, PreparedOperator[] operators, ArenaLayout layout, TensorMemory memory, KernelIsa isa, bool profile, WorkerPool? workers)
    {
        _workers = workers;
        Graph = graph;
        _operators = operators;
        Layout = layout;
        _memory = memory;
        Isa = isa;
        _profile = profile;
        _opTicks = new long[operators.Length];
        _opChunks = new long[profile ? operators.Length * Threads : 0];
    }

    /// <summary>
    /// The graph as it runs: after hybrid weight expansion and operator fusion (fused nodes have
    /// <see cref="OperatorNode.IsFused"/>; tensors between fused nodes get no memory). Same tensors as the model's graph.
    /// </summary>
    public ModelGraph Graph { get; }
    public ArenaLayout Layout { get; }
    public KernelIsa Isa { get; }

    /// <summary>Intra-op threads, the calling thread included.</summary>
    public int Threads => _workers?.Threads ?? 1;

    /// <summary>Managed bytes the worker threads allocated so far (diagnostics; 0 without workers).</summary>
    public long WorkerAllocatedBytes => _workers?.WorkerAllocatedBytes ?? 0;
    public IReadOnlyList<PreparedOperator> Operators => _operators;
    public TensorMemory Memory => _memory;

    private long _expandedWeightBytes;

    /// <summary>Bytes of weights the kernels repacked or dequantized at load (owned memory outside the arena).</summary>
    public long PackedWeightBytes
    {
        get
        {
            long total = _expandedWeightBytes;
            foreach (var op in _operators) total += op.PackedWeightBytes;
            return total;
        }
    }

    /// <summary>Accumulated Stopwatch ticks per operator when profiling is on.</summary>
    public ReadOnlySpan<long> OperatorTicks => _opTicks;

    /// <summary>
    /// When profiling: chunks each thread ran of operator <paramref name="op"/>, accumulated over the profiled invokes
    /// (empty for an operator that runs serially). The scheduler's own count of who did the work.
    /// </summary>
    public ReadOnlySpan<long> OperatorChunksByThread(int op) =>
        _opChunks.Length == 0 || !_operators[op].Parallelism.IsParallel ? default : _opChunks.AsSpan(op * Threads, Threads);

    public void ResetProfile()
    {
        Array.Clear(_opTicks);
        Array.Clear(_opChunks);
    }

    public static Interpreter Create(ModelGraph graph, InterpreterOptions? options = null)
    {
        options ??= new InterpreterOptions();
        if (options.MemoryBudgetBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBudgetBytes, "MemoryBudgetBytes must be positive");
        // Hybrid weights are dequantized first: their float size is known from the shapes, so it is checked before.
        long expansion = HybridWeightExpansion.EstimateBytes(graph);
        CheckBudget(options, "dequantized hybrid weights", 0, expansion);
        graph = HybridWeightExpansion.Apply(graph, out long expandedWeightBytes);
        KernelIsa isa = options.Isa ?? KernelDispatcher.Active;
        var registry = options.Registry ?? OperatorRegistry.Default ?? throw new InvalidOperationException(
            "no operators registered: pass InterpreterOptions.Registry or set OperatorRegistry.Default at start-up (e.g. EdgeRuntime.Ops.BuiltinOperators.DeepLab())");
        if (OperatorFusion.IsEnabled(options)) graph = OperatorFusion.Apply(DilatedConvolutionRewrite.Apply(graph), registry);
        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be at least 1");
        WorkerPool? workers = options.Threads > 1 ? new WorkerPool(options.Threads) : null;
        try
        {
            return Create(graph, options, isa, registry, workers, expandedWeightBytes);
        }
        catch
        {
            workers?.Dispose();
            throw;
        }
    }

    private static Interpreter Create(ModelGraph graph, InterpreterOptions options, KernelIsa isa, OperatorRegistry registry, WorkerPool? workers, long expandedWeightBytes)
    {
        var context = new KernelContext(isa, workers);

        // Phase 1, from shapes only: the largest activation (the arena holds at least that) and an upper bound of what the
        // operators' Prepare will allocate (packed weights, tables). Nothing big is allocated before this passes.
        long largestActivation = 0, prepareBound = 0;
        foreach (TensorInfo t in graph.Tensors)
            if (!t.IsConstant) largestActivation = Math.Max(largestActivation, t.ByteSize);
        foreach (OperatorNode node in graph.Operators) prepareBound = PrepareCost.Add(prepareBound, PrepareCost.Bytes(node, graph));
        CheckBudget(options, "largest activation + bound on packed weights and tables", largestActivation, PrepareCost.Add(prepareBound, expandedWeightBytes));

        var prepared = new PreparedOperator[graph.Operators.Length];
        var scratch = new long[prepared.Length];
        var inPlace = new int[prepared.Length];
        for (int i = 0; i < prepared.Length; i++)
        {
            OperatorNode node = graph.Operators[i];
            prepared[i] = registry.Prepare(node, graph, context);
            scratch[i] = prepared[i].ScratchBytes;
            inPlace[i] = prepared[i].InPlaceInput;
        }

        ArenaLayout layout = ArenaPlanner.Plan(graph, scratch, inPlace, options.Planner, options.Alignment, options.PreserveAllTensors);
        if (layout.ArenaBytes > int.MaxValue - options.Alignment)
            throw new ModelFormatException($"the model needs an arena of {layout.ArenaBytes} bytes, more than one buffer can hold");
        // Phase 2: the planned arena (activations + scratch) and what the operators packed, before the arena exists.
        long packed = expandedWeightBytes;
        foreach (PreparedOperator op in prepared) packed = PrepareCost.Add(packed, op.PackedWeightBytes);
        CheckBudget(options, "planned arena + packed weights and tables", layout.ArenaBytes + options.Alignment, packed);

        // Pinned so that addresses never move and SIMD kernels may use pointers; over-allocated to align the base.
        byte[] arena = GC.AllocateArray<byte>((int)layout.ArenaBytes + options.Alignment, pinned: true);
        long baseOffset = AlignedBase(arena, options.Alignment);
        var offsets = new long[graph.Tensors.Length];
        var constants = new ReadOnlyMemory<byte>[graph.Tensors.Length];
        for (int t = 0; t < offsets.Length; t++)
        {
            offsets[t] = layout.TensorOffsets[t] >= 0 ? layout.TensorOffsets[t] + baseOffset : 0;
            constants[t] = graph.Tensors[t].ConstantData;
        }
        var memory = new TensorMemory(arena, offsets, layout.TensorSizes, constants);
        for (int i = 0; i < layout.ScratchOffsets.Length; i++) layout.ScratchOffsets[i] += baseOffset;
        return new Interpreter(graph, prepared, layout, memory, isa, options.ProfileOperators, workers) { _expandedWeightBytes = expandedWeightBytes };
    }

    /// <summary>Refuses the model (one line naming the sizes) when <paramref name="arena"/> + <paramref name="owned"/> exceeds the budget.</summary>
    private static void CheckBudget(InterpreterOptions options, string what, long arena, long owned)
    {
        long total = PrepareCost.Add(arena, owned);
        if (total > options.MemoryBudgetBytes)
            throw new ModelFormatException(
                $"the model needs {Mib(total)} ({what}: arena {Mib(arena)}, owned {Mib(owned)}), over the memory budget of {Mib(options.MemoryBudgetBytes)}");
    }

    private static string Mib(long bytes) =>
        bytes == long.MaxValue ? "more than 8 EiB" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB");

    private static unsafe long AlignedBase(byte[] arena, int alignment)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(arena));
        return (alignment - (long)(address % alignment)) % alignment;
    }

    /// <summary>The bytes of graph input <paramref name="index"/>, to fill before <see cref="Invoke"/>.</summary>
    public Span<byte> InputBytes(int index = 0) => _memory.Bytes(Graph.Inputs[index]);

    public Span<T> Input<T>(int index = 0) where T : unmanaged => MemoryMarshal.Cast<byte, T>(InputBytes(index));

    /// <summary>The bytes of graph output <paramref name="index"/> after <see cref="Invoke"/>.</summary>
    public ReadOnlySpan<byte> OutputBytes(int index = 0) => _memory.ReadOnlyBytes(Graph.Outputs[index]);

    public ReadOnlySpan<T> Output<T>(int index = 0) where T : unmanaged => MemoryMarshal.Cast<byte, T>(OutputBytes(index));

    /// <summary>
    /// Bytes of any tensor. Only meaningful right after the operator producing it ran, unless the
    /// interpreter was created with <see cref="InterpreterOptions.PreserveAllTensors"/>.
    /// </summary>
    public ReadOnlySpan<byte> TensorBytes(int tensor)
    {
        if (Layout.TensorBuffer[tensor] < 0 && !_memory.IsConstant(tensor) && OperatorFusion.FusedAway(Graph, tensor) is { } node)
            throw new InvalidOperationException($"tensor {Graph.Tensors[tensor]} is computed inside {node} and never stored; create the interpreter with FuseOperators = false to read it");
        return _memory.ReadOnlyBytes(tensor);
    }

    /// <summary>Stops the worker threads (if any). The interpreter cannot run afterwards when it had workers.</summary>
    public void Dispose() => _workers?.Dispose();

    public void Invoke()
    {
        PreparedOperator[] ops = _operators;
        long[] scratchOffsets = Layout.ScratchOffsets;
        long[] scratchSizes = Layout.ScratchSizes;
        for (int i = 0; i < ops.Length; i++)
        {
            Span<byte> scratch = scratchSizes[i] > 0 ? _memory.Scratch(scratchOffsets[i], scratchSizes[i]) : default;
            if (_profile)
            {
                long start = Stopwatch.GetTimestamp();
                ops[i].Invoke(_memory, scratch);
                _opTicks[i] += Stopwatch.GetTimestamp() - start;
                if (_workers is not null && ops[i].Parallelism.IsParallel)
                    for (int w = 0; w < _workers.Threads; w++) _opChunks[i * _workers.Threads + w] += _workers.ChunksRunBy(w);
            }
            else
            {
                ops[i].Invoke(_memory, scratch);
            }
        }
    }
}
