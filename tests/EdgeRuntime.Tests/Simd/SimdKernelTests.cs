using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels;
using EdgeRuntime.Conformance;
using EdgeRuntime.Kernels.Depthwise;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Simd;

public class SimdKernelTests
{
    private const int Cases = 150;

    /// <summary>Every fast variant; the ones this CPU lacks are reported as skipped.</summary>
    public static TheoryData<string> FastVariants()
    {
        var data = new TheoryData<string>();
        foreach (var isa in IsaSkip.FastVariants)
            data.Add(new TheoryDataRow<string>(KernelDispatcher.Name(isa)).WithSkip(IsaSkip.Reason(isa)));
        return data;
    }

    private static void AssertNoFailure(Func<Random, string?> check, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < Cases; i++)
        {
            string? failure = check(rng);
            Assert.True(failure is null, failure);
        }
    }

    [Theory]
    [MemberData(nameof(FastVariants))]
    public void GemmIsBitExactWithReference(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        AssertNoFailure(rng => KernelConformance.CheckGemm(isa, KernelConformance.RandomGemmCase(rng)), 11);
    }

    [Fact]
    public void Avx2GemmTilesWithAndWithoutVnniAreBitExactWithReference()
    {
        IsaSkip.Require(Avx2.IsSupported, "x86 AVX2");
        // Both x86 tiles stay covered on a VNNI machine: the plain vpmaddwd one is forced, the VNNI one run when present.
        var plain = new Avx2QuantizedGemm(useVnni: false);
        Assert.Equal("gemm-avx2", plain.KernelName);
        AssertNoFailure(rng => KernelConformance.CheckGemm(plain, KernelConformance.RandomGemmCase(rng)), 21);
        if (!AvxVnni.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => new Avx2QuantizedGemm(useVnni: true));
            return;
        }
        var vnni = new Avx2QuantizedGemm(useVnni: true);
        Assert.Equal("gemm-avx2-vnni", vnni.KernelName);
        AssertNoFailure(rng => KernelConformance.CheckGemm(vnni, KernelConformance.RandomGemmCase(rng)), 22);
        AssertNoFailure(rng => KernelConformance.CheckGemm(vnni, ExtremeGemmCase(rng)), 23);
        Assert.Equal(KernelDispatcher.Vnni ? "gemm-avx2-vnni" : "gemm-avx2", QuantizedGemm.For(KernelIsa.Avx2).KernelName);
    }

    /// <summary>Saturated bytes (0/255, -128/127) and zero points at the ends: the +-128 re-biasing must stay exact.</summary>
    private static GemmCase ExtremeGemmCase(Random rng)
    {
        var t = KernelConformance.RandomGemmCase(rng);
        byte Pick(Random r) => r.Next(4) switch { 0 => 0, 1 => 255, 2 => 128, _ => 127 };
        for (int i = 0; i < t.A.Length; i++) t.A[i] = Pick(rng);
        for (int i = 0; i < t.W.Length; i++) t.W[i] = Pick(rng);
        return t;
    }

    [Theory]
    [MemberData(nameof(FastVariants))]
    public void DepthwiseIsBitExactWithReference(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        AssertNoFailure(rng => KernelConformance.CheckDepthwise(isa, KernelConformance.RandomDepthwiseCase(rng)), 12);
    }

    /// <summary>The fused kernels' row segments: 16..130 channels, wide rows (pixel pairs and remainders), strides, dilations 1..4, borders.</summary>
    [Theory]
    [MemberData(nameof(FastVariants))]
    public void FusedDepthwiseRowsAreBitExactWithReference(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        AssertNoFailure(rng => KernelConformance.CheckDepthwise(isa, KernelConformance.RandomFusedDepthwiseCase(rng)), 13);
    }

    /// <summary>Any KH x KW (1x1 .. 7x7, non-square): the generic tap loop (AVX2: vpmaddwd tap pairs) against the operator's reference kernel.</summary>
    [Theory]
    [MemberData(nameof(FastVariants))]
    public void KxKDepthwiseIsBitExactWithReference(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        AssertNoFailure(rng => KernelConformance.CheckDepthwise(isa, KernelConformance.RandomKxKDepthwiseCase(rng)), 15);
    }

    /// <summary>Both AVX2 tap-pair multiply-adds stay covered on a VNNI machine: vpmaddwd + vpaddd forced, vpdpwssd when present.</summary>
    [Fact]
    public void Avx2KxKDepthwiseWithAndWithoutVnniIsBitExact()
    {
        IsaSkip.Require(Avx2.IsSupported, "x86 AVX2");
        var plain = new Avx2DepthwiseConv(useVnni: false);
        Assert.False(plain.UsesVnni);
        AssertNoFailure(rng => KernelConformance.CheckDepthwise(plain, KernelConformance.RandomKxKDepthwiseCase(rng)), 16);
        if (!AvxVnni.IsSupported) return;
        AssertNoFailure(rng => KernelConformance.CheckDepthwise(new Avx2DepthwiseConv(useVnni: true), KernelConformance.RandomKxKDepthwiseCase(rng)), 17);
    }

    /// <summary>The shapes named in issue 15 on every variant: 5x5, 7x7, 3x5, 1x1; strides 1/2, dilations 1/2, SAME/VALID,
    /// channels below/at/above the vector widths, per tensor and per channel, uint8 and int8.</summary>
    [Theory]
    [MemberData(nameof(FastVariants))]
    public void KxKDepthwiseGridIsBitExact(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        var rng = new Random(4321);
        foreach ((int kh, int kw) in new[] { (5, 5), (7, 7), (3, 5), (1, 1) })
            foreach (int c in new[] { 7, 16, 32, 40, 576 })
                foreach (int stride in new[] { 1, 2 })
                    foreach (int dilation in new[] { 1, 2 })
                        foreach (var type in new[] { QuantType.UInt8, QuantType.Int8 })
                        {
                            bool same = rng.Next(2) == 0;
                            int h = rng.Next(kh * dilation, kh * dilation + 6), w = rng.Next(kw * dilation, kw * dilation + 8);
                            var g = DepthwiseGeometry.Create(h, w, c, stride, dilation, same, kh, kw);
                            var input = new byte[h * w * c]; rng.NextBytes(input);
                            var wts = new byte[kh * kw * c]; rng.NextBytes(wts);
                            var bias = new int[c];
                            for (int i = 0; i < c; i++) bias[i] = rng.Next(-50000, 50000);
                            var q = rng.Next(2) == 0 ? KernelConformance.ConverterQuant(rng, type, c) : KernelConformance.RandomQuant(rng, type, c);
                            string? f = KernelConformance.CheckDepthwise(isa, new DepthwiseCase(q, g, input, wts, bias));
                            Assert.True(f is null, $"{kh}x{kw} c={c} stride={stride} dilation={dilation} same={same} {type}: {f}");
                        }
    }

    /// <summary>Channel counts that are multiples of 16 (the interior-row fast path), incl. one crossing the 256 block.</summary>
    [Theory]
    [MemberData(nameof(FastVariants))]
    public void DepthwiseInteriorRowsAreBitExact(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        var rng = new Random(1234);
        foreach (int c in new[] { 16, 32, 48, 272 })
            foreach (int stride in new[] { 1, 2 })
                foreach (int dilation in new[] { 1, 2 })
                    foreach (var type in new[] { QuantType.UInt8, QuantType.Int8 })
                    {
                        int h = rng.Next(5, 12), w = rng.Next(5, 12);
                        var g = rng.Next(2) == 0
                            ? DepthwiseGeometry.Create(h, w, c, stride, dilation, samePadding: true)
                            : DepthwiseGeometry.Create(h, w, c, stride, dilation, samePadding: false);
                        var input = new byte[h * w * c]; rng.NextBytes(input);
                        var wts = new byte[9 * c]; rng.NextBytes(wts);
                        var bias = new int[c];
                        for (int i = 0; i < c; i++) bias[i] = rng.Next(-5000, 5000);
                        var t = new DepthwiseCase(KernelConformance.RandomQuant(rng, type, c), g, input, wts, bias);
                        string? f = KernelConformance.CheckDepthwise(isa, t);
                        Assert.True(f is null, $"c={c} stride={stride} dilation={dilation} {type} {g}: {f}");
                    }
    }

    [Theory]
    [MemberData(nameof(FastVariants))]
    public void RequantizationIsBitExactWithFixedPoint(string variant)
    {
        var isa = KernelDispatcher.Parse(variant);
        AssertNoFailure(rng => KernelConformance.CheckRequantize(isa, rng), 13);
    }

    [Fact]
    public void ReferenceGemmFollowsTheFormula()
    {
        // uint8: A = [10, 20], in_zp = 5, W = [[3, 7]], w_zp = 2, bias = 100:
        // acc = 100 + (10-5)*(3-2) + (20-5)*(7-2) = 180; multiplier 0.5 (2^30, shift 0) -> 90; + out_zp 3 = 93.
        var q = new QuantParams
        {
            Type = QuantType.UInt8, InputZeroPoint = 5, FilterZeroPoint = 2, OutputZeroPoint = 3,
            OutputMin = 0, OutputMax = 255, Multiplier = [1 << 30], Shift = [0],
        };
        foreach (var isa in KernelDispatcher.Supported())
        {
            var gemm = QuantizedGemm.For(isa);
            var packed = gemm.Pack(q, 1, 2, [3, 7], [100]);
            var c = new byte[1];
            gemm.Run(packed, 1, [10, 20], c);
            Assert.Equal(93, c[0]);
        }
    }

    [Fact]
    public void ReferenceDepthwiseSkipsPaddingTaps()
    {
        // 1x1 image, 1 channel, SAME padding: only the centre tap is inside. (9-1)*(4-0) = 32, multiplier 0.5 -> 16.
        var q = new QuantParams
        {
            Type = QuantType.Int8, InputZeroPoint = 1, OutputZeroPoint = 0,
            OutputMin = -128, OutputMax = 127, Multiplier = [1 << 30], Shift = [0],
        };
        var g = DepthwiseGeometry.Create(1, 1, 1, stride: 1, dilation: 1, samePadding: true);
        byte[] w = [100, 100, 100, 100, 4, 100, 100, 100, 100];
        foreach (var isa in KernelDispatcher.Supported())
        {
            var dw = DepthwiseConv.For(isa);
            var o = new byte[1];
            dw.Run(dw.Pack(q, 1, w, []), g, [9], o, 0, 1);
            Assert.Equal(16, (sbyte)o[0]);
        }
    }

    [Fact]
    public void DispatcherPicksTheBestVariantOfThisCpu()
    {
        KernelIsa expected = Dp.IsSupported && AdvSimd.Arm64.IsSupported ? KernelIsa.AdvSimdDot
            : AdvSimd.Arm64.IsSupported ? KernelIsa.AdvSimd
            : Avx2.IsSupported ? KernelIsa.Avx2
            : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? KernelIsa.Portable
            : KernelIsa.Reference;
        Assert.Equal(expected, KernelDispatcher.Detect());
        Assert.Equal(expected, KernelDispatcher.Choose(null));
        if (Environment.GetEnvironmentVariable(KernelDispatcher.EnvironmentVariable) is null)
            Assert.Equal(expected, KernelDispatcher.Active);
        Assert.Contains(KernelIsa.Reference, KernelDispatcher.Supported());
    }

    [Fact]
    public void ForcingAnUnsupportedVariantThrowsNamingTheFeature()
    {
        // On x64 the ARM variants are missing; on ARM64 AVX2 is.
        KernelIsa missing = Avx2.IsSupported ? KernelIsa.AdvSimd : KernelIsa.Avx2;
        var e = Assert.Throws<PlatformNotSupportedException>(() => KernelDispatcher.Choose(KernelDispatcher.Name(missing)));
        Assert.Contains(missing == KernelIsa.AdvSimd ? "AdvSimd" : "AVX2", e.Message);
        Assert.Throws<PlatformNotSupportedException>(() => QuantizedGemm.For(missing));
        Assert.Throws<PlatformNotSupportedException>(() => DepthwiseConv.For(missing));
        if (AdvSimd.Arm64.IsSupported && !Dp.IsSupported)
            Assert.Contains("dot product", Assert.Throws<PlatformNotSupportedException>(() => KernelDispatcher.Require(KernelIsa.AdvSimdDot)).Message);
        Assert.Throws<ArgumentException>(() => KernelDispatcher.Choose("sse9"));
        Assert.Equal(KernelIsa.Reference, KernelDispatcher.Choose("reference"));
    }

    [Fact]
    public void SelfTestPassesAndFailsOnAWrongExpectation()
    {
        var active = KernelDispatcher.Name(KernelDispatcher.Active);
        Assert.Equal(0, EdgeRuntime.Cli.SelfTestCommand.Run(["kernels", "--cases", "5", "--expect", active]));
        string wrong = active == "reference" ? "portable" : "reference";
        Assert.Equal(1, EdgeRuntime.Cli.SelfTestCommand.Run(["kernels", "--cases", "5", "--expect", wrong]));
    }
}
