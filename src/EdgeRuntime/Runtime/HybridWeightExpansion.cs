using System.Runtime.InteropServices;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// Dynamic-range ("hybrid") models keep int8 weights and do float math. Where a CONV_2D or DEPTHWISE_CONV_2D takes a
/// float input with a constant int8 filter, the filter is dequantized once at load (per channel where the model says
/// so) and the operator runs as a float convolution. That is the model's real-valued weights exactly, without the
/// on-the-fly input quantization of TFLite's hybrid kernels, so results are at least as accurate.
/// The expanded weights are owned memory outside the arena and are reported as such.
/// </summary>
internal static class HybridWeightExpansion
{
    public static ModelGraph Apply(ModelGraph graph, out long expandedBytes)
    {
        expandedBytes = 0;
        TensorInfo[]? tensors = null;
        foreach (OperatorNode node in graph.Operators)
        {
            if (node.Op is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D) || node.Inputs.Length < 2) continue;
            int inputIndex = node.Inputs[0], filterIndex = node.Inputs[1];
            if (inputIndex < 0 || filterIndex < 0 || inputIndex >= graph.Tensors.Length || filterIndex >= graph.Tensors.Length) continue;
            TensorInfo input = graph.Tensors[inputIndex];
            TensorInfo filter = (tensors ?? graph.Tensors)[filterIndex];
            if (input.Type != TensorType.Float32 || filter.Type != TensorType.Int8 || !filter.IsConstant) continue;
            QuantizationInfo q = filter.Quantization
                ?? throw new ModelFormatException($"{node}: int8 filter {filter} of a float convolution has no quantization");

            tensors ??= (TensorInfo[])graph.Tensors.Clone();
            if (filter.ConstantData.Length > int.MaxValue / sizeof(float))
                throw new ModelFormatException($"{node}: dequantized filter {filter} would exceed 2 GB");
            byte[] weights = new byte[filter.ConstantData.Length * sizeof(float)];
            Dequantize(filter, q, node, MemoryMarshal.Cast<byte, float>(weights.AsSpan()));
            expandedBytes += weights.Length;
            tensors[filterIndex] = new TensorInfo(filter.Index, filter.Name, TensorType.Float32, filter.Shape, null, weights);
        }
        return tensors is null
            ? graph
            : new ModelGraph(tensors, graph.Operators, graph.Inputs, graph.Outputs, graph.Description, graph.SchemaVersion, graph.FileBytes);
    }

    /// <summary>Bytes <see cref="Apply"/> will allocate for <paramref name="graph"/> (4 per int8 weight it dequantizes), from the shapes.</summary>
    public static long EstimateBytes(ModelGraph graph)
    {
        long total = 0;
        var seen = new HashSet<int>();
        foreach (OperatorNode node in graph.Operators)
        {
            if (node.Op is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D) || node.Inputs.Length < 2) continue;
            int inputIndex = node.Inputs[0], filterIndex = node.Inputs[1];
            if (inputIndex < 0 || filterIndex < 0 || inputIndex >= graph.Tensors.Length || filterIndex >= graph.Tensors.Length) continue;
            TensorInfo input = graph.Tensors[inputIndex], filter = graph.Tensors[filterIndex];
            if (input.Type == TensorType.Float32 && filter.Type == TensorType.Int8 && filter.IsConstant && seen.Add(filterIndex))
                total += filter.ConstantData.Length * (long)sizeof(float);
        }
        return total;
    }

    private static void Dequantize(TensorInfo filter, QuantizationInfo q, OperatorNode node, Span<float> result)
    {
        ReadOnlySpan<sbyte> raw = MemoryMarshal.Cast<byte, sbyte>(filter.ConstantData.Span);
        if (!q.IsPerChannel)
        {
            for (int i = 0; i < raw.Length; i++) result[i] = q.Scale * (raw[i] - q.ZeroPoint);
            return;
        }
        if (q.Axis < 0 || q.Axis >= filter.Rank || filter.Shape[q.Axis] != q.Scales.Length)
            throw new ModelFormatException($"{node}: per-channel quantization of {filter} does not match its axis {q.Axis}");
        int inner = 1;
        for (int d = q.Axis + 1; d < filter.Rank; d++) inner *= filter.Shape[d];
        int channels = q.Scales.Length;
        for (int i = 0; i < raw.Length; i++)
        {
            int c = i / inner % channels;
            long zp = q.ZeroPoints.Length == 1 ? q.ZeroPoints[0] : q.ZeroPoints[c];
            result[i] = q.Scales[c] * (raw[i] - zp);
        }
    }
}
