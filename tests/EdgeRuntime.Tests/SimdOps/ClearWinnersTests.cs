using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.SimdOps;

/// <summary>
/// The class-map shortcut of <see cref="LogitsArgMax"/>: per-pixel clear winners on every variant equal the scalar
/// definition (ties and NaN included), and the class maps it gives equal interpolating every class, bit for bit.
/// </summary>
public class ClearWinnersTests
{
    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (KernelIsa isa in KernelDispatcher.AllVariants)
            data.Add(new TheoryDataRow<string>(KernelDispatcher.Name(isa)).WithSkip(IsaSkip.Reason(isa)));
        return data;
    }

    /// <summary>Logits on a coarse grid of values (many ties), a few NaN and infinities.</summary>
    private static float[] CoarseLogits(Random rng, int n, double nanRate)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            v[i] = u < nanRate ? float.NaN : u < 2 * nanRate ? float.PositiveInfinity : rng.Next(-6, 7) * 0.5f;
        }
        return v;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void WinnersEqualTheScalarDefinition(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var rng = new Random(31);
        // 1..40, and both sides of 64 (one bit per class up to 64, a counting loop above) up to the 254 maximum.
        foreach (int classes in Enumerable.Range(1, 40).Concat([63, 64, 65, 71, 100, 254]))
        {
            // The intended width runs: a silent scalar fallback on a vector variant fails here.
            int expectedBits = isa == KernelIsa.Reference ? 0 : isa == KernelIsa.Avx2 && classes >= 8 ? 256 : classes >= 4 ? 128 : 0;
            Assert.Equal(expectedBits, ClearWinners.VectorBits(isa, classes));
            int pixels = rng.Next(1, 300);
            float[] logits = CoarseLogits(rng, pixels * classes, 0.002);
            var expected = new byte[pixels];
            var actual = new byte[pixels];
            ClearWinners.Scalar<float>(logits, pixels, classes, expected);
            ClearWinners.Compute<float>(isa, logits, pixels, classes, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{variant}, {classes} classes: winners differ");
            if (classes >= 2) Assert.Contains(ClearWinners.None, expected); // ties really occur
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ClassMapsEqualInterpolatingEveryClass(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var rng = new Random(32);
        for (int i = 0; i < 40; i++)
        {
            int h = rng.Next(1, 30), w = rng.Next(1, 30), classes = rng.Next(1, 30);
            int outH = rng.Next(1, 90), outW = rng.Next(1, 90);
            // Smooth fields (large regions, real boundaries) on a coarse grid (exact ties), with rare NaN.
            var logits = new float[h * w * classes];
            var centres = Enumerable.Range(0, classes).Select(_ => (rng.NextDouble() * h, rng.NextDouble() * w)).ToArray();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < classes; c++)
                    {
                        double d = Math.Abs(y - centres[c].Item1) + Math.Abs(x - centres[c].Item2);
                        logits[(y * w + x) * classes + c] = rng.NextDouble() < 0.001 ? float.NaN : MathF.Round((float)(-d * 2)) / 2;
                    }
            var expected = new byte[outH * outW];
            var actual = new byte[outH * outW];
            new LogitsArgMax(isa) { AllClasses = true }.Resize(logits, h, w, classes, outH, outW, expected);
            new LogitsArgMax(isa).Resize(logits, h, w, classes, outH, outW, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{variant}: {h}x{w}x{classes} -> {outH}x{outW} differs");

            // A region of a canvas mapped back to another size (letterbox) and a crop (513 canvas) as well.
            int canvas = Math.Max(h, w) * 3;
            var region = new ImageRegion(rng.Next(0, canvas / 3), rng.Next(0, canvas / 3), rng.Next(1, canvas / 2), rng.Next(1, canvas / 2));
            expected = new byte[outH * outW];
            actual = new byte[outH * outW];
            new LogitsArgMax(isa) { AllClasses = true }.UpsampleRegion(logits, h, w, classes, canvas, canvas, region, outH, outW, expected);
            new LogitsArgMax(isa).UpsampleRegion(logits, h, w, classes, canvas, canvas, region, outH, outW, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{variant}: region {region} of {canvas} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void QuantizedLogitsEqualInterpolatingEveryClass(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var rng = new Random(33);
        var u8 = new byte[17 * 13 * 21];
        for (int i = 0; i < u8.Length; i++) u8[i] = (byte)(rng.Next(0, 8) * 32);
        var expected = new byte[100 * 80];
        var actual = new byte[100 * 80];
        new LogitsArgMax(isa) { AllClasses = true }.Resize(u8, 17, 13, 21, 100, 80, expected);
        new LogitsArgMax(isa).Resize(u8, 17, 13, 21, 100, 80, actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>Boundary pixels of float logits interpolate in vectors on every vector variant (a scalar fallback would hide a slow path).</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void BoundaryPixelsUseVectorsOnVectorVariants(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        Assert.Equal(isa == KernelIsa.Reference ? 0 : isa == KernelIsa.Avx2 ? 256 : 128, LogitsArgMax.ExactVectorBits<float>(isa, 21));
        Assert.Equal(0, LogitsArgMax.ExactVectorBits<byte>(isa, 21));
    }

    /// <summary>Noise logits: most output pixels are boundary pixels, so the vector interpolation carries the map (ties, NaN, infinities).</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void NoiseLogitsEqualInterpolatingEveryClass(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var rng = new Random(34);
        for (int i = 0; i < 40; i++)
        {
            int h = rng.Next(1, 20), w = rng.Next(1, 20), classes = rng.Next(1, 40), outH = rng.Next(1, 60), outW = rng.Next(1, 80);
            float[] logits = i % 2 == 0 ? CoarseLogits(rng, h * w * classes, 0.002)
                : Enumerable.Range(0, h * w * classes).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            var expected = new byte[outH * outW];
            var actual = new byte[outH * outW];
            new LogitsArgMax(isa) { AllClasses = true }.Resize(logits, h, w, classes, outH, outW, expected);
            new LogitsArgMax(isa).Resize(logits, h, w, classes, outH, outW, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{variant}: {h}x{w}x{classes} -> {outH}x{outW} differs");
        }
    }

    /// <summary>Issue 15's case: the 257 model's real logits for the benchmark photo, back to 500x375, on every variant.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void The257ModelOnTheBenchmarkPhoto(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var image = new RgbImage();
        ImageDecoder.Decode(File.ReadAllBytes(SharedData.Path("data", "voc2012_val", "JPEGImages", "2007_000123.jpg")), image);
        var graph = EdgeRuntime.Tflite.TfliteModelReader.Load(SharedData.Model(SharedData.Float257));
        var model = SegmentationModel.Describe(graph);
        using var interpreter = Interpreter.Create(graph);
        new InputPreprocessor(model.Input, model.DefaultFitMode).Process(image, interpreter.InputBytes());
        interpreter.Invoke();
        ReadOnlySpan<float> logits = interpreter.Output<float>();
        var expected = new byte[image.Width * image.Height];
        var actual = new byte[expected.Length];
        new LogitsArgMax(isa) { AllClasses = true }.Resize(logits, model.OutputHeight, model.OutputWidth, model.ClassCount, image.Height, image.Width, expected);
        new LogitsArgMax(isa).Resize(logits, model.OutputHeight, model.OutputWidth, model.ClassCount, image.Height, image.Width, actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{variant}: the photo's class map differs");
        Assert.Contains(expected, b => b != 0);
    }
}
