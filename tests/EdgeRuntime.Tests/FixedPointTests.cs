using EdgeRuntime.Kernels;

namespace EdgeRuntime.Tests;

public class FixedPointTests
{
    [Theory]
    // Hand-worked: 0.5 = 2^30 / 2^31 * 2^0; 0.25 -> same significand, shift -1; 3.0 = 0.75 * 2^2.
    [InlineData(0.5, 1 << 30, 0)]
    [InlineData(0.25, 1 << 30, -1)]
    [InlineData(3.0, 1610612736, 2)]
    [InlineData(0.0, 0, 0)]
    public void QuantizeMultiplierMatchesFrexpDefinition(double real, int expectedMultiplier, int expectedShift)
    {
        FixedPoint.QuantizeMultiplier(real, out int m, out int s);
        Assert.Equal(expectedMultiplier, m);
        Assert.Equal(expectedShift, s);
    }

    [Fact]
    public void QuantizeMultiplierRoundsUpToNextPowerOfTwo()
    {
        // 0.99999999999 rounds to 2^31 in Q31 and must become 2^30 with shift + 1 (TFLite's special case).
        FixedPoint.QuantizeMultiplier(0.99999999999, out int m, out int s);
        Assert.Equal(1 << 30, m);
        Assert.Equal(1, s);
    }

    [Theory]
    [InlineData(int.MinValue, int.MinValue, int.MaxValue)] // the one saturating case
    [InlineData(1 << 30, 1 << 30, 1 << 29)]                 // 0.5 * 0.5 = 0.25
    [InlineData(3, 1 << 30, 2)]                              // 1.5 rounds away from zero -> 2
    [InlineData(-3, 1 << 30, -1)]                            // -1.5: gemmlowp nudge gives -1 (rounds half toward +inf for negatives)
    public void SaturatingRoundingDoublingHighMul(int a, int b, int expected)
        => Assert.Equal(expected, FixedPoint.SaturatingRoundingDoublingHighMul(a, b));

    [Theory]
    [InlineData(5, 1, 3)]    // 2.5 -> 3 (away from zero)
    [InlineData(-5, 1, -3)]  // -2.5 -> -3
    [InlineData(7, 2, 2)]    // 1.75 -> 2
    [InlineData(-6, 2, -2)]  // -1.5 -> -2
    [InlineData(100, 0, 100)]
    public void RoundingDivideByPOT(int x, int exponent, int expected)
        => Assert.Equal(expected, FixedPoint.RoundingDivideByPOT(x, exponent));

    [Fact]
    public void MultiplyByQuantizedMultiplierApproximatesTheRealProduct()
    {
        var rng = new Random(1234);
        for (int i = 0; i < 10000; i++)
        {
            double real = Math.Exp(rng.NextDouble() * 10 - 8); // 3e-4 .. 7
            int x = rng.Next(-100000, 100000);
            FixedPoint.QuantizeMultiplier(real, out int m, out int s);
            int got = FixedPoint.MultiplyByQuantizedMultiplier(x, m, s);
            Assert.InRange(got, Math.Floor(x * real) - 1, Math.Ceiling(x * real) + 1);
        }
    }
}
