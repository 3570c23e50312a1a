using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Quantization;

/// <summary>What <see cref="PostTrainingQuantizer.Quantize"/> produced.</summary>
internal sealed class QuantizationResult
{
    public required ModelGraph FloatModel { get; init; }
    public required ModelGraph QuantizedModel { get; init; }
    /// <summary>The .tflite file of <see cref="QuantizedModel"/>.</summary>
    public required byte[] Bytes { get; init; }
    /// <summary>
    /// Pairs (float-model tensor, quantized-model tensor) of every activation that became int8, with the producing
    /// operator's name: what the per-layer error report compares.
    /// </summary>
    public required IReadOnlyList<(int FloatTensor, int QuantTensor, string Op)> QuantizedActivations { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    public int FoldedDequantize { get; init; }
    public int FoldedBatchNorm { get; init; }
}

/// <summary>
/// Post-training full-integer quantization: dequantize dynamic-range weights, fold batch norms, calibrate the
/// float model on sample inputs, and rewrite it to int8 (see <see cref="Int8Rewriter"/>).
/// </summary>
internal static class PostTrainingQuantizer
{
    /// <summary>The float model actually calibrated: weights dequantized, batch norms folded (when asked).</summary>
    public static ModelGraph PrepareFloat(ModelGraph model, bool foldBatchNorm = true) =>
        Prepare(model, foldBatchNorm, out _, out _).ToModel();

    private static WorkGraph Prepare(ModelGraph model, bool foldBatchNorm, out int dequantized, out int batchNorms)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("little-endian hosts only");
        WorkGraph g = WorkGraph.From(model);
        dequantized = FloatGraphPreparation.FoldWeightDequantize(g);
        batchNorms = foldBatchNorm ? BatchNormFolding.Fold(g) : 0;
        return g;
    }

    public static QuantizationResult Quantize(ModelGraph model, ICalibrationSource calibration, QuantizationOptions options,
        IProgress<(int Done, int Total, string Item)>? progress = null)
    {
        if (model.Inputs.Length != 1) throw new NotSupportedException($"the model has {model.Inputs.Length} inputs; one is supported");
        if (model.Input().Type != TensorType.Float32)
            throw new NotSupportedException($"the model input is {model.Input().Type}; a float32 (or dynamic-range) model is needed");

        WorkGraph fg = Prepare(model, options.FoldBatchNorm, out int dq, out int bn);
        ModelGraph floatModel = fg.ToModel(out int[] floatRemap);
        TensorStatistics?[] modelStats = Calibrator.Run(floatModel, calibration, options.Momentum, options.HistogramBins, progress);
        var stats = new TensorStatistics?[fg.Tensors.Count];
        for (int t = 0; t < stats.Length; t++)
            if (floatRemap[t] >= 0) stats[t] = modelStats[floatRemap[t]];

        var rewriter = new Int8Rewriter(fg, stats, options);
        WorkGraph qg = rewriter.Rewrite();
        ModelGraph quantized = qg.ToModel(out int[] quantRemap);

        var pairs = new List<(int, int, string)>();
        int[] producers = fg.Producers();
        for (int t = 0; t < fg.Tensors.Count; t++)
        {
            if (floatRemap[t] < 0 || quantRemap[t] < 0 || fg.Tensors[t].IsConstant) continue;
            if (quantized.Tensors[quantRemap[t]].Type != TensorType.Int8) continue;
            string op = producers[t] >= 0 ? $"{fg.Ops[producers[t]].Op.ToTfliteName()}#{fg.Ops[producers[t]].SourceIndex}" : "input";
            pairs.Add((floatRemap[t], quantRemap[t], op));
        }
        return new QuantizationResult
        {
            FloatModel = floatModel,
            QuantizedModel = quantized,
            Bytes = quantized.FileBytes.ToArray(),
            QuantizedActivations = pairs,
            Warnings = rewriter.Warnings,
            FoldedDequantize = dq,
            FoldedBatchNorm = bn,
        };
    }
}
