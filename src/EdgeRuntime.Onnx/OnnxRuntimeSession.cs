using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeRuntime.Onnx;

/// <summary>How to build an <see cref="OnnxRuntimeSession"/>.</summary>
public sealed record OnnxRuntimeSessionSettings
{
    /// <summary>IntraOpNumThreads: 1 = single-threaded (the default, as edgert on one core), N = ORT's own pool of N.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>If set, ORT writes the graph it will actually run (after QDQ fusion) here; see <see cref="OnnxGraphSummary"/>.</summary>
    public string? OptimizedModelPath { get; init; }
    /// <summary>If set, ORT's per-node profiler writes a JSON trace with this prefix; <see cref="OnnxRuntimeSession.EndProfiling"/> returns its path.</summary>
    public string? ProfilePrefix { get; init; }
    /// <summary>Let idle pool threads spin (ORT's default). Off by default here: on a shared board spinning burns cores.</summary>
    public bool AllowSpinning { get; init; }
    /// <summary>
    /// ORT fuses int8-activation QDQ Conv/MatMul into QLinearConv only on ARM by default (x86 without VNNI can
    /// saturate in u8s8 dot products). null keeps ORT's platform default; true/false sets "session.qdqisint8allowed".
    /// </summary>
    public bool? QdqInt8Allowed { get; init; }
}

/// <summary>
/// One exported model in ONNX Runtime, single input and single output, with the input and output tensors
/// preallocated (pinned managed arrays wrapped as OrtValues and bound once with an IoBinding), so a run
/// allocates no tensors: write the input (<see cref="InputBytes"/> or <see cref="Run(ReadOnlySpan{byte})"/>), run,
/// read <see cref="Output{T}"/>. Not thread-safe: one session per thread.
/// </summary>
public sealed class OnnxRuntimeSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly Array _inputArray;
    private readonly Array _outputArray;
    private OrtValue _input;
    private readonly OrtValue _output;
    private bool _disposed;

    public OnnxRuntimeSession(byte[] onnxModel, OnnxRuntimeSessionSettings? settings = null)
    {
        settings ??= new OnnxRuntimeSessionSettings();
        if (settings.Threads < 1) throw new ArgumentOutOfRangeException(nameof(settings), settings.Threads, "threads must be at least 1");
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = settings.Threads,
            InterOpNumThreads = 1,
        };
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", settings.AllowSpinning ? "1" : "0");
        if (settings.QdqInt8Allowed is bool int8) _options.AddSessionConfigEntry("session.qdqisint8allowed", int8 ? "1" : "0");
        if (settings.OptimizedModelPath is not null) _options.OptimizedModelFilePath = settings.OptimizedModelPath;
        if (settings.ProfilePrefix is not null)
        {
            _options.EnableProfiling = true;
            _options.ProfileOutputPathPrefix = settings.ProfilePrefix;
        }
        try
        {
            _session = new InferenceSession(onnxModel, _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }

        if (_session.InputMetadata.Count != 1 || _session.OutputMetadata.Count != 1)
        {
            _session.Dispose();
            _options.Dispose();
            throw new NotSupportedException($"expected one input and one output, the model has {_session.InputMetadata.Count} and {_session.OutputMetadata.Count}");
        }
        var (inName, inMeta) = _session.InputMetadata.First();
        var (outName, outMeta) = _session.OutputMetadata.First();
        InputName = inName;
        OutputName = outName;
        InputShape = Array.ConvertAll(inMeta.Dimensions, d => (long)d);
        OutputShape = Array.ConvertAll(outMeta.Dimensions, d => (long)d);
        if (InputShape.Any(d => d < 0) || OutputShape.Any(d => d < 0))
            throw new NotSupportedException("dynamic shapes are not supported: the exporter writes static NHWC shapes");
        InputElementType = inMeta.ElementDataType;
        OutputElementType = outMeta.ElementDataType;

        _inputArray = AllocatePinned(InputElementType, Count(InputShape));
        _outputArray = AllocatePinned(OutputElementType, Count(OutputShape));
        _input = Wrap(_inputArray, InputShape);
        _output = Wrap(_outputArray, OutputShape);
        _runOptions = new RunOptions();
        _binding = _session.CreateIoBinding();
        _binding.BindInput(InputName, _input);
        _binding.BindOutput(OutputName, _output);
    }

    /// <summary>
    /// ONNX Runtime's version string. The first call loads libonnxruntime and creates the process-wide OrtEnv, so a
    /// memory measurement can take its baseline after it (library and environment are not a session's cost).
    /// </summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    public string InputName { get; }
    public string OutputName { get; }
    public long[] InputShape { get; }
    public long[] OutputShape { get; }
    public TensorElementType InputElementType { get; }
    public TensorElementType OutputElementType { get; }

    /// <summary>The bound input tensor's bytes (NHWC, the TFLite layout). Write the frame here, then <see cref="Run()"/>.</summary>
    public Span<byte> InputBytes => AsBytes(_inputArray);

    public ReadOnlySpan<byte> OutputBytes => AsBytes(_outputArray);

    /// <summary>The output as its element type: long (class ids from ArgMax), int, float (logits), byte/sbyte.</summary>
    public ReadOnlySpan<T> Output<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(OutputBytes);

    /// <summary>Runs on whatever <see cref="InputBytes"/> (or the buffer given to <see cref="BindInput{T}"/>) holds.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _session.RunWithBinding(_runOptions, _binding);
    }

    /// <summary>Copies <paramref name="input"/> (exactly the input tensor's byte size) into the bound buffer and runs.</summary>
    public void Run(ReadOnlySpan<byte> input)
    {
        Span<byte> dst = InputBytes;
        if (input.Length != dst.Length)
            throw new ArgumentException($"input has {input.Length} bytes, the model's {InputElementType}[{string.Join(',', InputShape)}] needs {dst.Length}", nameof(input));
        input.CopyTo(dst);
        Run();
    }

    /// <summary>
    /// Zero-copy: binds the caller's buffer as the input tensor (ORT reads it in place; it stays pinned until
    /// the next BindInput or Dispose). <typeparamref name="T"/> must match the input element type.
    /// </summary>
    public void BindInput<T>(Memory<T> buffer) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.Length != Count(InputShape)) throw new ArgumentException($"buffer has {buffer.Length} elements, the input needs {Count(InputShape)}", nameof(buffer));
        OrtValue value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer, InputShape);
        if (value.GetTensorTypeAndShape().ElementDataType != InputElementType)
        {
            value.Dispose();
            throw new ArgumentException($"buffer of {typeof(T).Name} does not match the input type {InputElementType}", nameof(buffer));
        }
        _binding.BindInput(InputName, value);
        _input.Dispose();
        _input = value;
    }

    /// <summary>Stops the profiler (if <see cref="OnnxRuntimeSessionSettings.ProfilePrefix"/> was set) and returns the trace file.</summary>
    public string EndProfiling() => _session.EndProfiling();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _binding.Dispose();
        _runOptions.Dispose();
        _input.Dispose();
        _output.Dispose();
        _session.Dispose();
        _options.Dispose();
    }

    private static long Count(long[] shape)
    {
        long n = 1;
        foreach (long d in shape) n *= d;
        return n;
    }

    private static Array AllocatePinned(TensorElementType type, long count) => type switch
    {
        TensorElementType.UInt8 => GC.AllocateArray<byte>(checked((int)count), pinned: true),
        TensorElementType.Int8 => GC.AllocateArray<sbyte>(checked((int)count), pinned: true),
        TensorElementType.Float => GC.AllocateArray<float>(checked((int)count), pinned: true),
        TensorElementType.Int32 => GC.AllocateArray<int>(checked((int)count), pinned: true),
        TensorElementType.Int64 => GC.AllocateArray<long>(checked((int)count), pinned: true),
        _ => throw new NotSupportedException($"tensor element type {type}"),
    };

    // Dispatch on the exact runtime type: the CLR lets byte[] and sbyte[] pass for each other in `is` tests.
    private static OrtValue Wrap(Array array, long[] shape)
    {
        Type t = array.GetType();
        if (t == typeof(byte[])) return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ((byte[])array).AsMemory(), shape);
        if (t == typeof(sbyte[])) return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ((sbyte[])array).AsMemory(), shape);
        if (t == typeof(float[])) return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ((float[])array).AsMemory(), shape);
        if (t == typeof(int[])) return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ((int[])array).AsMemory(), shape);
        if (t == typeof(long[])) return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ((long[])array).AsMemory(), shape);
        throw new NotSupportedException(t.Name);
    }

    private static Span<byte> AsBytes(Array array)
    {
        Type t = array.GetType();
        if (t == typeof(byte[])) return (byte[])array;
        if (t == typeof(sbyte[])) return MemoryMarshal.AsBytes(((sbyte[])array).AsSpan());
        if (t == typeof(float[])) return MemoryMarshal.AsBytes(((float[])array).AsSpan());
        if (t == typeof(int[])) return MemoryMarshal.AsBytes(((int[])array).AsSpan());
        if (t == typeof(long[])) return MemoryMarshal.AsBytes(((long[])array).AsSpan());
        throw new NotSupportedException(t.Name);
    }
}
