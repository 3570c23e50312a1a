using EdgeRuntime.Kernels;
using EdgeRuntime.Conformance;
using EdgeRuntime.Kernels.Gemm;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Tests.Simd;

/// <summary>
/// The arithmetic of the ARM GEMM (<see cref="ArmGemm"/>) checked on any machine: its pack-time choices and its
/// fixed-point identities, emulated in scalar code. The kernels themselves run under qemu (scripts/qemu-conformance.sh,
/// <see cref="KernelConformance.CheckArmGemmPaths"/>), which is what proves the AdvSimd code.
/// </summary>
public class ArmGemmPackingTests
{
    /// <summary>
    /// The A72 packing picks SMULL + SMLAL + SADALP exactly when every w - w_zp is in [-127, 127]; emulating that kernel
    /// from the packed bytes gives the reference accumulators, and no int16 pair lane ever leaves int16. The exact
    /// packing, emulated likewise (raw products plus the row correction), matches too.
    /// </summary>
    [Fact]
    public void AdvSimdPackingChoosesPairsExactlyWhenSafeAndTheAlgebraIsExact()
    {
        var gemm = new AdvSimdQuantizedGemm();
        var rng = new Random(31);
        int pairs = 0, exact = 0;
        for (int c = 0; c < 300; c++)
        {
            bool fits = c % 2 == 0;
            GemmCase t = KernelConformance.EdgeGemmCase(rng, fits);
            PackedGemmWeights w = gemm.Pack(t.Quant, t.N, t.K, t.W, t.Bias);
            Assert.Equal(fits, w.Pairs);
            if (w.Pairs) pairs++; else exact++;
            bool s8 = t.Quant.Type == QuantType.Int8;
            int izp = t.Quant.InputZeroPoint, wzp = t.Quant.FilterZeroPoint, chunks = w.Kp / 16;
            for (int m = 0; m < t.M; m++)
            {
                int rowSum = 0;
                for (int k = 0; k < t.K; k++) rowSum += s8 ? (sbyte)t.A[m * t.AStride + k] : t.A[m * t.AStride + k];
                for (int n = 0; n < t.N; n++)
                {
                    int expected = t.Bias.Length == 0 ? 0 : t.Bias[n];
                    for (int k = 0; k < t.K; k++)
                    {
                        int a = s8 ? (sbyte)t.A[m * t.AStride + k] : t.A[m * t.AStride + k];
                        int wv = s8 ? (sbyte)t.W[n * t.K + k] : t.W[n * t.K + k];
                        expected = unchecked(expected + (a - izp) * (wv - wzp));
                    }
                    int acc = unchecked(w.Requant.Bias[n] + w.RowSumScale * rowSum);
                    for (int ch = 0; ch < chunks; ch++)
                    {
                        // c16 layout: [block][chunk][4 columns][16 k]
                        long at = ((long)(n / ArmGemm.NeonNR) * chunks + ch) * ArmGemm.NeonNR * 16 + (n % ArmGemm.NeonNR) * 16;
                        int Act(int kk)
                        {
                            int k = ch * 16 + kk;
                            byte b = k < t.K ? t.A[m * t.AStride + k] : (byte)0; // bytes past K meet zero weights
                            return w.Pairs ? (sbyte)(s8 ? b : b ^ 0x80) : s8 ? (sbyte)b : b;
                        }
                        int Wt(int kk) => w.Pairs || s8 ? (sbyte)w.Data[at + kk] : w.Data[at + kk];
                        for (int lane = 0; lane < 8; lane++)
                        {
                            int pair = Act(lane) * Wt(lane) + Act(lane + 8) * Wt(lane + 8);
                            if (w.Pairs) Assert.InRange(pair, short.MinValue, short.MaxValue);
                            acc = unchecked(acc + pair);
                        }
                    }
                    Assert.Equal(expected, acc);
                }
            }
        }
        Assert.True(pairs > 100 && exact > 100);
    }

    [Fact]
    public void WeightsAtMinus128OrBeyondTakeTheExactPath()
    {
        var gemm = new AdvSimdQuantizedGemm();
        QuantParams Q(QuantType type, int wzp) => new()
        {
            Type = type, InputZeroPoint = 0, FilterZeroPoint = wzp, OutputZeroPoint = 0, OutputMin = type == QuantType.Int8 ? -128 : 0,
            OutputMax = type == QuantType.Int8 ? 127 : 255, Multiplier = [1 << 30], Shift = [-3],
        };
        Assert.True(gemm.Pack(Q(QuantType.Int8, 0), 1, 2, [0x81, 0x7F], []).Pairs);            // -127, 127
        Assert.False(gemm.Pack(Q(QuantType.Int8, 0), 1, 2, [0x80, 0x7F], []).Pairs);           // -128
        Assert.False(gemm.Pack(Q(QuantType.Int8, -1), 1, 2, [0x00, 0x7F], []).Pairs);          // 127 - (-1) = 128
        Assert.True(gemm.Pack(Q(QuantType.UInt8, 128), 1, 2, [1, 255], []).Pairs);             // -127, 127
        Assert.False(gemm.Pack(Q(QuantType.UInt8, 128), 1, 2, [0, 255], []).Pairs);            // -128
        Assert.False(gemm.Pack(Q(QuantType.UInt8, 0), 1, 2, [0, 128], []).Pairs);              // 128
    }

    private static int Sat(long v) => (int)Math.Clamp(v, int.MinValue, int.MaxValue);
    private static int Sqrdmulh(int a, int b) => Sat(((long)a * b * 2 + (1L << 31)) >> 32);
    private static int Sqdmulh(int a, int b) => Sat((long)a * b * 2 >> 32);
    private static int Srshl(int x, int r) => r == 0 ? x : (int)(((long)x + (1L << (r - 1))) >> r); // shift right by r, rounding (infinite precision)

    /// <summary>The right-shift-only requantization forms (ArmAwayRight, ArmUpwardRight, ArmSingleRight) against the definition.</summary>
    [Fact]
    public void RightShiftFormsEqualRequantizeApply()
    {
        var rng = new Random(32);
        for (int i = 0; i < 200_000; i++)
        {
            int m = rng.Next(4) switch { 0 => int.MaxValue, 1 => -int.MaxValue, 2 => rng.Next(int.MinValue + 1, int.MaxValue), _ => rng.Next(1 << 30, int.MaxValue) };
            int shift = rng.Next(3) == 0 ? -31 : -rng.Next(1, 32);
            int x = rng.Next(5) switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => rng.Next(-1000, 1000), _ => rng.Next(int.MinValue, int.MaxValue) };
            int r = -shift;
            int h = Sqrdmulh(x, m);
            Assert.NotEqual(int.MinValue, h); // so that h + (h >> 31) cannot wrap
            Assert.Equal(Requantize.Apply(x, m, shift, RequantizeRounding.DoubleAwayFromZero), Srshl(h + (h >> 31), r));
            Assert.Equal(Requantize.Apply(x, m, shift, RequantizeRounding.DoubleUpward), Srshl(h, r));
            int single = Requantize.Apply(x, m, shift, RequantizeRounding.Single);
            Assert.Equal(single, Srshl(Sqdmulh(x, m), r));
            Assert.InRange(single, -(1 << 30), 1 << 30); // the bound that lets the zero point be added after the int16 narrow
        }
    }

    [Fact]
    public void RightShiftsOnlyIsSetOnlyWhenEveryChannelShiftsRight()
    {
        QuantParams Q(int[] shifts) => new()
        {
            Type = QuantType.UInt8, InputZeroPoint = 0, OutputZeroPoint = 0, OutputMin = 0, OutputMax = 255,
            Multiplier = shifts.Select(_ => 1 << 30).ToArray(), Shift = shifts,
        };
        Assert.True(new RequantTable(Q([-1, -31, -5]), 3, new int[3]).RightShiftsOnly);
        Assert.False(new RequantTable(Q([-1, 0, -5]), 3, new int[3]).RightShiftsOnly);
        Assert.False(new RequantTable(Q([2]), 3, new int[3]).RightShiftsOnly);
        Assert.True(new RequantTable(Q([-7]), 3, new int[3]).RightShiftsOnly);
    }
}
