using EdgeRuntime.Graph;

namespace EdgeRuntime.Quantization;

/// <summary>
/// Turns a dynamic-range model into a plain float32 one before calibration: DEQUANTIZE operators of constant
/// int8/uint8/float16 weights become float32 constants, and hybrid CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
/// filters (float input, int8 filter) are dequantized in place. A float32 model passes through unchanged.
/// </summary>
internal static class FloatGraphPreparation
{
    public static int FoldWeightDequantize(WorkGraph g)
    {
        int folded = 0;
        for (int i = g.Ops.Count - 1; i >= 0; i--)
        {
            WorkOp op = g.Ops[i];
            if (op.Op != BuiltinOperator.Dequantize || op.Inputs.Length != 1) continue;
            WorkTensor src = g.Tensors[op.Inputs[0]];
            if (!src.IsConstant) continue;
            WorkTensor dst = g.Tensors[op.Outputs[0]];
            dst.SetFloat(src.FloatValues());
            g.Ops.RemoveAt(i);
            folded++;
        }
        foreach (WorkOp op in g.Ops)
        {
            if (op.Op is not (BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D or BuiltinOperator.FullyConnected)) continue;
            if (g.Tensors[op.Inputs[0]].Type != TensorType.Float32) continue;
            WorkTensor filter = g.Tensors[op.Inputs[1]];
            if (filter.IsConstant && filter.Type is TensorType.Int8 or TensorType.UInt8 or TensorType.Float16)
            {
                filter.SetFloat(filter.FloatValues());
                folded++;
            }
        }
        return folded;
    }
}
