using System.Runtime.InteropServices;
using System.Collections.Concurrent;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.FloatConv;
using EdgeRuntime.Conformance;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Models;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Kernels;

/// <summary>Float CONV_2D / DEPTHWISE_CONV_2D SIMD kernels: every output bit equal to the scalar reference, on every variant this CPU runs.</summary>
public class FloatConvSimdTests
{
    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (KernelIsa isa in IsaSkip.FastVariants)
            data.Add(new TheoryDataRow<string>(KernelDispatcher.Name(isa)).WithSkip(IsaSkip.Reason(isa)));
        return data;
    }

    private static void AssertNoFailure(KernelIsa isa, bool depthwise, int seed, int cases, int maxSpatial = 9)
    {
        var rng = new Random(seed);
        for (int i = 0; i < cases; i++)
        {
            FloatConvCase t = FloatConvConformance.RandomCase(rng, depthwise, maxSpatial);
            string? failure = FloatConvConformance.Check(isa, t);
            Assert.True(failure is null, failure);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void RandomConvsEqualReferenceBitForBit(string variant) => AssertNoFailure(KernelDispatcher.Parse(variant), depthwise: false, seed: 11, cases: 150);

    [Theory]
    [MemberData(nameof(Variants))]
    public void RandomDepthwiseEqualReferenceBitForBit(string variant) => AssertNoFailure(KernelDispatcher.Parse(variant), depthwise: true, seed: 12, cases: 150);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Depthwise3x3RowSegmentsRunAndEqualReferenceBitForBit(string variant)
    {
        // Fails too when the segment kernel silently stops running (the per-pixel loop would still be exact).
        var rng = new Random(15);
        for (int i = 0; i < 80; i++)
        {
            string? failure = FloatConvConformance.CheckDepthwise3x3Segment(KernelDispatcher.Parse(variant), rng);
            Assert.True(failure is null, failure);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void WideConvTilesEqualReferenceBitForBit(string variant)
    {
        // 1x1 convs as one long row and 3x3 interiors; on the AdvSimd variants also fails when the 6-pixel tiles did not run.
        var rng = new Random(16);
        for (int i = 0; i < 80; i++)
        {
            string? failure = FloatConvConformance.CheckWideConvTiles(KernelDispatcher.Parse(variant), rng);
            Assert.True(failure is null, failure);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void WiderImagesExerciseInteriorTiles(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        AssertNoFailure(isa, depthwise: false, seed: 13, cases: 20, maxSpatial: 24);
        AssertNoFailure(isa, depthwise: true, seed: 14, cases: 20, maxSpatial: 24);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void SkippedTapsAreNotAddedAsZeroTimesWeight(string variant)
    {
        // Padding taps with infinite weights: adding 0 * inf would give NaN; the reference skips them. A negative-zero
        // product sum (+0 start, -0 products) and an all-padding output (bias only) are covered by the same case.
        KernelIsa isa = KernelDispatcher.Parse(variant);
        foreach (bool depthwise in new[] { false, true })
        {
            var inShape = new Shape4(1, 3, 5, 3);
            int outC = depthwise ? 3 : 9;
            var fShape = depthwise ? new Shape4(1, 3, 3, outC) : new Shape4(outC, 3, 3, 3);
            var input = Enumerable.Range(0, inShape.FlatSize).Select(i => i % 4 == 0 ? -0f : i % 4 == 1 ? 0.5f : -0.25f).ToArray();
            var filter = Enumerable.Range(0, fShape.FlatSize).Select(i => i % 9 == 0 ? float.PositiveInfinity : i % 5 == 0 ? -0f : 1f).ToArray();
            var t = new FloatConvCase(depthwise, inShape, fShape, new Shape4(1, 4, 8, outC), new ConvGeometry(1, 1, 1, 1, 1, 1), 1,
                float.NegativeInfinity, float.PositiveInfinity, input, filter, [], Special: true);
            string? failure = FloatConvConformance.Check(isa, t);
            Assert.True(failure is null, failure);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void FusedVariantsReallyFuse(string variant)
    {
        // AVX2 (with FMA3) and AdvSimd fuse, portable does not. A fusing kernel must then differ from the unfused
        // reference somewhere (and equal the fused one: the tests above), else the FMA path did not run.
        KernelIsa isa = KernelDispatcher.Parse(variant);
        bool expectFused = isa is KernelIsa.AdvSimd or KernelIsa.AdvSimdDot;
        Assert.Equal(expectFused, FloatConvSimd.Fused(isa));
        var rng = new Random(15);
        int differing = 0;
        for (int i = 0; i < 40; i++)
        {
            FloatConvCase t = FloatConvConformance.RandomCase(rng, depthwise: i % 2 == 1);
            float[] unfused = FloatConvConformance.Reference(t), simd = FloatConvConformance.Simd(isa, t);
            if (!unfused.AsSpan().SequenceEqual(simd)) differing++;
        }
        if (expectFused) Assert.True(differing > 0, "no case differs from the unfused reference: the fused kernel did not run");
        else Assert.Equal(0, differing);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void OperatorsPickTheFloatSimdKernel(string variant)
    {
        KernelIsa isa = KernelDispatcher.Parse(variant);
        var g = new ConvTestGraph();
        int input = g.Activation("in", TensorType.Float32, [1, 6, 7, 5]);
        int filter = g.Constant("w", TensorType.Float32, [10, 3, 3, 5], Enumerable.Range(0, 450).Select(i => (i % 17 - 8) * 0.1f).ToArray());
        int bias = g.Constant("b", TensorType.Float32, [10], Enumerable.Range(0, 10).Select(i => i * 0.01f).ToArray());
        int outT = g.Activation("out", TensorType.Float32, [1, 6, 7, 10]);
        var (graph, node) = g.Build(BuiltinOperator.Conv2D, 1, new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.Relu6, 1, 1), [input, filter, bias], outT);
        PreparedOperator op = new EdgeRuntime.Ops.Conv2DOperator().Prepare(node, graph, new KernelContext(isa));
        Assert.Equal("float-conv-" + variant, op.KernelName);
        Assert.True(op.PackedWeightBytes > 0);
        PreparedOperator reference = new EdgeRuntime.Ops.Conv2DOperator().Prepare(node, graph, new KernelContext(KernelIsa.Reference));
        Assert.Equal("reference", reference.KernelName);
    }
}

/// <summary>
/// Whole float models: the active variant (1 and 2 threads) against Reference: every output byte when the variant does
/// not fuse multiply-adds; when it does (<see cref="FloatConvSimd.Fused"/>: one rounding per tap instead of two, as
/// XNNPACK), every logit within 1e-3 of the largest logit magnitude (measured: printed).
/// </summary>
[Collection(SerialModelCollection.Name)]
public class FloatModelExactnessTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, byte[]> ReferenceOutputs = new();

    private static byte[] Run(string model, KernelIsa isa, int threads, out string[] kernels) => Run(model, isa, threads, out kernels, out _);

    private static byte[] Run(string model, KernelIsa isa, int threads, out string[] kernels, out string[] elementwise)
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(model));
        using var interpreter = Interpreter.Create(graph, new InterpreterOptions { Isa = isa, Threads = threads });
        var rng = new Random(7);
        Span<float> input = interpreter.Input<float>();
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
        interpreter.Invoke();
        kernels = [.. interpreter.Operators.Where(o => o.Node.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D).Select(o => o.KernelName)];
        elementwise = [.. interpreter.Operators.Where(o => o.Node.Op is BuiltinOperator.Add or BuiltinOperator.Mul).Select(o => o.KernelName)];
        return interpreter.OutputBytes(0).ToArray();
    }

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        string? skip = KernelDispatcher.Detect() == KernelIsa.Reference ? "this CPU runs no SIMD variant (Reference only)" : null;
        foreach (int threads in new[] { 1, 2 }) data.Add(new TheoryDataRow<string, int>(SharedData.Float257, threads).WithSkip(skip));
        data.Add(new TheoryDataRow<string, int>(SharedData.HubDynamicDm05, 2).WithSkip(skip));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ActiveVariantEqualsReferenceByteForByte(string model, int threads)
    {
        KernelIsa isa = KernelDispatcher.Detect();
        byte[] expected = ReferenceOutputs.GetOrAdd(model, m => Run(m, KernelIsa.Reference, 1, out _));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        byte[] actual = Run(model, isa, threads, out string[] kernels, out string[] elementwise);
        output.WriteLine($"{model} {KernelDispatcher.Name(isa)} x{threads}: {sw.ElapsedMilliseconds} ms; kernels {string.Join(", ", kernels.Distinct())}; ADD/MUL {string.Join(", ", elementwise.Distinct())}");
        Assert.All(kernels, k => Assert.StartsWith("float-", k));
        // The float ADD/MUL run the variant the dispatcher picks for this ISA, never the reference.
        Assert.All(elementwise, k => Assert.Equal(KernelDispatcher.Name(EdgeRuntime.Kernels.Elementwise.FloatBinaryKernels.Select(isa)), k));
        Assert.True(kernels.Length >= 50, $"only {kernels.Length} conv/depthwise ops");
        Assert.Equal(expected.Length, actual.Length);
        if (FloatConvSimd.Fused(isa))
        {
            ReadOnlySpan<float> e = MemoryMarshal.Cast<byte, float>(expected), a = MemoryMarshal.Cast<byte, float>(actual);
            float scale = 0, worst = 0;
            for (int i = 0; i < e.Length; i++)
            {
                Assert.True(float.IsFinite(e[i]) && float.IsFinite(a[i]), $"non-finite logit at {i}: reference {e[i]}, got {a[i]}");
                scale = Math.Max(scale, Math.Abs(e[i]));
                worst = Math.Max(worst, Math.Abs(e[i] - a[i]));
            }
            output.WriteLine($"fused: max |difference| {worst:G3}, largest |logit| {scale:G3}");
            Assert.True(worst <= 1e-3f * Math.Max(1f, scale), $"max |difference| {worst} > 1e-3 x {scale}");
            return;
        }
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i]) { mismatches++; if (first < 0) first = i; }
        Assert.True(mismatches == 0, $"{mismatches} of {expected.Length} bytes differ from reference, first at {first}");
    }
}
