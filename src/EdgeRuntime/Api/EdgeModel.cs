using System.Runtime.CompilerServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime;

/// <summary>
/// A TFLite model prepared to run: fill an input, <see cref="Invoke"/>, read an output. All memory is planned and
/// allocated when the model is loaded, so <see cref="Invoke"/> allocates nothing. Not thread-safe: one inference at a
/// time per instance (use <see cref="ModelOptions.Threads"/> to spread one inference over several cores).
/// </summary>
public sealed class EdgeModel : IDisposable
{
    private readonly Interpreter _interpreter;
    private readonly TensorDescription[] _inputs;
    private readonly TensorDescription[] _outputs;

    private EdgeModel(Interpreter interpreter)
    {
        _interpreter = interpreter;
        _inputs = [.. interpreter.Graph.Inputs.Select(i => new TensorDescription(interpreter.Graph.Tensors[i]))];
        _outputs = [.. interpreter.Graph.Outputs.Select(i => new TensorDescription(interpreter.Graph.Tensors[i]))];
    }

    /// <summary>
    /// Loads and prepares the model file at <paramref name="path"/>. Throws <see cref="ModelFormatException"/> for a
    /// file that is not a valid TFLite model or needs more than <see cref="ModelOptions.MemoryBudgetBytes"/>,
    /// <see cref="UnsupportedOperatorException"/> for an operator this runtime lacks, and
    /// <see cref="PlatformNotSupportedException"/> for a kernel variant this CPU cannot run.
    /// </summary>
    public static EdgeModel Load(string path, ModelOptions? options = null) =>
        Load(KernelVariantMapping.ReadModelFile(path, options), options);

    /// <summary>Prepares a model from the bytes of a TFLite file (kept by the model, not copied). Throws as <see cref="Load(string, ModelOptions?)"/>.</summary>
    public static EdgeModel Load(ReadOnlyMemory<byte> model, ModelOptions? options = null)
    {
        InterpreterOptions interpreterOptions = KernelVariantMapping.ToInterpreterOptions(options);
        return new EdgeModel(Interpreter.Create(TfliteModelReader.Read(model), interpreterOptions));
    }

    /// <summary>The model's input tensors, in the model's order.</summary>
    public IReadOnlyList<TensorDescription> Inputs => _inputs;

    /// <summary>The model's output tensors, in the model's order.</summary>
    public IReadOnlyList<TensorDescription> Outputs => _outputs;

    /// <summary>The kernel variant that runs this model.</summary>
    public KernelVariant Kernels => KernelVariantMapping.FromIsa(_interpreter.Isa);

    /// <summary>Threads that run one inference (the calling thread included).</summary>
    public int Threads => _interpreter.Threads;

    /// <summary>Bytes of the tensor arena that holds every intermediate tensor (planned once at load).</summary>
    public long ArenaBytes => _interpreter.Layout.ArenaBytes;

    /// <summary>The bytes of input <paramref name="index"/>, to fill before <see cref="Invoke"/>.</summary>
    public Span<byte> InputBytes(int index = 0) => _interpreter.InputBytes(CheckIndex(index, _inputs.Length, "input"));

    /// <summary>Input <paramref name="index"/> as elements of <typeparamref name="T"/>, whose size must match the tensor's element size.</summary>
    public Span<T> Input<T>(int index = 0) where T : unmanaged
    {
        CheckElement<T>(CheckIndex(index, _inputs.Length, "input"), _interpreter.Graph.Inputs);
        return _interpreter.Input<T>(index);
    }

    /// <summary>Runs the model on the current inputs. Allocates nothing.</summary>
    public void Invoke() => _interpreter.Invoke();

    /// <summary>The bytes of output <paramref name="index"/> after <see cref="Invoke"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> OutputBytes(int index = 0) => _interpreter.OutputBytes(CheckIndex(index, _outputs.Length, "output"));

    /// <summary>Output <paramref name="index"/> as elements of <typeparamref name="T"/>, whose size must match the tensor's element size.</summary>
    public ReadOnlySpan<T> Output<T>(int index = 0) where T : unmanaged
    {
        CheckElement<T>(CheckIndex(index, _outputs.Length, "output"), _interpreter.Graph.Outputs);
        return _interpreter.Output<T>(index);
    }

    /// <summary>Stops the model's worker threads, if it has any.</summary>
    public void Dispose() => _interpreter.Dispose();

    private static int CheckIndex(int index, int count, string what) => (uint)index < (uint)count
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"the model has {count} {what} tensor(s)");

    private void CheckElement<T>(int index, int[] tensors) where T : unmanaged
    {
        TensorType type = _interpreter.Graph.Tensors[tensors[index]].Type;
        int size = type.ElementSize();
        if (Unsafe.SizeOf<T>() != size)
            throw new ArgumentException($"{typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes; the tensor's {type} elements are {size}", nameof(T));
    }
}
