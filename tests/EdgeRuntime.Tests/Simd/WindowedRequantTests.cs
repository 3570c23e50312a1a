using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels;
using EdgeRuntime.Conformance;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Simd;

/// <summary>The windowed requantization gives exactly the reference's bytes, and the VNNI GEMM really runs it.</summary>
public class WindowedRequantTests
{
    private static int Reference(QuantParams q, int x, int channel)
        => Math.Clamp(unchecked(Requantize.Apply(x, q.MultiplierAt(channel), q.ShiftAt(channel), q.Rounding) + q.OutputZeroPoint), q.OutputMin, q.OutputMax);

    private static QuantParams RandomWindowed(Random rng, int channels)
    {
        var type = rng.Next(2) == 0 ? QuantType.UInt8 : QuantType.Int8;
        return KernelConformance.WithWindowedRequant(rng, KernelConformance.RandomQuant(rng, type, channels));
    }

    [Fact]
    public void ScalarFormEqualsReferenceOverTheWholeWindowAndBeyond()
    {
        var rng = new Random(5);
        int windowed = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            QuantParams q = RandomWindowed(rng, 3);
            WindowedRequant? w = WindowedRequant.TryCreate(q, 3, 16);
            if (w is null) continue;
            windowed++;
            for (int c = 0; c < 3; c++)
            {
                // Every accumulator in the window, a margin around it, and random ones across int32.
                for (long x = w.XLo[c] - 300L; x <= w.XHi[c] + 300L; x++)
                    Assert.Equal(Reference(q, (int)x, c), w.Output((int)x, c));
                for (int i = 0; i < 2000; i++)
                {
                    int x = rng.Next(int.MinValue, int.MaxValue);
                    Assert.Equal(Reference(q, x, c), w.Output(x, c));
                }
                Assert.Equal(Reference(q, int.MinValue, c), w.Output(int.MinValue, c));
                Assert.Equal(Reference(q, int.MaxValue, c), w.Output(int.MaxValue, c));
            }
        }
        Assert.True(windowed > 40, $"only {windowed} of 60 parameter sets qualified");
    }

    [Fact]
    public unsafe void Avx2LanesEqualTheScalarForm()
    {
        IsaSkip.Require(Avx2.IsSupported, "x86 AVX2");
        var rng = new Random(6);
        for (int trial = 0; trial < 40; trial++)
        {
            QuantParams q = RandomWindowed(rng, 8);
            WindowedRequant? w = WindowedRequant.TryCreate(q, 8, 16);
            if (w is null) continue;
            fixed (int* lo = w.XLo, hi = w.XHi, mh = w.MulHi, ml = w.MulLo, hz = w.HalfZp, r = w.Right)
            {
                var cols = new WindowedColumns(lo, hi, mh, ml, hz, r);
                var x = new int[8];
                for (int i = 0; i < 4000; i++)
                {
                    for (int j = 0; j < 8; j++) x[j] = rng.Next(4) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(w.XLo[j] - 50, w.XHi[j] + 50);
                    Vector256<int> y = WindowedRequant.OutputAvx2(Vector256.Create(x), cols, 0, w.Upward);
                    for (int j = 0; j < 8; j++) Assert.Equal(w.Output(x[j], j), y[j]);
                }
            }
        }
    }

    [Fact]
    public void DoesNotApplyWhereTheShortcutWouldBeWrong()
    {
        var rng = new Random(7);
        QuantParams q = RandomWindowed(rng, 4);
        Assert.Null(WindowedRequant.TryCreate(With(q, RequantizeRounding.Single, q.Multiplier, q.Shift), 4, 16));
        Assert.Null(WindowedRequant.TryCreate(With(q, q.Rounding, q.Multiplier.Select(m => -m).ToArray(), q.Shift), 4, 16)); // negative multiplier
        Assert.Null(WindowedRequant.TryCreate(With(q, q.Rounding, q.Multiplier, q.Shift.Select(_ => 0).ToArray()), 4, 16));  // no right shift
        Assert.Null(WindowedRequant.TryCreate(With(q, q.Rounding, q.Multiplier, q.Shift.Select(_ => -12).ToArray()), 4, 16)); // window too wide
    }

    private static QuantParams With(QuantParams q, RequantizeRounding rounding, int[] mult, int[] shift) => new()
    {
        Type = q.Type, InputZeroPoint = q.InputZeroPoint, FilterZeroPoint = q.FilterZeroPoint, OutputZeroPoint = q.OutputZeroPoint,
        OutputMin = q.OutputMin, OutputMax = q.OutputMax, Multiplier = mult, Shift = shift, Rounding = rounding,
    };

    /// <summary>The four ways the VNNI kernel can run (centered or row-sum weights, windowed or general requantization) all occur and all match the reference.</summary>
    [Fact]
    public void VnniGemmRunsEveryPackingAndRequantizationPathExactly()
    {
        IsaSkip.Require(AvxVnni.IsSupported, "x86 AVX-VNNI");
        var vnni = new Avx2QuantizedGemm(useVnni: true);
        var rng = new Random(8);
        var seen = new HashSet<(bool Centered, bool Windowed)>();
        for (int i = 0; i < 400; i++)
        {
            GemmCase t = KernelConformance.RandomGemmCase(rng);
            string? failure = KernelConformance.CheckGemm(vnni, t);
            Assert.True(failure is null, failure);
            PackedGemmWeights w = vnni.Pack(t.Quant, t.N, t.K, t.W, t.Bias);
            seen.Add((w.RowSumScale == 0 && t.Quant.FilterZeroPoint != 0, w.Requant.Windowed is not null));
        }
        Assert.Contains((true, true), seen);
        Assert.Contains((true, false), seen);
        Assert.Contains((false, true), seen);
        Assert.Contains((false, false), seen);
    }
}
