using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>What ADD and MUL share in Prepare: types, numpy broadcasting up to rank 4, fused activation, in-place choice.</summary>
internal sealed class BinaryElementwiseSetup
{
    public required TensorType Type { get; init; }
    public required Shape4 Shape1 { get; init; }
    public required Shape4 Shape2 { get; init; }
    public required Shape4 OutputShape { get; init; }
    public required int Input1 { get; init; }
    public required int Input2 { get; init; }
    public required int Output { get; init; }
    public required int InPlaceInput { get; init; }
    public required FusedActivation Activation { get; init; }
    public (float Scale, int ZeroPoint) Q1 { get; init; }
    public (float Scale, int ZeroPoint) Q2 { get; init; }
    public (float Scale, int ZeroPoint) QOut { get; init; }
    public int ActivationMin { get; init; }
    public int ActivationMax { get; init; }
    public float FloatActivationMin { get; init; }
    public float FloatActivationMax { get; init; }

    public static BinaryElementwiseSetup Create(OperatorNode node, ModelGraph graph, BuiltinOperator op, int maxVersion)
    {
        OpHelpers.CheckOp(node, op, maxVersion);
        OpHelpers.CheckCounts(node, 2, 2, 1);
        TensorInfo in1 = OpHelpers.Input(node, graph, 0), in2 = OpHelpers.Input(node, graph, 1), output = OpHelpers.Output(node, graph);
        FusedActivation activation = (node.Options as ElementwiseOptions)?.Activation ?? FusedActivation.None;
        OpHelpers.RequireType(node, output, "output", TensorType.Float32, TensorType.UInt8, TensorType.Int8);
        OpHelpers.RequireSameType(node, in1, output);
        OpHelpers.RequireSameType(node, in2, output);
        Shape4 s1 = OpHelpers.Shape4Of(node, in1, "input 1"), s2 = OpHelpers.Shape4Of(node, in2, "input 2"), so = OpHelpers.Shape4Of(node, output, "output");
        Shape4? broadcast = Kernels.Reference.Broadcast4.BroadcastShape(s1, s2);
        if (broadcast is null) throw new ModelFormatException($"{node}: shapes {in1} and {in2} do not broadcast");
        if (broadcast.Value != so || output.Rank != Math.Max(in1.Rank, in2.Rank))
            throw new ModelFormatException($"{node}: output {output} is not the broadcast of {in1} and {in2} ({broadcast.Value})");
        if (activation is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.Relu6 or FusedActivation.ReluN1To1))
            throw new UnsupportedOperatorException(node, $"fused activation {activation} is not supported");

        // The output may reuse an operand's buffer when that operand already has the output's full shape:
        // every kernel reads that operand's element at the very offset it then writes.
        int inPlace = s1 == so && in1.Type == output.Type ? 0 : s2 == so && in2.Type == output.Type ? 1 : -1;

        if (output.Type == TensorType.Float32)
        {
            var (fmin, fmax) = FixedPoint.ActivationRange(activation);
            return new BinaryElementwiseSetup
            {
                Type = output.Type, Shape1 = s1, Shape2 = s2, OutputShape = so,
                Input1 = node.Inputs[0], Input2 = node.Inputs[1], Output = node.Outputs[0], InPlaceInput = inPlace,
                Activation = activation, FloatActivationMin = fmin, FloatActivationMax = fmax,
            };
        }
        var q1 = OpHelpers.PerTensor(node, in1);
        var q2 = OpHelpers.PerTensor(node, in2);
        var qo = OpHelpers.PerTensor(node, output);
        var (qmin, qmax) = OpHelpers.QuantizedRange(output.Type);
        var (amin, amax) = FixedPoint.ActivationRange(activation, qo.Scale, qo.ZeroPoint, qmin, qmax);
        return new BinaryElementwiseSetup
        {
            Type = output.Type, Shape1 = s1, Shape2 = s2, OutputShape = so,
            Input1 = node.Inputs[0], Input2 = node.Inputs[1], Output = node.Outputs[0], InPlaceInput = inPlace,
            Activation = activation, Q1 = q1, Q2 = q2, QOut = qo, ActivationMin = amin, ActivationMax = amax,
        };
    }
}
