using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// The builtin operators, one registration per operator (each lives in this folder), in the style of TensorFlow Lite
/// Micro's MicroMutableOpResolver: a program registers the operators it runs and only those are linked into a
/// NativeAOT binary. A model with an operator its registry lacks fails at load with the operator's name.
/// </summary>
internal static class BuiltinOperators
{
    public static OperatorRegistry AddConv2D(this OperatorRegistry r) => r.Add(new Conv2DOperator());
    public static OperatorRegistry AddDepthwiseConv2D(this OperatorRegistry r) => r.Add(new DepthwiseConv2DOperator());
    public static OperatorRegistry AddAveragePool2D(this OperatorRegistry r) => r.Add(new AveragePool2DOperator());
    public static OperatorRegistry AddAdd(this OperatorRegistry r) => r.Add(new AddOperator());
    public static OperatorRegistry AddMul(this OperatorRegistry r) => r.Add(new MulOperator());
    public static OperatorRegistry AddResizeBilinear(this OperatorRegistry r) => r.Add(new ResizeBilinearOperator());
    public static OperatorRegistry AddConcatenation(this OperatorRegistry r) => r.Add(new ConcatenationOperator());
    public static OperatorRegistry AddArgMax(this OperatorRegistry r) => r.Add(new ArgMaxOperator());
    public static OperatorRegistry AddQuantize(this OperatorRegistry r) => r.Add(new QuantizeOperator());
    public static OperatorRegistry AddDequantize(this OperatorRegistry r) => r.Add(new DequantizeOperator());
    public static OperatorRegistry AddSpaceToBatchNd(this OperatorRegistry r) => r.Add(new SpaceToBatchNdOperator());
    public static OperatorRegistry AddBatchToSpaceNd(this OperatorRegistry r) => r.Add(new BatchToSpaceNdOperator());
    public static OperatorRegistry AddTile(this OperatorRegistry r) => r.Add(new TileOperator());
    public static OperatorRegistry AddReshape(this OperatorRegistry r) => r.Add(new ReshapeOperator());
    public static OperatorRegistry AddSqueeze(this OperatorRegistry r) => r.Add(new SqueezeOperator());

    /// <summary>RESIZE_BILINEAR + ARG_MAX as one operator (Runtime/OperatorFusion.cs), used unless fusion is off.</summary>
    public static OperatorRegistry AddResizeBilinearArgMaxFusion(this OperatorRegistry r) => r.AddFused(new ResizeBilinearArgMaxOperator());

    /// <summary>MUL then ADD of per-channel constants (un-folded batch norm) as one table lookup per element, unless fusion is off.</summary>
    public static OperatorRegistry AddMulAddChannelTableFusion(this OperatorRegistry r) => r.AddFused(new MulAddChannelTableOperator());

    /// <summary>
    /// DEPTHWISE_CONV_2D into a fused MUL+ADD (a second fusion pass): the table applied to each depthwise output row as it
    /// is written. Register after <see cref="AddMulAddChannelTableFusion"/>; unless fusion is off.
    /// </summary>
    public static OperatorRegistry AddDepthwiseChannelTableFusion(this OperatorRegistry r) => r.AddFused(new DepthwiseChannelTableOperator(new DepthwiseConv2DOperator()));

    /// <summary>
    /// What the DeepLab segmentation models need (every model in ../shared/models that runs: Coral, TOCO, TF Hub
    /// dynamic-range and int8, the float 257): the device program's registry.
    /// </summary>
    public static OperatorRegistry DeepLab() => new OperatorRegistry()
        .AddConv2D()
        .AddDepthwiseConv2D()
        .AddAveragePool2D()
        .AddAdd()
        .AddMul()
        .AddResizeBilinear()
        .AddConcatenation()
        .AddArgMax()
        .AddQuantize()
        .AddDequantize()
        .AddSpaceToBatchNd()
        .AddBatchToSpaceNd()
        .AddTile()
        .AddResizeBilinearArgMaxFusion()
        .AddMulAddChannelTableFusion()
        .AddDepthwiseChannelTableFusion();

    /// <summary>Every operator EdgeRuntime runs: DeepLab's and RESHAPE, SQUEEZE.</summary>
    public static OperatorRegistry All() => DeepLab()
        .AddReshape()
        .AddSqueeze();
}
