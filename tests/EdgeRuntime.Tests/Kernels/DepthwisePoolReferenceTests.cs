using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;

namespace EdgeRuntime.Tests.Kernels;

/// <summary>DEPTHWISE_CONV_2D and AVERAGE_POOL_2D reference kernels.</summary>
public class DepthwisePoolReferenceTests
{
    private static readonly float Inf = float.PositiveInfinity;

    [Fact]
    public void DepthwiseDilatedValid_TfliteSimpleDilatedTestPaddingValid()
    {
        // depthwise_conv_test.cc: 9x9 image with a 3x3 block of ones in the centre, filter 1..9, dilation 3, VALID:
        // effective filter 7, output 3x3, each output sees exactly one '1' under filter tap 5 -> all 5.
        var input = new float[81];
        for (int y = 3; y < 6; y++) for (int x = 3; x < 6; x++) input[y * 9 + x] = 1;
        var pad = PaddingMath.ComputePaddingHeightWidth(1, 1, 3, 3, 9, 9, 3, 3, Graph.Padding.Valid);
        Assert.Equal((3, 3, 0, 0), (pad.OutHeight, pad.OutWidth, pad.PadHeight, pad.PadWidth));
        var output = new float[9];
        DepthwiseConv2DReference.Float(new ConvGeometry(1, 1, 3, 3, 0, 0), 1, -Inf, Inf, new Shape4(1, 9, 9, 1), input,
            new Shape4(1, 3, 3, 1), [1, 2, 3, 4, 5, 6, 7, 8, 9], [0f], new Shape4(1, 3, 3, 1), output);
        Assert.All(output, v => Assert.Equal(5f, v));
    }

    [Fact]
    public void DepthwiseDilatedSame_TfliteSimpleDilatedTestPaddingSame()
    {
        // 3x3 ones, filter [1,2;3,4], dilation 2, SAME -> TFLite expects {4,7,3,6,10,4,2,3,1}.
        var pad = PaddingMath.ComputePaddingHeightWidth(1, 1, 2, 2, 3, 3, 2, 2, Graph.Padding.Same);
        var output = new float[9];
        DepthwiseConv2DReference.Float(new ConvGeometry(1, 1, 2, 2, pad.PadHeight, pad.PadWidth), 1, -Inf, Inf,
            new Shape4(1, 3, 3, 1), Enumerable.Repeat(1f, 9).ToArray(), new Shape4(1, 2, 2, 1), [1, 2, 3, 4], default,
            new Shape4(1, 3, 3, 1), output);
        Assert.Equal([4, 7, 3, 6, 10, 4, 2, 3, 1], output);
    }

    [Fact]
    public void DepthwiseFloat_TfliteSimpleTest_DepthMultiplier2()
    {
        // depthwise_conv_test.cc SimpleTest: input [1,3,2,2], filter [1,2,2,4] (multiplier 2), bias {1,2,3,4}, VALID.
        float[] input = [1, 2, 7, 8, 3, 4, 9, 10, 5, 6, 11, 12];
        float[] filter = [1, 2, 3, 4, -9, 10, -11, 12, 5, 6, 7, 8, 13, -14, 15, -16];
        var output = new float[8];
        DepthwiseConv2DReference.Float(ConvGeometry.Create(1, 1, 0, 0), 2, -Inf, Inf, new Shape4(1, 3, 2, 2), input,
            new Shape4(1, 2, 2, 4), filter, [1, 2, 3, 4], new Shape4(1, 2, 1, 4), output);
        Assert.Equal([71, -34, 99, -20, 91, -26, 127, -4], output);
    }

    [Fact]
    public void DepthwiseUInt8_TfliteSimpleTestQuantized()
    {
        // Same vector quantized as in depthwise_conv_test.cc SimpleTestQuantized: input/filter uint8 in [-63.5, 64]
        // (scale 0.5, zp 127), output in [-127, 128] (scale 1, zp 127), bias at scale 0.25.
        // Real outputs {71,-34,99,-20,91,-26,127,-4} -> uint8 {198,93,226,107,218,101,254,123}.
        static byte Q(float x) => (byte)(x / 0.5f + 127);
        byte[] input = [.. new float[] { 1, 2, 7, 8, 3, 4, 9, 10, 5, 6, 11, 12 }.Select(Q)];
        byte[] filter = [.. new float[] { 1, 2, 3, 4, -9, 10, -11, 12, 5, 6, 7, 8, 13, -14, 15, -16 }.Select(Q)];
        FixedPoint.QuantizeMultiplier(0.25, out int m, out int s);
        var p = new QuantizedConvParams(-127, -127, 127, [m], [s], 0, 255);
        var output = new byte[8];
        DepthwiseConv2DReference.Quantized(p, ConvGeometry.Create(1, 1, 0, 0), 2, new Shape4(1, 3, 2, 2), input,
            new Shape4(1, 2, 2, 4), filter, [4, 8, 12, 16], new Shape4(1, 2, 1, 4), output);
        Assert.Equal(new byte[] { 198, 93, 226, 107, 218, 101, 254, 123 }, output);
    }

    [Fact]
    public void DepthwiseInt8PerChannel_UsesEachChannelsMultiplier_HandWorked()
    {
        // 1x1 input with 2 channels [10, 10] (zp 0), 1x1 filter [1, 1], per-channel real multipliers 0.5 and 0.25:
        // channel 0 -> 5, channel 1 -> 2.5 -> 3 (double rounding, away from zero), plus output zp 1 -> {6, 4}.
        var m = new int[2];
        var s = new int[2];
        FixedPoint.QuantizeMultiplier(0.5, out m[0], out s[0]);
        FixedPoint.QuantizeMultiplier(0.25, out m[1], out s[1]);
        var p = new QuantizedConvParams(0, 0, 1, m, s, -128, 127);
        var output = new sbyte[2];
        DepthwiseConv2DReference.Quantized(p, ConvGeometry.Create(1, 1, 0, 0), 1, new Shape4(1, 1, 1, 2), new sbyte[] { 10, 10 },
            new Shape4(1, 1, 1, 2), new sbyte[] { 1, 1 }, default, new Shape4(1, 1, 1, 2), output);
        Assert.Equal(new sbyte[] { 6, 4 }, output);
    }

    [Fact]
    public void DepthwiseWideChannels_CrossTrancheBoundary()
    {
        // 700 channels (more than one 512-channel tranche): each output channel c = input c * filter c.
        const int c = 700;
        float[] input = [.. Enumerable.Range(0, c).Select(i => (float)i)];
        float[] filter = [.. Enumerable.Range(0, c).Select(i => (float)(i % 3))];
        var output = new float[c];
        DepthwiseConv2DReference.Float(ConvGeometry.Create(1, 1, 0, 0), 1, -Inf, Inf, new Shape4(1, 1, 1, c), input,
            new Shape4(1, 1, 1, c), filter, default, new Shape4(1, 1, 1, c), output);
        for (int i = 0; i < c; i++) Assert.Equal(i * (i % 3), output[i]);
    }

    [Fact]
    public void AveragePoolUInt8_TfliteQuantizedAveragePool()
    {
        // pooling_test.cc: uint8 in [0, 15.9375] (scale 1/16, zp 0), input {0,6,2,4,3,2,10,7} as [1,2,4,1], 2x2 stride 2 VALID.
        // Real averages {2.75, 5.75} -> codes {44, 92}: (0+96+48+32)/4 = 44, (32+64+160+112)/4 = 92.
        byte[] input = [0, 96, 32, 64, 48, 32, 160, 112];
        var output = new byte[2];
        AveragePool2DReference.UInt8(new PoolGeometry(2, 2, 2, 2, 0, 0), 0, 255, new Shape4(1, 2, 4, 1), input, new Shape4(1, 1, 2, 1), output);
        Assert.Equal(new byte[] { 44, 92 }, output);
    }

    [Fact]
    public void AveragePoolRounding_HandWorked()
    {
        // One 1x2 window per output. uint8: (sum + count/2) / count -> sum 5 over 2 = (5+1)/2 = 3 (2.5 rounds up).
        var u = new byte[1];
        AveragePool2DReference.UInt8(new PoolGeometry(1, 2, 1, 2, 0, 0), 0, 255, new Shape4(1, 1, 2, 1), new byte[] { 2, 3 }, new Shape4(1, 1, 1, 1), u);
        Assert.Equal(3, u[0]);
        // int8 is sign-aware: sum -5 over 2 = (-5 - 1)/2 = -3 (-2.5 rounds away from zero); sum 5 -> 3.
        var s = new sbyte[2];
        AveragePool2DReference.Int8(new PoolGeometry(1, 2, 1, 2, 0, 0), -128, 127, new Shape4(1, 1, 2, 2), new sbyte[] { -2, 2, -3, 3 },
            new Shape4(1, 1, 1, 2), s);
        Assert.Equal(new sbyte[] { -3, 3 }, s);
        // int8 sum -3 over 4 (2x2): (-3 - 2)/4 = -1 with C truncation (-1.25 -> -1); sum -1 over 4: (-1-2)/4 = 0.
        var t = new sbyte[2];
        AveragePool2DReference.Int8(new PoolGeometry(2, 2, 2, 2, 0, 0), -128, 127, new Shape4(1, 2, 2, 2),
            new sbyte[] { -1, -1, -1, 0, -1, 0, 0, 0 }, new Shape4(1, 1, 1, 2), t);
        Assert.Equal(new sbyte[] { -1, 0 }, t);
    }

    [Fact]
    public void AveragePoolSame_CountsOnlyInBoundsPixels_HandWorked()
    {
        // 3x3 input 1..9, 3x3 window, stride 1, SAME (pad 1): corner (0,0) averages {1,2,4,5} = 3 (count 4, not 9);
        // centre averages all nine = 5; edge (0,1) averages {1,2,3,4,5,6} = 3.5.
        var pad = PaddingMath.ComputePaddingHeightWidth(1, 1, 1, 1, 3, 3, 3, 3, Graph.Padding.Same);
        var output = new float[9];
        AveragePool2DReference.Float(new PoolGeometry(3, 3, 1, 1, pad.PadHeight, pad.PadWidth), -Inf, Inf,
            new Shape4(1, 3, 3, 1), [1, 2, 3, 4, 5, 6, 7, 8, 9], new Shape4(1, 3, 3, 1), output);
        Assert.Equal(3f, output[0]);
        Assert.Equal(3.5f, output[1]);
        Assert.Equal(5f, output[4]);
    }

    [Fact]
    public void AveragePoolWholeMap_AsppImagePooling()
    {
        // ASPP image pooling: a 33x33 window over a 33x33 map (VALID) -> one value per channel, count 1089.
        // Channel 0 holds 0..1088 mod 256 as uint8; channel 1 is constant 200 (exact).
        const int n = 33 * 33;
        var input = new byte[n * 2];
        long sum = 0;
        for (int i = 0; i < n; i++) { input[2 * i] = (byte)(i % 256); input[2 * i + 1] = 200; sum += i % 256; }
        var output = new byte[2];
        AveragePool2DReference.UInt8(new PoolGeometry(33, 33, 33, 33, 0, 0), 0, 255, new Shape4(1, 33, 33, 2), input, new Shape4(1, 1, 1, 2), output);
        Assert.Equal((byte)((sum + n / 2) / n), output[0]);
        Assert.Equal(200, output[1]);
    }
}
