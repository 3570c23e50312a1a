using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// An operator after Prepare: shapes checked, quantization parameters computed, weights packed and
/// the kernel variant chosen. <see cref="Invoke"/> runs it on arena memory and must not allocate.
/// </summary>
internal abstract class PreparedOperator
{
    protected PreparedOperator(OperatorNode node) => Node = node;

    public OperatorNode Node { get; }

    /// <summary>Arena bytes this operator needs as scratch while it runs (planned like a tensor live for one step).</summary>
    public virtual long ScratchBytes => 0;

    /// <summary>Bytes of weights this operator packed (owned memory outside the arena).</summary>
    public virtual long PackedWeightBytes => 0;

    /// <summary>
    /// Index into Node.Inputs of an input whose buffer the output may reuse when that input dies here
    /// (elementwise ops and reshapes). -1 when the op cannot run in place.
    /// </summary>
    public virtual int InPlaceInput => -1;

    /// <summary>Name of the kernel variant that runs (e.g. "reference", "advsimd-dot").</summary>
    public virtual string KernelName => "reference";

    /// <summary>How the operator's work is cut into chunks for the interpreter's workers (default: serial, no units).</summary>
    public virtual ParallelWork Parallelism => default;

    public abstract void Invoke(TensorMemory memory, Span<byte> scratch);
}

/// <summary>Builds a <see cref="PreparedOperator"/> for one builtin operator, validating what the node asks for.</summary>
internal interface IOperatorKernel
{
    BuiltinOperator Op { get; }

    /// <summary>Validates the node (versions, types, shapes) and prepares it. Throws <see cref="UnsupportedOperatorException"/> or <see cref="ModelFormatException"/>.</summary>
    PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context);
}

/// <summary>
/// Runs a <see cref="Producer"/> node together with the one node that consumes its output (<see cref="Consumer"/>), so the
/// tensor between them is never written (see <see cref="OperatorFusion"/>). Results must equal the two nodes' own kernels.
/// </summary>
internal interface IFusedOperatorKernel
{
    BuiltinOperator Producer { get; }
    BuiltinOperator Consumer { get; }

    /// <summary>The fused node's name, as inspect and the per-operator profile show it.</summary>
    string Name => $"{Producer.ToTfliteName()}+{Consumer.ToTfliteName()}";

    /// <summary>
    /// The kernel's own conditions (types, axes). The pass has already checked the structure: the producer's single
    /// output is not graph I/O and is read by the consumer alone. Must not throw: an odd node is left unfused, and the
    /// unfused kernels report what is wrong with it.
    /// </summary>
    bool CanFuse(OperatorNode producer, OperatorNode consumer, ModelGraph graph);

    /// <summary>Prepares the fused node (<see cref="OperatorNode.FusedNodes"/> = [producer, consumer]).</summary>
    PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context);
}

/// <summary>What Prepare may consult: the kernel variant chosen at start-up and interpreter options.</summary>
internal sealed class KernelContext
{
    public KernelContext(Kernels.KernelIsa isa, WorkerPool? workers = null)
    {
        Isa = isa;
        Workers = workers;
    }

    public Kernels.KernelIsa Isa { get; }

    /// <summary>The interpreter's intra-op threads (null: single-threaded). Operators split work into <see cref="Threads"/> parts.</summary>
    public WorkerPool? Workers { get; }

    public int Threads => Workers?.Threads ?? 1;
}
