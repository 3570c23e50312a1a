using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Quantization;

/// <summary>
/// Runs a float model on calibration samples with every intermediate tensor preserved and records
/// <see cref="TensorStatistics"/> for each float activation (graph inputs included).
/// </summary>
internal static class Calibrator
{
    public static TensorStatistics?[] Run(ModelGraph floatGraph, ICalibrationSource source, float momentum = 0.9f, int bins = 2048,
        IProgress<(int Done, int Total, string Item)>? progress = null)
    {
        var interpreter = Interpreter.Create(floatGraph, new InterpreterOptions { PreserveAllTensors = true });
        var stats = new TensorStatistics?[floatGraph.Tensors.Length];
        var tracked = new List<int>();
        foreach (TensorInfo t in floatGraph.Tensors)
        {
            if (t.IsConstant || t.Type != TensorType.Float32) continue;
            stats[t.Index] = new TensorStatistics(t.Rank == 0 ? 1 : Math.Max(1, t.Shape[^1]), bins);
            tracked.Add(t.Index);
        }
        for (int i = 0; i < source.Count; i++)
        {
            progress?.Report((i, source.Count, source.Name(i)));
            source.Fill(i, interpreter.InputBytes());
            interpreter.Invoke();
            foreach (int t in tracked)
                stats[t]!.Add(MemoryMarshal.Cast<byte, float>(interpreter.TensorBytes(t)), momentum);
        }
        progress?.Report((source.Count, source.Count, ""));
        return stats;
    }
}
