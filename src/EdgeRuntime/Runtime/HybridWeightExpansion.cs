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
public static class HybridWeightExpansion
{
    public static ModelGraph Apply(ModelGraph graph, out long expandedBytes)
    {
        expandedBytes = 0;
        TensorInfo[]? tensors = null;
        foreach (OperatorNode node in graph.Operators)
        {
            if (node.Op is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D) || node.Inputs.Length < 2) continue;
            int inputIndex = node.Inputs[0], filterIndex = node.Inputs[1];
            if (inputIndex < 0 || filterIndex < 0) continue;
            TensorInfo input = graph.Tensors[inputIndex];
            TensorInfo filter = (tensors ?? graph.Tensors)[filterIndex];
            if (input.Type != TensorType.Float32 || filter.Type != TensorType.Int8 || !filter.IsConstant) continue;
            QuantizationInfo q = filter.Quantization
                ?? throw new ModelFormatException($"{node}: int8 filter {filter} of a float convolution has no quantization");

            tensors ??= (TensorInfo[])graph.Tensors.Clone();
            float[] weights = Dequantize(filter, q, node);
            expandedBytes += weights.Length * sizeof(float);
            tensors[filterIndex] = new TensorInfo(filter.Index, filter.Name, TensorType.Float32, filter.Shape, null,
                MemoryMarshal.AsBytes(weights.AsSpan()).ToArray());
        }
        return tensors is null
            ? graph
            : new ModelGraph(tensors, graph.Operators, graph.Inputs, graph.Outputs, graph.Description, graph.SchemaVersion, graph.FileBytes);
    }

    private static float[] Dequantize(TensorInfo filter, QuantizationInfo q, OperatorNode node)
    {
        ReadOnlySpan<sbyte> raw = MemoryMarshal.Cast<byte, sbyte>(filter.ConstantData.Span);
        var result = new float[raw.Length];
        if (!q.IsPerChannel)
        {
            for (int i = 0; i < raw.Length; i++) result[i] = q.Scale * (raw[i] - q.ZeroPoint);
            return result;
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
        return result;
    }
}
