using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Tests.Simd;

/// <summary>
/// Every requantization policy (Kernels/Requantization/RequantPolicies.cs), on every ISA this CPU runs, equals
/// Requantize.Apply in the policy's rounding for the shifts the policy admits: random accumulators (including the
/// int32 extremes), multipliers and per-lane shifts. The ISA members the CPU lacks are not run (ARM64 under qemu
/// covers AdvSimd, via the kernel conformance suites).
/// </summary>
public unsafe class RequantPoliciesTests
{
    private const int Lanes = 8, Rounds = 4000;

    [Fact] public void AwayFromZero() => Check<AwayFromZero>(rightOnly: false, tensor: false, seed: 1);
    [Fact] public void Upward() => Check<Upward>(rightOnly: false, tensor: false, seed: 2);
    [Fact] public void SingleRounding() => Check<SingleRounding>(rightOnly: false, tensor: false, seed: 3);
    [Fact] public void AwayFromZeroRight() => Check<AwayFromZeroRight>(rightOnly: true, tensor: false, seed: 4);
    [Fact] public void AwayFromZeroRightCompare() => Check<AwayFromZeroRightCompare>(rightOnly: true, tensor: false, seed: 5);
    [Fact] public void AwayFromZeroTensor() => Check<AwayFromZeroTensor>(rightOnly: true, tensor: true, seed: 6);
    [Fact] public void UpwardRight() => Check<UpwardRight>(rightOnly: true, tensor: false, seed: 7);
    [Fact] public void SingleRoundingRight() => Check<SingleRoundingRight>(rightOnly: true, tensor: false, seed: 8);

    [Fact]
    public void TheRightShiftPoliciesSayWhatTheyNeed()
    {
        Assert.False(Policy<AwayFromZero>.RightShiftsOnly);
        Assert.False(Policy<Upward>.RightShiftsOnly);
        Assert.False(Policy<SingleRounding>.RightShiftsOnly);
        Assert.True(Policy<AwayFromZeroRight>.RightShiftsOnly);
        Assert.True(Policy<AwayFromZeroTensor>.RightShiftsOnly);
        Assert.True(Policy<UpwardRight>.RightShiftsOnly);
        Assert.True(Policy<SingleRoundingRight>.RightShiftsOnly);
        Assert.Equal(RequantizeRounding.DoubleUpward, Policy<UpwardRight>.Rounding);
        Assert.Equal(RequantizeRounding.Single, Policy<SingleRoundingRight>.Rounding);
    }

    private static class Policy<T> where T : struct, IRequantPolicy
    {
        public static bool RightShiftsOnly => T.RightShiftsOnly;
        public static RequantizeRounding Rounding => T.Rounding;
    }

    private static int Accumulator(Random rng) => rng.Next(8) switch
    {
        0 => int.MaxValue,
        1 => int.MinValue,
        2 => rng.Next(-70000, 70000),
        3 => 0,
        _ => rng.Next(int.MinValue, int.MaxValue),
    };

    private static void Check<TPolicy>(bool rightOnly, bool tensor, int seed) where TPolicy : struct, IRequantPolicy
    {
        var rng = new Random(seed);
        // One padding lane past the 8: MultOdd[c] = Mult[c + 1].
        int[] mult = new int[Lanes + 1], multOdd = new int[Lanes], left = new int[Lanes], leftMul = new int[Lanes], right = new int[Lanes],
            negRight = new int[Lanes], add = new int[Lanes], mask = new int[Lanes], half = new int[Lanes], total = new int[Lanes], negTotal = new int[Lanes];
        int[] shift = new int[Lanes], x = new int[Lanes], got = new int[Lanes];
        for (int round = 0; round < Rounds; round++)
        {
            for (int c = 0; c < Lanes; c++)
            {
                bool same = tensor && c > 0;
                // Multipliers as QuantizeMultiplier makes them (2^30..2^31-1), sometimes any value but int.MinValue.
                mult[c] = same ? mult[0] : rng.Next(4) == 0 ? rng.Next(int.MinValue + 1, int.MaxValue) : rng.Next(1 << 30, int.MaxValue);
                shift[c] = same ? shift[0] : rightOnly ? rng.Next(-31, 0) : rng.Next(-31, 31);
                int l = Math.Max(shift[c], 0), r = Math.Max(-shift[c], 0);
                left[c] = l; leftMul[c] = 1 << l; right[c] = r; negRight[c] = -r;
                add[c] = r == 0 ? 0 : 1 << (r - 1);
                mask[c] = (int)((1L << r) - 1); half[c] = mask[c] >> 1;
                total[c] = 31 - shift[c]; negTotal[c] = shift[c] - 31;
                x[c] = Accumulator(rng);
            }
            for (int c = 0; c < Lanes; c++) multOdd[c] = mult[c + 1];
            fixed (int* pm = mult, pmo = multOdd, pl = left, plm = leftMul, pr = right, pnr = negRight, pa = add, pk = mask, ph = half, pt = total, pnt = negTotal, px = x, pg = got)
            {
                var p = new RequantPointers
                {
                    Mult = pm, MultOdd = pmo, Left = pl, LeftMul = plm, Right = pr, NegRight = pnr, Add = pa, Mask = pk, Half = ph, Total = pt, NegTotal = pnt,
                    TensorMultiplier = mult[0], TensorRight = right[0], TensorAdd = add[0],
                };
                var expected = new int[Lanes];
                for (int c = 0; c < Lanes; c++)
                {
                    expected[c] = Requantize.Apply(x[c], mult[c], shift[c], TPolicy.Rounding);
                    Assert.True(expected[c] == TPolicy.Scalar(x[c], mult[c], shift[c]), $"{typeof(TPolicy).Name} scalar x={x[c]} m={mult[c]} shift={shift[c]}");
                }
                for (int c = 0; c < Lanes; c += 4) TPolicy.Portable(Vector128.Load(px + c), p, c).Store(pg + c);
                Compare("portable");
                if (Avx2.IsSupported)
                {
                    TPolicy.Avx2(Vector256.Load(px), p, 0).Store(pg);
                    Compare("avx2");
                }
                if (AdvSimd.Arm64.IsSupported)
                {
                    for (int c = 0; c < Lanes; c += 4) TPolicy.AdvSimd(Vector128.Load(px + c), TPolicy.LoadAdvSimd(p, c)).Store(pg + c);
                    Compare("advsimd");
                }

                void Compare(string isa)
                {
                    for (int c = 0; c < Lanes; c++)
                        Assert.True(expected[c] == got[c], $"{typeof(TPolicy).Name} {isa}: x={x[c]} m={mult[c]} shift={shift[c]}: {got[c]}, expected {expected[c]}");
                }
            }
        }
    }
}
