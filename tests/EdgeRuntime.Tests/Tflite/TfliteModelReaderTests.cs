using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>The real models load, and what they contain matches /work/shared/PROVENANCE.md "What each model is".</summary>
public class TfliteModelReaderTests
{
    public static TheoryData<string> AllModels() => new(SharedData.RunnableModels.Append(SharedData.MediapipeSelfie));

    [Theory]
    [MemberData(nameof(AllModels))]
    public void EveryModelLoadsAndIsConsistent(string model)
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(model));
        Assert.Equal(3, g.SchemaVersion);
        Assert.NotEmpty(g.Operators);
        Assert.Single(g.Inputs);
        Assert.Single(g.Outputs);
        foreach (TensorInfo t in g.Tensors.Where(t => t.IsConstant))
        {
            Assert.Equal(t.ByteSize, t.ConstantData.Length);
            // Constants are slices of the file, not copies.
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(t.ConstantData, out var seg));
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(g.FileBytes, out var file));
            Assert.Same(file.Array, seg.Array);
        }
        foreach (OperatorNode op in g.Operators)
            foreach (int o in op.Outputs) Assert.False(g.Tensors[o].IsConstant);
    }

    private static Dictionary<string, int> Histogram(ModelGraph g) =>
        g.Operators.GroupBy(o => o.DisplayName).ToDictionary(x => x.Key, x => x.Count());

    [Theory]
    [InlineData(SharedData.CoralDm1)]
    [InlineData(SharedData.CoralDm05)]
    public void CoralUint8ModelsMatchTheSpec(string model)
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(model));
        Assert.Equal("MLIR Converted.", g.Description);

        TensorInfo input = g.Input();
        Assert.Equal(TensorType.UInt8, input.Type);
        Assert.Equal([1, 513, 513, 3], input.Shape);
        Assert.Equal(0.0078125f, input.Quantization!.Scale);
        Assert.Equal(128, input.Quantization.ZeroPoint);

        TensorInfo output = g.Output();
        Assert.Equal(TensorType.Int64, output.Type);
        Assert.Equal([1, 513, 513], output.Shape);

        Assert.Equal(72, g.Operators.Length);
        var expected = new Dictionary<string, int>
        {
            ["CONV_2D"] = 38, ["DEPTHWISE_CONV_2D"] = 17, ["ADD"] = 10, ["AVERAGE_POOL_2D"] = 1,
            ["RESIZE_BILINEAR"] = 3, ["QUANTIZE"] = 1, ["CONCATENATION"] = 1, ["ARG_MAX"] = 1,
        };
        Assert.Equal(expected.OrderBy(x => x.Key), Histogram(g).OrderBy(x => x.Key));
        Assert.All(g.Operators.Where(o => o.Op == BuiltinOperator.DepthwiseConv2D), o => Assert.Equal(2, o.Version));

        OperatorNode argMax = g.Operators.Single(o => o.Op == BuiltinOperator.ArgMax);
        Assert.Equal(new ArgMaxOptions(TensorType.Int64), argMax.Options);
        Assert.Equal(g.Outputs[0], argMax.Outputs[0]);

        // Output stride 16: 33x33 logits with 21 classes (dm1.0: uint8 scale ~0.2015 zp 36).
        TensorInfo logits = g.Tensors[g.Operators.Last(o => o.Op == BuiltinOperator.Conv2D).Outputs[0]];
        Assert.Equal([1, 33, 33, 21], logits.Shape);
        Assert.Equal(TensorType.UInt8, logits.Type);
        if (model == SharedData.CoralDm1)
        {
            Assert.InRange(logits.Quantization!.Scale, 0.2014f, 0.2016f);
            Assert.Equal(36, logits.Quantization.ZeroPoint);
        }

        // Every option record the interpreter needs is present and plausible.
        foreach (OperatorNode o in g.Operators)
        {
            switch (o.Options)
            {
                case Conv2DOptions c: Assert.InRange(c.StrideW, 1, 2); Assert.True(c.DilationW >= 1 && c.DilationH >= 1); break;
                case DepthwiseConv2DOptions d: Assert.Equal(1, d.DepthMultiplier); Assert.True(d.DilationW >= 1); break;
                case ResizeBilinearOptions r: Assert.True(r.AlignCorners); Assert.False(r.HalfPixelCenters); break;
                case ConcatenationOptions c: Assert.Equal(3, c.Axis); break;
            }
            if (o.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D or BuiltinOperator.Add or BuiltinOperator.AveragePool2D
                or BuiltinOperator.ResizeBilinear or BuiltinOperator.Concatenation or BuiltinOperator.ArgMax)
                Assert.NotNull(o.Options);
        }
        // Some depthwise convs are atrous (dilated) in DeepLab's backbone.
        Assert.Contains(g.Operators, o => o.Options is DepthwiseConv2DOptions { DilationW: > 1 });
    }

    [Theory]
    [InlineData(SharedData.TocoDm1)]
    [InlineData(SharedData.TocoDm05)]
    public void TocoModelsHaveNoQuantizeAndMixedDepthwiseVersions(string model)
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(model));
        Assert.Equal("TOCO Converted.", g.Description);
        Assert.Equal(71, g.Operators.Length);
        Assert.DoesNotContain(g.Operators, o => o.Op == BuiltinOperator.Quantize);
        var dwVersions = g.Operators.Where(o => o.Op == BuiltinOperator.DepthwiseConv2D).Select(o => o.Version).Distinct().Order();
        Assert.Equal([1, 2], dwVersions);
        Assert.Equal([1, 513, 513, 3], g.Input().Shape);
        Assert.Equal(TensorType.Int64, g.Output().Type);
    }

    [Fact]
    public void CityscapesModelAddsTile()
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(SharedData.CoralCityscapes));
        Assert.Equal(84, g.Operators.Length);
        Assert.Equal(1, Histogram(g)["TILE"]);
        Assert.Null(g.Operators.Single(o => o.Op == BuiltinOperator.Tile).Options);
        Assert.Equal([1, 513, 513], g.Output().Shape);
    }

    [Theory]
    [InlineData(SharedData.HubInt8, 112, 2, new[] { 1, 65, 65, 21 })]
    [InlineData(SharedData.HubInt8Dm05, 113, 3, new[] { 1, 513, 513, 21 })]
    public void HubInt8ModelsArePerChannelInt8(string model, int ops, int resizes, int[] outputShape)
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(model));
        Assert.Equal(ops, g.Operators.Length);
        var h = Histogram(g);
        Assert.Equal(38, h["CONV_2D"]);
        Assert.Equal(17, h["DEPTHWISE_CONV_2D"]);
        Assert.Equal(20, h["ADD"]);
        Assert.Equal(10, h["MUL"]);
        Assert.Equal(10, h["SPACE_TO_BATCH_ND"]);
        Assert.Equal(10, h["BATCH_TO_SPACE_ND"]);
        Assert.Equal(resizes, h["RESIZE_BILINEAR"]);
        Assert.Equal(2, h["QUANTIZE"]);
        Assert.Equal(1, h["DEQUANTIZE"]);
        Assert.All(g.Operators.Where(o => o.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D), o => Assert.Equal(3, o.Version));

        Assert.Equal(TensorType.Float32, g.Input().Type);
        Assert.Equal([1, 513, 513, 3], g.Input().Shape);
        Assert.Equal(TensorType.Float32, g.Output().Type);
        Assert.Equal(outputShape, g.Output().Shape);

        // The input QUANTIZE maps [-1, 1] to int8 with scale 1/127.5, zero point 0 (or -1 after rounding).
        OperatorNode quantize = g.Operators.First(o => o.Op == BuiltinOperator.Quantize && o.Inputs[0] == g.Inputs[0]);
        QuantizationInfo q = g.Tensors[quantize.Outputs[0]].Quantization!;
        Assert.Equal(TensorType.Int8, g.Tensors[quantize.Outputs[0]].Type);
        Assert.Equal(1 / 127.5, q.Scale, 5);

        foreach (OperatorNode o in g.Operators.Where(o => o.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D))
        {
            TensorInfo w = g.Tensors[o.Inputs[1]], b = g.Tensors[o.Inputs[2]];
            int axis = o.Op == BuiltinOperator.Conv2D ? 0 : 3;
            Assert.Equal(TensorType.Int8, w.Type);
            Assert.True(w.IsConstant);
            Assert.Equal(axis, w.Quantization!.Axis);
            Assert.Equal(w.Shape[axis], w.Quantization.Scales.Length);
            Assert.All(w.Quantization.ZeroPoints, zp => Assert.Equal(0, zp));
            Assert.Equal(TensorType.Int32, b.Type);
            Assert.Equal(w.Shape[axis], b.Quantization!.Scales.Length);
            Assert.Equal(0, b.Quantization.Axis);
        }
    }

    [Theory]
    [InlineData(SharedData.HubDynamic, 124, 15)]
    [InlineData(SharedData.HubDynamicDm05, 120, 10)]
    public void HubDynamicRangeModelsDequantizeWeights(string model, int ops, int dequantizes)
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(model));
        Assert.Equal(ops, g.Operators.Length);
        Assert.Equal(dequantizes, Histogram(g)["DEQUANTIZE"]);
        Assert.Equal(TensorType.Float32, g.Input().Type);
    }

    [Fact]
    public void FloatModelHasDilatedDepthwise()
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(SharedData.Float257));
        Assert.Equal(70, g.Operators.Length);
        Assert.Equal([1, 257, 257, 3], g.Input().Shape);
        Assert.Equal([1, 257, 257, 21], g.Output().Shape);
        Assert.All(g.Tensors, t => Assert.Null(t.Quantization));
        Assert.Contains(g.Operators, o => o.Options is DepthwiseConv2DOptions { DilationW: 4, DilationH: 4 });
    }

    [Fact]
    public void MediapipeModelReportsItsCustomOp()
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(SharedData.MediapipeSelfie));
        Assert.Equal(246, g.Operators.Length);
        OperatorNode custom = g.Operators.Single(o => o.Op == BuiltinOperator.Custom);
        Assert.Equal("Convolution2DTransposeBias", custom.CustomCode);
        Assert.Equal("CUSTOM(Convolution2DTransposeBias)", custom.DisplayName);
        Assert.IsType<CustomOptions>(custom.Options);
        Assert.Contains(g.Operators, o => o.Op == BuiltinOperator.HardSwish);
        Assert.Contains(g.Tensors, t => t.Type == TensorType.Float16 && t.IsConstant);
        Assert.Equal([1, 256, 256, 1], g.Output().Shape);
    }
}
