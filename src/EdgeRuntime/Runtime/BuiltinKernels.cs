using EdgeRuntime.Ops;

namespace EdgeRuntime.Runtime;

/// <summary>The list of builtin kernels, one line per operator (each lives in Ops/), then the fused kernels.</summary>
internal static class BuiltinKernels
{
    public static OperatorRegistry Register(OperatorRegistry registry) => registry
        .Add(new Conv2DOperator())
        .Add(new DepthwiseConv2DOperator())
        .Add(new AveragePool2DOperator())
        .Add(new AddOperator())
        .Add(new MulOperator())
        .Add(new ResizeBilinearOperator())
        .Add(new ConcatenationOperator())
        .Add(new ArgMaxOperator())
        .Add(new QuantizeOperator())
        .Add(new DequantizeOperator())
        .Add(new SpaceToBatchNdOperator())
        .Add(new BatchToSpaceNdOperator())
        .Add(new TileOperator())
        .Add(new ReshapeOperator())
        .Add(new SqueezeOperator())
        // Fused pairs (Runtime/OperatorFusion.cs): used unless fusion is turned off.
        .AddFused(new ResizeBilinearArgMaxOperator());
}
