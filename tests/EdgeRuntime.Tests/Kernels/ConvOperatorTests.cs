using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Tests.Kernels;

/// <summary>Prepare-level tests: tiny graphs built in code, run through the IOperatorKernel / PreparedOperator API.</summary>
public class ConvOperatorTests
{
    private static readonly KernelContext Ctx = new(KernelIsa.Reference);

    [Fact]
    public void Conv2DInt8PerChannel_PrepareAndInvoke_MatchesTfliteVector()
    {
        var (_, inputQ, filterQ, biasQ) = ConvReferenceTests.SimplePerChannel(FusedActivation.None, RequantizeRounding.DoubleAwayFromZero);
        // Recover the per-channel scales exactly as the kernel test built them.
        float[] scales = [6f / 127f, 8f / 127f];
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.Int8, [1, 2, 3, 2], QuantizationInfo.PerTensor(0.5f, -1));
        int filter = g.Constant("filter", TensorType.Int8, [2, 2, 2, 2], filterQ, new QuantizationInfo(scales, [0, 0], 0));
        int bias = g.Constant("bias", TensorType.Int32, [2], biasQ, new QuantizationInfo([0.5f * scales[0], 0.5f * scales[1]], [0, 0], 0));
        int output = g.Activation("output", TensorType.Int8, [1, 1, 2, 2], QuantizationInfo.PerTensor(0.5f, -1));
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 3, new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.None, 1, 1), [input, filter, bias], output);

        PreparedOperator op = new Conv2DOperator().Prepare(node, graph, Ctx);
        TensorMemory mem = ConvTestGraph.Memory(graph);
        inputQ.CopyTo(mem.Span<sbyte>(input));
        op.Invoke(mem, default);
        Assert.Equal(new sbyte[] { 61, 111, -115, -89 }, mem.Span<sbyte>(output).ToArray());
    }

    [Fact]
    public void Conv2DUInt8_NoBias_FloatFilterProductMultiplier()
    {
        // 1x1 conv, uint8, no bias (input index -1). input zp 128 scale 0.1, filter zp 100 scale 0.02, output zp 10 scale 0.05.
        // acc = (200-128)*(150-100) = 3600; real = 3600 * 0.1*0.02/0.05 = 144 -> 154.
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.UInt8, [1, 1, 1, 1], QuantizationInfo.PerTensor(0.1f, 128));
        int filter = g.Constant("filter", TensorType.UInt8, [1, 1, 1, 1], new byte[] { 150 }, QuantizationInfo.PerTensor(0.02f, 100));
        int output = g.Activation("output", TensorType.UInt8, [1, 1, 1, 1], QuantizationInfo.PerTensor(0.05f, 10));
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 1, new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1), [input, filter, -1], output);
        PreparedOperator op = new Conv2DOperator().Prepare(node, graph, Ctx);
        TensorMemory mem = ConvTestGraph.Memory(graph);
        mem.Bytes(input)[0] = 200;
        op.Invoke(mem, default);
        Assert.Equal(154, mem.Bytes(output)[0]);
    }

    [Fact]
    public void LegacyMultiplier_MultipliesScalesInFloatFirst()
    {
        // GetQuantizedConvolutionMultipler: (double)(float)(in*filter) / out. The float product differs from the double one.
        float inS = 0.0078125f * 1.1f, fS = 0.0031f, outS = 0.0235f;
        (int m, int s) = ConvOpSupport.LegacyMultiplier(inS, fS, outS);
        FixedPoint.QuantizeMultiplier((double)(float)(inS * fS) / outS, out int em, out int es);
        Assert.Equal((em, es), (m, s));
        (int[] pm, int[] ps) = ConvOpSupport.PerChannelMultipliers(inS, [fS], outS, 3);
        FixedPoint.QuantizeMultiplier((double)inS * fS / outS, out int dm, out int ds);
        Assert.All(pm, v => Assert.Equal(dm, v));
        Assert.All(ps, v => Assert.Equal(ds, v));
    }

    [Fact]
    public void Conv2DFloat_NonConstantFilter_FromActivationTensor()
    {
        // Dynamic-range models dequantize weights at run time: the filter is an arena tensor written before the conv runs.
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.Float32, [1, 2, 2, 1]);
        int filter = g.Activation("filter_dequantized", TensorType.Float32, [1, 2, 2, 1]);
        int bias = g.Constant("bias", TensorType.Float32, [1], new[] { 1f });
        int output = g.Activation("output", TensorType.Float32, [1, 1, 1, 1]);
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 1, new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.Relu, 1, 1), [input, filter, bias], output);
        PreparedOperator op = new Conv2DOperator().Prepare(node, graph, Ctx);
        TensorMemory mem = ConvTestGraph.Memory(graph);
        new[] { 1f, 2f, 3f, 4f }.CopyTo(mem.Span<float>(input));
        new[] { 1f, -1f, 1f, -1f }.CopyTo(mem.Span<float>(filter));
        op.Invoke(mem, default);
        Assert.Equal(0f, mem.Span<float>(output)[0]); // 1-2+3-4+1 = -1, RELU -> 0
        new[] { -1f, 1f, 1f, -1f }.CopyTo(mem.Span<float>(filter));
        op.Invoke(mem, default);
        Assert.Equal(1f, mem.Span<float>(output)[0]); // -1+2+3-4+1 = 1
    }

    [Fact]
    public void DepthwiseInt8PerChannelAxis3_PrepareAndInvoke()
    {
        // 2 channels, 1x1 filter [2, 3] with per-channel scales (axis 3) 0.5 and 0.25; input scale 1 zp 0; output scale 1 zp 0.
        // ch0: 10*2 * 0.5 = 10; ch1: 10*3 * 0.25 = 7.5 -> 8 (away from zero). Bias absent.
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.Int8, [1, 1, 1, 2], QuantizationInfo.PerTensor(1f, 0));
        int filter = g.Constant("filter", TensorType.Int8, [1, 1, 1, 2], new sbyte[] { 2, 3 }, new QuantizationInfo([0.5f, 0.25f], [0, 0], 3));
        int output = g.Activation("output", TensorType.Int8, [1, 1, 1, 2], QuantizationInfo.PerTensor(1f, 0));
        var (graph, node) = g.Build(BuiltinOperator.DepthwiseConv2D, 3, new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.None, 1, 1), [input, filter, -1], output);
        PreparedOperator op = new DepthwiseConv2DOperator().Prepare(node, graph, Ctx);
        TensorMemory mem = ConvTestGraph.Memory(graph);
        mem.Span<sbyte>(input).Fill(10);
        op.Invoke(mem, default);
        Assert.Equal(new sbyte[] { 10, 8 }, mem.Span<sbyte>(output).ToArray());
    }

    [Fact]
    public void AveragePoolUInt8_PrepareAndInvoke_WithRelu6()
    {
        // scale 1/16 zp 0: RELU6 caps at round(6*16) = 96. Window averages 44 and 92 (TFLite vector) stay; a third window of 160s caps at 96.
        var g = new ConvTestGraph();
        var q = QuantizationInfo.PerTensor(0.0625f, 0);
        int input = g.Activation("input", TensorType.UInt8, [1, 2, 6, 1], q);
        int output = g.Activation("output", TensorType.UInt8, [1, 1, 3, 1], q);
        var (graph, node) = g.Build(BuiltinOperator.AveragePool2D, 1, new Pool2DOptions(Padding.Valid, 2, 2, 2, 2, FusedActivation.Relu6), [input], output);
        PreparedOperator op = new AveragePool2DOperator().Prepare(node, graph, Ctx);
        TensorMemory mem = ConvTestGraph.Memory(graph);
        new byte[] { 0, 96, 32, 64, 160, 160, 48, 32, 160, 112, 160, 160 }.CopyTo(mem.Bytes(input));
        op.Invoke(mem, default);
        Assert.Equal(new byte[] { 44, 92, 96 }, mem.Bytes(output).ToArray());
    }

    [Fact]
    public void WrongBiasType_IsAModelFormatErrorNamingTheBias()
    {
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.UInt8, [1, 2, 2, 1], QuantizationInfo.PerTensor(0.5f, 127));
        int filter = g.Constant("filter", TensorType.UInt8, [1, 1, 1, 1], new byte[] { 1 }, QuantizationInfo.PerTensor(0.5f, 127));
        int bias = g.Constant("conv_bias", TensorType.Float32, [1], new[] { 0f });
        int output = g.Activation("output", TensorType.UInt8, [1, 2, 2, 1], QuantizationInfo.PerTensor(1f, 127));
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 1, new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.None, 1, 1), [input, filter, bias], output);
        var ex = Assert.Throws<ModelFormatException>(() => new Conv2DOperator().Prepare(node, graph, Ctx));
        Assert.Contains("conv_bias", ex.Message);
        Assert.Contains("must be Int32", ex.Message);
    }

    [Fact]
    public void WrongOutputShape_IsAModelFormatError()
    {
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.Float32, [1, 5, 5, 1]);
        int filter = g.Constant("filter", TensorType.Float32, [1, 3, 3, 1], new float[9]);
        int output = g.Activation("output", TensorType.Float32, [1, 5, 5, 1]); // SAME stride 2 gives 3x3
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 1, new Conv2DOptions(Padding.Same, 2, 2, FusedActivation.None, 1, 1), [input, filter, -1], output);
        var ex = Assert.Throws<ModelFormatException>(() => new Conv2DOperator().Prepare(node, graph, Ctx));
        Assert.Contains("[1,3,3,1]", ex.Message);
    }

    [Fact]
    public void UnsupportedVariants_AreRejectedWithAReason()
    {
        // Hybrid conv (float input, int8 filter).
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.Float32, [1, 1, 1, 1]);
        int filter = g.Constant("filter", TensorType.Int8, [1, 1, 1, 1], new sbyte[] { 1 }, QuantizationInfo.PerTensor(1f, 0));
        int output = g.Activation("output", TensorType.Float32, [1, 1, 1, 1]);
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 2, new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.None, 1, 1), [input, filter, -1], output);
        Assert.Contains("hybrid", Assert.Throws<UnsupportedOperatorException>(() => new Conv2DOperator().Prepare(node, graph, Ctx)).Message);

        // Version 4 of CONV_2D.
        var (graph4, node4) = g.Build(BuiltinOperator.Conv2D, 4, new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.None, 1, 1), [input, filter, -1], output);
        Assert.Contains("versions 1..3", Assert.Throws<UnsupportedOperatorException>(() => new Conv2DOperator().Prepare(node4, graph4, Ctx)).Message);

        // int8 filter with the wrong number of per-channel scales.
        var h = new ConvTestGraph();
        int i8 = h.Activation("input", TensorType.Int8, [1, 1, 1, 1], QuantizationInfo.PerTensor(1f, 0));
        int f8 = h.Constant("filter", TensorType.Int8, [2, 1, 1, 1], new sbyte[] { 1, 1 }, new QuantizationInfo([1f, 1f, 1f], [0, 0, 0], 0));
        int o8 = h.Activation("output", TensorType.Int8, [1, 1, 1, 2], QuantizationInfo.PerTensor(1f, 0));
        var (graph8, node8) = h.Build(BuiltinOperator.Conv2D, 3, new Conv2DOptions(Padding.Valid, 1, 1, FusedActivation.None, 1, 1), [i8, f8, -1], o8);
        Assert.Contains("3 scales for 2 output channels", Assert.Throws<ModelFormatException>(() => new Conv2DOperator().Prepare(node8, graph8, Ctx)).Message);
    }

    [Fact]
    public void AveragePoolWithDifferentOutputQuantization_IsRejected()
    {
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.Int8, [1, 2, 2, 1], QuantizationInfo.PerTensor(0.5f, 0));
        int output = g.Activation("output", TensorType.Int8, [1, 1, 1, 1], QuantizationInfo.PerTensor(0.5f, 3));
        var (graph, node) = g.Build(BuiltinOperator.AveragePool2D, 2, new Pool2DOptions(Padding.Valid, 2, 2, 2, 2, FusedActivation.None), [input], output);
        Assert.Throws<UnsupportedOperatorException>(() => new AveragePool2DOperator().Prepare(node, graph, Ctx));
    }

    [Fact]
    public void Invoke_DoesNotAllocate()
    {
        var g = new ConvTestGraph();
        int input = g.Activation("input", TensorType.UInt8, [1, 8, 8, 4], QuantizationInfo.PerTensor(0.5f, 127));
        int filter = g.Constant("filter", TensorType.UInt8, [1, 3, 3, 4], new byte[36], QuantizationInfo.PerTensor(0.5f, 127));
        int bias = g.Constant("bias", TensorType.Int32, [4], new int[4], QuantizationInfo.PerTensor(0.25f, 0));
        int output = g.Activation("output", TensorType.UInt8, [1, 4, 4, 4], QuantizationInfo.PerTensor(1f, 127));
        var (graph, node) = g.Build(BuiltinOperator.DepthwiseConv2D, 1, new DepthwiseConv2DOptions(Padding.Same, 2, 2, 1, FusedActivation.Relu6, 1, 1), [input, filter, bias], output);
        PreparedOperator op = new DepthwiseConv2DOperator().Prepare(node, graph, Ctx);
        TensorMemory mem = ConvTestGraph.Memory(graph);
        op.Invoke(mem, default); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        op.Invoke(mem, default);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
