using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Ota;

/// <summary>Tiny segmentation models built in code: uint8 input [1,S,S,3] -> CONV_2D layers -> logits -> ARG_MAX int32 [1,S,S].</summary>
internal static class OtaTestModels
{
    /// <param name="seed">Different seeds give different weights (so different files and class maps).</param>
    /// <param name="size">Input height = width.</param>
    /// <param name="heavyLayers">Extra 3x3 16->16 conv layers (a genuinely slower model).</param>
    /// <param name="hardSwish">Adds a HARD_SWISH, which our interpreter does not support.</param>
    public static byte[] Build(int seed, int size = 8, int classes = 4, int heavyLayers = 0, bool hardSwish = false)
    {
        var rng = new Random(seed);
        var b = new ModelGraphBuilder { Description = $"ota-test seed={seed} size={size} heavy={heavyLayers}" };
        var qIn = QuantizationInfo.PerTensor(0.0078125f, 128);
        var qAct = QuantizationInfo.PerTensor(0.05f, 128);
        int x = b.AddTensor("input", TensorType.UInt8, [1, size, size, 3], qIn);
        int current = x;
        int channels = 3;
        float inScale = 0.0078125f;
        if (heavyLayers > 0)
        {
            current = Conv(b, rng, current, channels, 16, 3, size, inScale, qAct, "stem");
            channels = 16;
            inScale = 0.05f;
            for (int i = 0; i < heavyLayers; i++) current = Conv(b, rng, current, 16, 16, 3, size, inScale, qAct, "heavy" + i);
        }
        int logits = Conv(b, rng, current, channels, classes, 1, size, inScale, qAct, "logits");
        if (hardSwish)
        {
            int hs = b.AddTensor("hswish", TensorType.UInt8, [1, size, size, classes], qAct);
            b.AddOperator(BuiltinOperator.HardSwish, [logits], [hs]);
            logits = hs;
        }
        int axis = b.AddConstant<int>("axis", TensorType.Int32, [1], [3]);
        int ids = b.AddTensor("class_ids", TensorType.Int32, [1, size, size]);
        b.AddOperator(BuiltinOperator.ArgMax, [logits, axis], [ids], new ArgMaxOptions(TensorType.Int32));
        b.SetInputs(x).SetOutputs(ids);
        return b.ToBytes();
    }

    private static int Conv(ModelGraphBuilder b, Random rng, int input, int inC, int outC, int k, int size, float inScale, QuantizationInfo qOut, string name)
    {
        const float wScale = 0.02f;
        var w = new byte[outC * k * k * inC];
        for (int i = 0; i < w.Length; i++) w[i] = (byte)rng.Next(0, 256);
        var bias = new int[outC];
        for (int i = 0; i < outC; i++) bias[i] = rng.Next(-2000, 2000);
        int wt = b.AddConstant<byte>(name + "_w", TensorType.UInt8, [outC, k, k, inC], w, QuantizationInfo.PerTensor(wScale, 128));
        int bt = b.AddConstant<int>(name + "_b", TensorType.Int32, [outC], bias, QuantizationInfo.PerTensor(inScale * wScale, 0));
        int y = b.AddTensor(name + "_out", TensorType.UInt8, [1, size, size, outC], qOut);
        b.AddOperator(BuiltinOperator.Conv2D, [input, wt, bt], [y], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1));
        return y;
    }
}
