using EdgeRuntime.Graph;

namespace EdgeRuntime.Ops;

/// <summary>
/// A quantized ADD/MUL operand that is a constant of shape [C], [1,1,1,C] (or one element) broadcast over the other
/// operand, which has the output's full shape: the case a <see cref="Kernels.Elementwise.ChannelByteTable"/> computes.
/// </summary>
internal sealed class ChannelConstantOperand
{
    private readonly int[] _codes;

    private ChannelConstantOperand(int constantInput, int[] codes) => (ConstantInput, _codes) = (constantInput, codes);

    /// <summary>0 or 1: which of the node's two inputs is the constant.</summary>
    public int ConstantInput { get; }

    /// <summary>The other input (index into the node's inputs): the one read at run time.</summary>
    public int VariableInput => 1 - ConstantInput;

    /// <summary>1 (a scalar) or the output's channel count.</summary>
    public int Channels => _codes.Length;

    /// <summary>The constant's code for channel c (a scalar serves every channel).</summary>
    public int Code(int channel) => _codes[_codes.Length == 1 ? 0 : channel];

    /// <summary>
    /// <paramref name="op"/>(q1, q2) with the constant's code for <paramref name="channel"/> in its place and
    /// <paramref name="variable"/> in the other: the operand order of the node, which the arithmetic depends on.
    /// </summary>
    public int Apply(Func<int, int, int> op, int channel, int variable) =>
        ConstantInput == 0 ? op(Code(channel), variable) : op(variable, Code(channel));

    /// <summary>The constant operand of a validated quantized ADD/MUL, or null when neither input is one.</summary>
    public static ChannelConstantOperand? Find(OperatorNode node, ModelGraph graph, BinaryElementwiseSetup s)
    {
        if (s.Type is not (TensorType.UInt8 or TensorType.Int8) || node.Inputs.Length != 2) return null;
        for (int k = 0; k < 2; k++)
        {
            Kernels.Shape4 constant = k == 0 ? s.Shape1 : s.Shape2, variable = k == 0 ? s.Shape2 : s.Shape1;
            int index = node.Inputs[k];
            if ((uint)index >= (uint)graph.Tensors.Length || !graph.Tensors[index].IsConstant) continue;
            if (variable != s.OutputShape || constant.N != 1 || constant.H != 1 || constant.W != 1) continue;
            if (constant.C != 1 && constant.C != s.OutputShape.C) continue;
            ReadOnlySpan<byte> data = graph.Tensors[index].ConstantData.Span;
            if (data.Length < constant.C) continue;
            var codes = new int[constant.C];
            for (int c = 0; c < codes.Length; c++) codes[c] = s.Type == TensorType.Int8 ? (sbyte)data[c] : data[c];
            return new ChannelConstantOperand(k, codes);
        }
        return null;
    }
}
