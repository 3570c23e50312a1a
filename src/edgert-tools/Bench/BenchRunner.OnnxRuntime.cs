using EdgeRuntime.Graph;
using EdgeRuntime.Onnx;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeRuntime.Bench;

/// <summary>The ONNX Runtime half of the benchmark, compiled into edgert-tools only (the device program has no ORT).</summary>
internal static partial class BenchRunner
{
    static partial void OnnxRuntimeLinked(ref bool linked) => linked = true;

    static partial void CompareOnnxRuntime(BenchSettings settings, ModelGraph graph, SegmentationModel model, BenchInput input,
        RuntimeResult ours, byte[] oursMap, TextWriter? log, ref long processPeak, ref RuntimeResult? ort, ref Comparison? comparison)
    {
        log?.WriteLine($"onnxruntime: export, {settings.Warmup} warm-up + {settings.Iterations} timed runs");
        byte[] onnx = OnnxExporter.Export(graph);
        string version = OnnxRuntimeSession.RuntimeVersion; // loads the library and OrtEnv before the baseline
        byte[] ortMap = new byte[oursMap.Length];
        RuntimeResult result;
        ProcessMemory.Settle();
        processPeak = Math.Max(processPeak, ProcessMemory.PeakRssBytes());
        bool ortReset = ProcessMemory.TryResetPeak();
        long ortRss0 = ProcessMemory.CurrentRssBytes();
        using (var session = new OnnxRuntimeSession(onnx, new OnnxRuntimeSessionSettings { Threads = settings.Threads }))
        {
            CheckSameInterface(graph, session);
            var ortDecoder = new ClassMapDecoder(model);
            Stages ortStages = Stages.Measure(settings.Warmup, settings.Iterations,
                () => input.Fill(session.InputBytes),
                session.Run,
                region => ortDecoder.Decode(session.OutputBytes, region, input.MapHeight, input.MapWidth, ortMap),
                out long ortRssAfterFirst);
            long ortPhasePeak = ProcessMemory.PeakRssBytes();
            processPeak = Math.Max(processPeak, ortPhasePeak);
            result = new RuntimeResult
            {
                Name = "onnxruntime",
                Detail = $"{version}, QDQ export, ORT_ENABLE_ALL, spinning off",
                Threads = settings.Threads,
                EndToEnd = ortStages.EndToEnd,
                Preprocess = ortStages.Preprocess,
                Inference = ortStages.Inference,
                ClassMap = ortStages.ClassMap,
                Memory = new MemoryResult
                {
                    WorkingMemoryBytes = ortRssAfterFirst - ortRss0,
                    WorkingMemoryMethod = "RSS growth over session creation + first run",
                    ModelConstantBytes = onnx.Length,
                    RssGrowthBytes = ortRssAfterFirst - ortRss0,
                    PhasePeakRssBytes = ortPhasePeak,
                    PeakWasReset = ortReset,
                },
                ClassHistogram = Histogram(ortMap),
            };
        }
        ort = result;
        comparison = new Comparison(
            Ratio(ours.EndToEnd.P50Ms, result.EndToEnd.P50Ms),
            Ratio(ours.Inference.P50Ms, result.Inference.P50Ms),
            Ratio(ours.Memory.WorkingMemoryBytes, result.Memory.WorkingMemoryBytes),
            Ratio(ours.Memory.RssGrowthBytes, result.Memory.RssGrowthBytes),
            PixelAgreement.Fraction(oursMap, ortMap));
    }

    /// <summary>The exported model must take and give exactly what ours does, or the comparison is meaningless.</summary>
    private static void CheckSameInterface(ModelGraph graph, OnnxRuntimeSession session)
    {
        TensorInfo input = graph.Input(), output = graph.Output();
        if (!session.InputShape.SequenceEqual(input.Shape.Select(d => (long)d)) || OrtType(session.InputElementType) != input.Type)
            throw new InvalidDataException($"ORT input {session.InputElementType}[{string.Join(',', session.InputShape)}] differs from {input}");
        if (!session.OutputShape.SequenceEqual(output.Shape.Select(d => (long)d)) || OrtType(session.OutputElementType) != output.Type)
            throw new InvalidDataException($"ORT output {session.OutputElementType}[{string.Join(',', session.OutputShape)}] differs from {output}");
    }

    internal static TensorType OrtType(TensorElementType t) => t switch
    {
        TensorElementType.Float => TensorType.Float32,
        TensorElementType.UInt8 => TensorType.UInt8,
        TensorElementType.Int8 => TensorType.Int8,
        TensorElementType.Int32 => TensorType.Int32,
        TensorElementType.Int64 => TensorType.Int64,
        _ => throw new NotSupportedException($"ORT element type {t}"),
    };
}
