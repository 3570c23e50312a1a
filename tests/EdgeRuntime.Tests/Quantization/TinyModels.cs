using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Quantization;

/// <summary>Small float models built in code for the quantizer tests, and helpers to run them.</summary>
internal static class TinyModels
{
    public static float[] Random(Random rng, int n, float lo, float hi) =>
        Enumerable.Range(0, n).Select(_ => lo + (float)rng.NextDouble() * (hi - lo)).ToArray();

    /// <summary>
    /// input [1,8,8,3] -> conv3x3+relu6 (8) -> depthwise3x3+relu6 -> conv1x1 (8) -> add(with the first conv) ->
    /// avgpool 2x2 -> resize to 8x8 -> concat(add, resize) -> conv1x1 (5) = logits [1,8,8,5].
    /// </summary>
    public static ModelGraph Mixed(int seed = 1)
    {
        var rng = new Random(seed);
        var b = new ModelGraphBuilder { Description = "tiny float" };
        int x = b.AddTensor("input", TensorType.Float32, [1, 8, 8, 3]);
        int w1 = b.AddConstant<float>("conv1/w", TensorType.Float32, [8, 3, 3, 3], Random(rng, 216, -0.5f, 0.5f));
        int b1 = b.AddConstant<float>("conv1/b", TensorType.Float32, [8], Random(rng, 8, -0.2f, 0.2f));
        int t1 = b.AddTensor("conv1", TensorType.Float32, [1, 8, 8, 8]);
        b.AddOperator(BuiltinOperator.Conv2D, [x, w1, b1], [t1], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.Relu6, 1, 1));
        int w2 = b.AddConstant<float>("dw/w", TensorType.Float32, [1, 3, 3, 8], Random(rng, 72, -0.6f, 0.6f));
        int b2 = b.AddConstant<float>("dw/b", TensorType.Float32, [8], Random(rng, 8, -0.1f, 0.3f));
        int t2 = b.AddTensor("dw", TensorType.Float32, [1, 8, 8, 8]);
        b.AddOperator(BuiltinOperator.DepthwiseConv2D, [t1, w2, b2], [t2], new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.Relu6, 1, 1));
        int w3 = b.AddConstant<float>("proj/w", TensorType.Float32, [8, 1, 1, 8], Random(rng, 64, -0.5f, 0.5f));
        int b3 = b.AddConstant<float>("proj/b", TensorType.Float32, [8], Random(rng, 8, -0.1f, 0.1f));
        int t3 = b.AddTensor("proj", TensorType.Float32, [1, 8, 8, 8]);
        b.AddOperator(BuiltinOperator.Conv2D, [t2, w3, b3], [t3], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1));
        int t4 = b.AddTensor("add", TensorType.Float32, [1, 8, 8, 8]);
        b.AddOperator(BuiltinOperator.Add, [t1, t3], [t4], new ElementwiseOptions(FusedActivation.None));
        int t5 = b.AddTensor("pool", TensorType.Float32, [1, 4, 4, 8]);
        b.AddOperator(BuiltinOperator.AveragePool2D, [t4], [t5], new Pool2DOptions(Padding.Valid, 2, 2, 2, 2, FusedActivation.None));
        int size = b.AddConstant<int>("size", TensorType.Int32, [2], [8, 8]);
        int t6 = b.AddTensor("resize", TensorType.Float32, [1, 8, 8, 8]);
        b.AddOperator(BuiltinOperator.ResizeBilinear, [t5, size], [t6], new ResizeBilinearOptions(true, false));
        int t7 = b.AddTensor("concat", TensorType.Float32, [1, 8, 8, 16]);
        b.AddOperator(BuiltinOperator.Concatenation, [t4, t6], [t7], new ConcatenationOptions(3, FusedActivation.None));
        int w8 = b.AddConstant<float>("logits/w", TensorType.Float32, [5, 1, 1, 16], Random(rng, 80, -0.5f, 0.5f));
        int b8 = b.AddConstant<float>("logits/b", TensorType.Float32, [5], Random(rng, 5, -0.1f, 0.1f));
        int t8 = b.AddTensor("logits", TensorType.Float32, [1, 8, 8, 5]);
        b.AddOperator(BuiltinOperator.Conv2D, [t7, w8, b8], [t8], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1));
        b.SetInputs(x).SetOutputs(t8);
        return b.Build();
    }

    /// <summary>
    /// The TF Hub atrous pattern: input [1,8,8,4] -> SPACE_TO_BATCH_ND -> depthwise (no activation) -> BATCH_TO_SPACE_ND ->
    /// MUL(per-channel constant) -> ADD(per-channel constant, relu6) -> conv1x1 (3).
    /// </summary>
    public static ModelGraph BatchNormChain(int seed = 2)
    {
        var rng = new Random(seed);
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("input", TensorType.Float32, [1, 8, 8, 4]);
        int block = b.AddConstant<int>("block", TensorType.Int32, [2], [2, 2]);
        int pads = b.AddConstant<int>("pads", TensorType.Int32, [2, 2], [2, 2, 2, 2]);
        int crops = b.AddConstant<int>("crops", TensorType.Int32, [2, 2], [0, 0, 0, 0]);
        int s2b = b.AddTensor("s2b", TensorType.Float32, [4, 6, 6, 4]);
        b.AddOperator(BuiltinOperator.SpaceToBatchND, [x, block, pads], [s2b]);
        int w = b.AddConstant<float>("dw/w", TensorType.Float32, [1, 3, 3, 4], Random(rng, 36, -1f, 1f));
        int bias = b.AddConstant<float>("dw/b", TensorType.Float32, [4], new float[4]);
        int dw = b.AddTensor("dw", TensorType.Float32, [4, 4, 4, 4]);
        b.AddOperator(BuiltinOperator.DepthwiseConv2D, [s2b, w, bias], [dw], new DepthwiseConv2DOptions(Padding.Valid, 1, 1, 1, FusedActivation.None, 1, 1));
        int b2s = b.AddTensor("b2s", TensorType.Float32, [1, 8, 8, 4]);
        b.AddOperator(BuiltinOperator.BatchToSpaceND, [dw, block, crops], [b2s]);
        int m = b.AddConstant<float>("bn/mul", TensorType.Float32, [4], Random(rng, 4, 0.5f, 2f));
        int mo = b.AddTensor("bn/mul_out", TensorType.Float32, [1, 8, 8, 4]);
        b.AddOperator(BuiltinOperator.Mul, [b2s, m], [mo], new ElementwiseOptions(FusedActivation.None));
        int a = b.AddConstant<float>("bn/add", TensorType.Float32, [4], Random(rng, 4, -0.5f, 0.5f));
        int ao = b.AddTensor("bn/add_out", TensorType.Float32, [1, 8, 8, 4]);
        b.AddOperator(BuiltinOperator.Add, [mo, a], [ao], new ElementwiseOptions(FusedActivation.Relu6));
        int w2 = b.AddConstant<float>("proj/w", TensorType.Float32, [3, 1, 1, 4], Random(rng, 12, -1f, 1f));
        int o = b.AddTensor("out", TensorType.Float32, [1, 8, 8, 3]);
        b.AddOperator(BuiltinOperator.Conv2D, [ao, w2], [o], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1));
        b.SetInputs(x).SetOutputs(o);
        return b.Build();
    }

    public static float[] RunFloat(ModelGraph g, float[] input)
    {
        var it = Interpreter.Create(g);
        MemoryMarshal.AsBytes(input.AsSpan()).CopyTo(it.InputBytes());
        it.Invoke();
        return it.Output<float>().ToArray();
    }

    public static List<float[]> Samples(int count, int elements, int seed) =>
        Enumerable.Range(0, count).Select(i => Random(new Random(seed * 1000 + i), elements, -1f, 1f)).ToList();
}
