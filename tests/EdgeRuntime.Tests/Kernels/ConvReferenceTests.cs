using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Tests.Kernels;

/// <summary>CONV_2D reference kernel: hand-worked cases and TFLite conv_test.cc vectors.</summary>
public class ConvReferenceTests
{
    private static QuantizedConvParams PerTensor(int inZp, int fZp, int outZp, double real, int min, int max, RequantizeRounding r = RequantizeRounding.DoubleAwayFromZero)
    {
        FixedPoint.QuantizeMultiplier(real, out int m, out int s);
        return new QuantizedConvParams(-inZp, -fZp, outZp, [m], [s], min, max, r);
    }

    [Fact]
    public void FloatValidStride1_HandWorked()
    {
        // input 3x3 = 1..9, filter 2x2 = [1,0;0,1] (a "diagonal sum"), bias 0.5, VALID stride 1:
        // out(0,0)=1+5, out(0,1)=2+6, out(1,0)=4+8, out(1,1)=5+9, each + 0.5.
        float[] input = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        float[] filter = [1, 0, 0, 1];
        var output = new float[4];
        Conv2DReference.Float(ConvGeometry.Create(1, 1, 0, 0), float.NegativeInfinity, float.PositiveInfinity,
            new Shape4(1, 3, 3, 1), input, new Shape4(1, 2, 2, 1), filter, [0.5f], new Shape4(1, 2, 2, 1), output);
        Assert.Equal([6.5f, 8.5f, 12.5f, 14.5f], output);
    }

    [Fact]
    public void FloatSameStride2WithRelu6_HandWorked()
    {
        // input 4x4 all 1, filter 3x3 all 1, SAME stride 2: out 2x2, total pad = (2-1)*2+3-4 = 1 -> top/left 0, extra at bottom/right.
        // out(0,0) sees rows 0..2, cols 0..2 = 9 ones; out(0,1) rows 0..2, cols 2..4 (col 4 out) = 6; out(1,1) = 4.
        // Relu6 clamps 9 -> 6 and 6 -> 6; 4 stays.
        var pad = PaddingMath.ComputePaddingHeightWidth(2, 2, 1, 1, 4, 4, 3, 3, Graph.Padding.Same);
        Assert.Equal((2, 2, 0, 0, 1, 1), (pad.OutHeight, pad.OutWidth, pad.PadHeight, pad.PadWidth, pad.HeightOffset, pad.WidthOffset));
        var output = new float[4];
        Conv2DReference.Float(ConvGeometry.Create(2, 2, pad.PadHeight, pad.PadWidth), 0f, 6f,
            new Shape4(1, 4, 4, 1), Enumerable.Repeat(1f, 16).ToArray(), new Shape4(1, 3, 3, 1), Enumerable.Repeat(1f, 9).ToArray(),
            default, new Shape4(1, 2, 2, 1), output);
        Assert.Equal([6f, 6f, 6f, 4f], output);
    }

    [Fact]
    public void FloatMultiChannel_TfliteSimpleTestFloat32()
    {
        // conv_test.cc SimpleTestFloat32: input [2,2,4,1], filter [3,2,2,1], bias {1,2,3}, stride 2 VALID.
        float[] input = [1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 3, 4, 1, 2, 3, 4];
        float[] filter = [1, 2, 3, 4, -1, 1, -1, 1, -1, -1, 1, 1];
        var output = new float[12];
        Conv2DReference.Float(ConvGeometry.Create(2, 2, 0, 0), float.NegativeInfinity, float.PositiveInfinity,
            new Shape4(2, 2, 4, 1), input, new Shape4(3, 2, 2, 1), filter, [1, 2, 3], new Shape4(2, 1, 2, 3), output);
        Assert.Equal([18, 2, 5, 18, 2, 5, 17, 4, 3, 37, 4, 3], output);
    }

    [Fact]
    public void UInt8WithFilterZeroPoint_TfliteSimpleTestQuantized()
    {
        // conv_test.cc SimpleTestQuantized: input and filter uint8 in [-63.5, 64] (scale 0.5, zp 127),
        // output in [-127, 128] (scale 1, zp 127), bias {1,2,3} at scale 0.25 -> {4, 8, 12}. Stride 2 VALID.
        // Real results {18,2,5,18,2,5,17,4,3,37,4,3}; TFLite's uint8 output is those + 127.
        static byte Q(float x) => (byte)(x / 0.5f + 127);
        byte[] input = [.. new float[] { 1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 3, 4, 1, 2, 3, 4 }.Select(Q)];
        byte[] filter = [.. new float[] { 1, 2, 3, 4, -1, 1, -1, 1, -1, -1, 1, 1 }.Select(Q)];
        var p = PerTensor(127, 127, 127, 0.5 * 0.5 / 1.0, 0, 255);
        var output = new byte[12];
        Conv2DReference.Quantized(p, ConvGeometry.Create(2, 2, 0, 0), new Shape4(2, 2, 4, 1), input, new Shape4(3, 2, 2, 1), filter,
            [4, 8, 12], new Shape4(2, 1, 2, 3), output);
        Assert.Equal(new byte[] { 145, 129, 132, 145, 129, 132, 144, 131, 130, 164, 131, 130 }, output);
    }

    /// <summary>
    /// conv_test.cc SimplePerChannelTest: int8 input/output scale 0.5 zp -1; filter per channel (axis 0), symmetric,
    /// scale = max|w|/127 per channel as TFLite's test helper quantizes it; bias quantized at input_scale*filter_scale.
    /// TFLite expects {61, 111, -115, -89} (real {31, 56, -57, -44}).
    /// </summary>
    [Theory]
    [InlineData(RequantizeRounding.DoubleAwayFromZero)]
    [InlineData(RequantizeRounding.DoubleUpward)]
    [InlineData(RequantizeRounding.Single)]
    public void Int8PerChannel_TfliteSimplePerChannelTest(RequantizeRounding rounding)
    {
        var (p, input, filter, bias) = SimplePerChannel(Graph.FusedActivation.None, rounding);
        var output = new sbyte[4];
        Conv2DReference.Quantized(p, ConvGeometry.Create(1, 1, 0, 0), new Shape4(1, 2, 3, 2), input, new Shape4(2, 2, 2, 2), filter,
            bias, new Shape4(1, 1, 2, 2), output);
        Assert.Equal(new sbyte[] { 61, 111, -115, -89 }, output);
    }

    [Fact]
    public void Int8PerChannelRelu6_ClampsToQuantizedZeroAndSix()
    {
        // Same vector with RELU6: the range is [zp + round(0/0.5), zp + round(6/0.5)] = [-1, 11],
        // so {61, 111, -115, -89} becomes {11, 11, -1, -1}.
        var (p, input, filter, bias) = SimplePerChannel(Graph.FusedActivation.Relu6, RequantizeRounding.DoubleAwayFromZero);
        Assert.Equal((-1, 11), (p.ActivationMin, p.ActivationMax));
        var output = new sbyte[4];
        Conv2DReference.Quantized(p, ConvGeometry.Create(1, 1, 0, 0), new Shape4(1, 2, 3, 2), input, new Shape4(2, 2, 2, 2), filter,
            bias, new Shape4(1, 1, 2, 2), output);
        Assert.Equal(new sbyte[] { 11, 11, -1, -1 }, output);
    }

    internal static (QuantizedConvParams P, sbyte[] Input, sbyte[] Filter, int[] Bias) SimplePerChannel(Graph.FusedActivation act, RequantizeRounding rounding)
    {
        float[] inputF = [3, 2, 1, -1, -2, -3, 4, 3, 2, -2, -3, -4];
        float[] filterF = [1, 2, 3, 4, 3, 4, 5, 6, 7, 8, 5, 6, 3, 4, 1, 2];
        float[] biasF = [3, -2];
        const float inScale = 0.5f, outScale = 0.5f;
        const int inZp = -1, outZp = -1;
        sbyte[] input = [.. inputF.Select(x => (sbyte)(MathF.Round(x / inScale, MidpointRounding.AwayFromZero) + inZp))];
        var scales = new float[2];
        var filter = new sbyte[16];
        var bias = new int[2];
        for (int c = 0; c < 2; c++)
        {
            float maxAbs = filterF.Skip(8 * c).Take(8).Max(MathF.Abs);
            scales[c] = maxAbs / 127f;
            for (int i = 0; i < 8; i++)
                filter[8 * c + i] = (sbyte)MathF.Round(filterF[8 * c + i] / scales[c], MidpointRounding.AwayFromZero);
            bias[c] = (int)MathF.Round(biasF[c] / (inScale * scales[c]), MidpointRounding.AwayFromZero);
        }
        var m = new int[2];
        var s = new int[2];
        for (int c = 0; c < 2; c++)
            FixedPoint.QuantizeMultiplier((double)inScale * scales[c] / outScale, out m[c], out s[c]);
        (int min, int max) = FixedPoint.ActivationRange(act, outScale, outZp, -128, 127);
        return (new QuantizedConvParams(-inZp, 0, outZp, m, s, min, max, rounding), input, filter, bias);
    }

    [Theory]
    // Hand-worked: 2x2 input [-1,-2,-3,-4] (scale 1, zp 0), 2x2 filter of ones, output scale 4:
    // acc = -10, real multiplier 0.25 = 2^30 * 2^(-1-31) -> -2.5, a tie.
    //   DoubleAwayFromZero: highmul(-10, 2^30) = -5, RoundingDivideByPOT(-5, 1) = -3 (away from zero).
    //   DoubleUpward:       -5, then (-5 + 1) >> 1 = -2.
    //   Single:             (-10 * 2^30 + 2^31) >> 32 = -2.
    [InlineData(RequantizeRounding.DoubleAwayFromZero, -3)]
    [InlineData(RequantizeRounding.DoubleUpward, -2)]
    [InlineData(RequantizeRounding.Single, -2)]
    public void Int8TieRoundsPerMode_HandWorked(RequantizeRounding rounding, sbyte expected)
    {
        var p = PerTensor(0, 0, 0, 0.25, -128, 127, rounding);
        var output = new sbyte[1];
        Conv2DReference.Quantized(p, ConvGeometry.Create(1, 1, 0, 0), new Shape4(1, 2, 2, 1), new sbyte[] { -1, -2, -3, -4 },
            new Shape4(1, 2, 2, 1), new sbyte[] { 1, 1, 1, 1 }, default, new Shape4(1, 1, 1, 1), output);
        Assert.Equal(expected, output[0]);
    }

    [Fact]
    public void DilatedConv_SkipsTapsOutsideTheInput_HandWorked()
    {
        // 1 channel, input 3x3 = 1..9, filter 2x2 of ones, dilation 2, SAME: effective filter 3, pad 1.
        // out(1,1) reads (0,0),(0,2),(2,0),(2,2) = 1+3+7+9 = 20; out(0,0) reads only (1,1) = 5.
        var pad = PaddingMath.ComputePaddingHeightWidth(1, 1, 2, 2, 3, 3, 2, 2, Graph.Padding.Same);
        Assert.Equal((3, 3, 1, 1), (pad.OutHeight, pad.OutWidth, pad.PadHeight, pad.PadWidth));
        var output = new float[9];
        Conv2DReference.Float(new ConvGeometry(1, 1, 2, 2, 1, 1), float.NegativeInfinity, float.PositiveInfinity,
            new Shape4(1, 3, 3, 1), [1, 2, 3, 4, 5, 6, 7, 8, 9], new Shape4(1, 2, 2, 1), [1, 1, 1, 1], default, new Shape4(1, 3, 3, 1), output);
        Assert.Equal(5f, output[0]);
        Assert.Equal(20f, output[4]);
        Assert.Equal(2f + 8f, output[3]); // out(1,0) reads (0,1),(2,1)
    }
}
