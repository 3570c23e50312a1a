using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Resize;

namespace EdgeRuntime.Tests.SimdOps;

/// <summary>When the fused uint8 kernel may interpolate rows first (separable), and that doing so gives the resize kernel's floats.</summary>
public class ResizeArgMaxPlanTests
{
    private static ResizeBilinearArgMaxPlan Plan(int inSize, int outSize, bool align, bool halfPixel, bool int8 = false, int depth = 21) =>
        new(ResizeBilinearPlan.Create(new ResizeBilinearParams(align, halfPixel), new Shape4(1, inSize, inSize, depth), new Shape4(1, outSize, outSize, depth)), int8);

    [Fact]
    public void SeparableForExactFractionsOnly()
    {
        Assert.True(Plan(33, 513, align: true, halfPixel: false).Separable);  // DeepLab: fractions k/16
        Assert.True(Plan(65, 513, align: true, halfPixel: false).Separable);  // k/8
        Assert.True(Plan(10, 40, align: false, halfPixel: true, depth: 7).Separable); // power-of-two scale, negative edge fractions
        Assert.False(Plan(33, 500, align: true, halfPixel: false).Separable); // 32/499: inexact fractions keep the four products
        Assert.False(Plan(7, 23, align: false, halfPixel: false).Separable);
        Assert.True(Plan(7, 23, align: false, halfPixel: false, int8: true).Separable); // integers are always exact
    }

    [Fact]
    public void ExactnessBoundCountsFractionalBits()
    {
        Assert.True(ResizeBilinearArgMaxPlan.IsExactInFloat([0f, 0.5f], [0f, 0.25f]));
        Assert.True(ResizeBilinearArgMaxPlan.IsExactInFloat([0f], [0.5f]));
        Assert.False(ResizeBilinearArgMaxPlan.IsExactInFloat([0.1f], [0f]));
        // 2^-8 and 2^-8: 255.5 * 2^16 < 2^24, exact; 2^-9 and 2^-8: 255.5 * 2^17 is not.
        Assert.True(ResizeBilinearArgMaxPlan.IsExactInFloat([1f / 256], [1f / 256]));
        Assert.False(ResizeBilinearArgMaxPlan.IsExactInFloat([1f / 512], [1f / 256]));
    }

    /// <summary>
    /// Every (dx, dy) of the 33 -> 513 plan and every corner combination of extreme and middle codes: the separable order
    /// ((1-dy) * (a(1-dx) + b dx + 0.5) + dy * (c(1-dx) + d dx + 0.5)) gives exactly the resize kernel's float.
    /// </summary>
    [Fact]
    public void SeparableOrderGivesTheResizeKernelsFloatsOnDeepLabsGeometry()
    {
        ResizeBilinearArgMaxPlan plan = Plan(33, 513, align: true, halfPixel: false);
        ResizeBilinearPlan r = plan.Resize;
        float[] dxs = [.. plan.Dx.Distinct()];
        float[] dys = [.. Enumerable.Range(0, 513).Select(y => r.YScaled[y] - r.Y0[y]).Distinct()];
        Assert.Equal(16, dxs.Length);
        int[] codes = [0, 1, 2, 127, 128, 200, 253, 254, 255];
        long checkedValues = 0;
        foreach (float dx in dxs)
            foreach (float dy in dys)
            {
                float s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx;
                foreach (int a in codes)
                    foreach (int b in codes)
                        foreach (int c in codes)
                            foreach (int d in codes)
                            {
                                float reference = a * s00 + b * s01 + c * s10 + d * s11 + 0.5f;
                                float top = a * (1 - dx) + b * dx + 0.5f, bottom = c * (1 - dx) + d * dx + 0.5f;
                                float separable = (1 - dy) * top + dy * bottom;
                                Assert.True(reference == separable, $"a={a} b={b} c={c} d={d} dx={dx} dy={dy}: {reference:R} vs {separable:R}");
                                checkedValues++;
                            }
            }
        Assert.Equal(16L * 16 * 6561, checkedValues);
    }
}
