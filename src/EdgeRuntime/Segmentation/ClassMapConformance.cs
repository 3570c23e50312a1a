using EdgeRuntime.Imaging;
using EdgeRuntime.Kernels;
using EdgeRuntime.Preprocessing;

namespace EdgeRuntime.Segmentation;

/// <summary>
/// Bit-exactness of the pre- and post-processing vector paths on <c>isa</c>: the float input resize (vector width of
/// the variant) against the scalar table pass, and the clear-winner class map against interpolating every class. For
/// unit tests and for `edgert selftest kernels` on ARM64 boards / under qemu. One line per failing case; a vector
/// variant that falls back to a scalar path is a failure too.
/// </summary>
internal static class ClassMapConformance
{
    public static IEnumerable<string> Run(KernelIsa isa, int seed, int cases)
    {
        int bits = isa == KernelIsa.Reference ? 0 : isa == KernelIsa.Avx2 ? 256 : 128;
        if (LogitsArgMax.ExactVectorBits<float>(isa, 21) != bits) yield return $"class map: boundary pixels of {KernelDispatcher.Name(isa)} are not {bits}-bit";
        var rng = new Random(seed + 15);
        for (int k = 0; k < cases; k++)
        {
            // Float input: random geometry and value range, the variant's width against the scalar pass.
            int w = rng.Next(1, 80), h = rng.Next(1, 40), dw = rng.Next(1, 70), dh = rng.Next(1, 40);
            float lo = k % 2 == 0 ? -1f : (float)(rng.NextDouble() * 200 - 150), hi = k % 2 == 0 ? 1f : lo + (float)(rng.NextDouble() * 300 + 0.01);
            var px = new byte[w * h * 3];
            rng.NextBytes(px);
            var image = new RgbImage(w, h, px);
            var spec = InputSpec.Float32(dw, dh, lo, hi);
            var vector = new InputPreprocessor(spec, FitMode.Resize, bits);
            var scalar = new InputPreprocessor(spec, FitMode.Resize, 0);
            if (bits != 0 && vector.FloatConversion == FloatResizer.ToFloat.Table) yield return $"float input case {k}: [{lo}, {hi}] fell back to the table";
            byte[] a = new byte[spec.TensorBytes], b = new byte[spec.TensorBytes];
            vector.Process(image, a);
            scalar.Process(image, b);
            if (!a.AsSpan().SequenceEqual(b)) yield return $"float input case {k}: {w}x{h} -> {dw}x{dh} [{lo}, {hi}] differs";

            // Class map: smooth fields (real boundaries) or noise, with ties, NaN and infinities.
            int lh = rng.Next(1, 20), lw = rng.Next(1, 20), classes = k % 3 == 0 ? 21 : rng.Next(1, 40), oh = rng.Next(1, 60), ow = rng.Next(1, 80);
            var logits = new float[lh * lw * classes];
            bool smooth = k % 2 == 0;
            for (int i = 0; i < logits.Length; i++)
            {
                int c = i % classes, p = i / classes;
                double u = rng.NextDouble();
                logits[i] = u < 0.002 ? float.NaN : u < 0.004 ? float.NegativeInfinity
                    : smooth ? MathF.Round(-MathF.Abs(p / lw - c % lh) - MathF.Abs(p % lw - c * 7 % lw)) / 2 : (float)(rng.NextDouble() * 20 - 10);
            }
            byte[] expected = new byte[oh * ow], actual = new byte[oh * ow];
            new LogitsArgMax(isa) { AllClasses = true }.Resize(logits, lh, lw, classes, oh, ow, expected);
            new LogitsArgMax(isa).Resize(logits, lh, lw, classes, oh, ow, actual);
            if (!expected.AsSpan().SequenceEqual(actual)) yield return $"class map case {k}: {lh}x{lw}x{classes} -> {oh}x{ow} differs";
        }
    }
}
