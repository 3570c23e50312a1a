using BenchmarkDotNet.Attributes;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Benchmarks;

internal static class Setup
{
    public static IEnumerable<string> Variants() => KernelDispatcher.Supported().Select(KernelDispatcher.Name);

    public static QuantParams Quant(QuantType type, int channels)
    {
        var rng = new Random(7);
        var mult = new int[channels];
        var shift = new int[channels];
        for (int i = 0; i < channels; i++)
        {
            mult[i] = rng.Next(1 << 30, int.MaxValue);
            shift[i] = -rng.Next(6, 12);
        }
        bool u8 = type == QuantType.UInt8;
        return new QuantParams
        {
            Type = type, InputZeroPoint = u8 ? 128 : -3, FilterZeroPoint = u8 ? 119 : 0, OutputZeroPoint = u8 ? 100 : -20,
            OutputMin = u8 ? 0 : -128, OutputMax = u8 ? 255 : 127, Multiplier = mult, Shift = shift,
        };
    }

    public static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }
}

/// <summary>
/// 1x1 convolutions of DeepLabV3-MobileNetV2 on 513x513 inputs: a 33x33 (M = 1089) projection and expansion of the
/// atrous blocks, and the first expansion at 257x257 (M = 66049, K = 16), where requantization outweighs the multiplies.
/// </summary>
public class GemmBenchmarks : IMacCount
{
    [ParamsSource(typeof(Setup), nameof(Setup.Variants))]
    public string Variant { get; set; } = "reference";

    [Params("m1089k320n1280", "m1089k96n576", "m66049k16n96")]
    public string Shape { get; set; } = "m1089k320n1280";

    [Params("Int8", "UInt8")] // strings: the QuantType enum is internal to the library
    public string Type { get; set; } = "Int8";

    private int M => Dim('m');
    private int K => Dim('k');
    private int N => Dim('n');
    public long Macs => (long)M * K * N;

    /// <summary>The number after <paramref name="key"/> in <see cref="Shape"/>.</summary>
    private int Dim(char key)
    {
        int at = Shape.IndexOf(key) + 1, end = at;
        while (end < Shape.Length && char.IsDigit(Shape[end])) end++;
        return int.Parse(Shape.AsSpan(at, end - at), System.Globalization.CultureInfo.InvariantCulture);
    }

    private QuantizedGemm _gemm = null!;
    private PackedGemmWeights _w = null!;
    private byte[] _a = [], _c = [];

    [GlobalSetup]
    public void GlobalSetup()
    {
        _gemm = QuantizedGemm.For(KernelDispatcher.Parse(Variant));
        var bias = new int[N];
        _w = _gemm.Pack(Setup.Quant(Enum.Parse<QuantType>(Type), N), N, K, Setup.Bytes(N * K, 1), bias);
        _a = Setup.Bytes(M * K, 2);
        _c = new byte[M * N];
    }

    [Benchmark]
    public void Gemm() => _gemm.Run(_w, M, _a, _c);
}

/// <summary>3x3 depthwise layers of DeepLabV3-MobileNetV2: 33x33x960 dilation 2 (atrous block) and 65x65x144 stride 2.</summary>
public class DepthwiseBenchmarks : IMacCount
{
    [ParamsSource(typeof(Setup), nameof(Setup.Variants))]
    public string Variant { get; set; } = "reference";

    [Params("33x33x960d2", "65x65x144s2")]
    public string Shape { get; set; } = "33x33x960d2";

    [Params("Int8", "UInt8")] // strings: the QuantType enum is internal to the library
    public string Type { get; set; } = "Int8";

    private DepthwiseGeometry G => Shape == "33x33x960d2"
        ? DepthwiseGeometry.Create(33, 33, 960, stride: 1, dilation: 2, samePadding: true)
        : DepthwiseGeometry.Create(65, 65, 144, stride: 2, dilation: 1, samePadding: true);
    public long Macs { get { var g = G; return 9L * g.OutputHeight * g.OutputWidth * g.Channels; } }

    private DepthwiseConv _dw = null!;
    private PackedDepthwiseWeights _w = null!;
    private DepthwiseGeometry _g;
    private byte[] _in = [], _out = [];

    [GlobalSetup]
    public void GlobalSetup()
    {
        _g = G;
        _dw = DepthwiseConv.For(KernelDispatcher.Parse(Variant));
        _w = _dw.Pack(Setup.Quant(Enum.Parse<QuantType>(Type), _g.Channels), _g.Channels, Setup.Bytes(9 * _g.Channels, 3), new int[_g.Channels]);
        _in = Setup.Bytes(_g.InputHeight * _g.InputWidth * _g.Channels, 4);
        _out = new byte[_g.OutputHeight * _g.OutputWidth * _g.Channels];
    }

    [Benchmark]
    public void Depthwise() => _dw.Run(_w, _g, _in, _out, 0, _g.OutputHeight);
}
