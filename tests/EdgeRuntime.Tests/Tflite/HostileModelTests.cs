using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>
/// Crafted hostile models (issue 11, item 5): files that pass the byte-level checks but declare absurd shapes, windows,
/// quantization, options or wiring. Each must be refused with a one-line ModelFormatException or
/// UnsupportedOperatorException in under a second while the process allocates and keeps under 512 MiB.
/// </summary>
public class HostileModelTests
{
    private const long MemoryLimit = 512L << 20;

    private static readonly QuantizationInfo Q = QuantizationInfo.PerTensor(0.5f, 0);

    private static byte[] Bytes<T>(params T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>x:int8[in] -> CONV_2D(w:int8[outC,k,k,inC], b) -> y:int8[out], one tweakable model.</summary>
    private static byte[] Conv(int[] inShape, int[] filterShape, int[] outShape, OperatorOptions options, BuiltinOperator op = BuiltinOperator.Conv2D,
        bool constantFilter = true, QuantizationInfo? filterQ = null)
    {
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("x", TensorType.Int8, inShape, Q);
        long fn = filterShape.Aggregate(1L, (a, d) => a * d);
        int w = b.AddTensor("w", TensorType.Int8, filterShape, filterQ ?? QuantizationInfo.PerTensor(0.1f, 0), constantFilter ? new byte[fn] : default);
        int y = b.AddTensor("y", TensorType.Int8, outShape, Q);
        b.AddOperator(op, [x, w], [y], options, 2);
        b.SetInputs(x).SetOutputs(y);
        return TfliteModelWriter.WriteUnvalidated(b.BuildInMemory());
    }

    private static Conv2DOptions ConvOptions(int stride = 1, int dilation = 1, Padding padding = Padding.Same) =>
        new(padding, stride, stride, FusedActivation.None, dilation, dilation);

    private static byte[] Unary(BuiltinOperator op, TensorType inType, int[] inShape, TensorType outType, int[] outShape, OperatorOptions? options = null,
        Func<ModelGraphBuilder, int[]>? extraInputs = null, QuantizationInfo? inQ = null, QuantizationInfo? outQ = null)
    {
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("x", inType, inShape, inQ ?? (inType is TensorType.UInt8 or TensorType.Int8 ? Q : null));
        int[] more = extraInputs?.Invoke(b) ?? [];
        int y = b.AddTensor("y", outType, outShape, outQ ?? (outType is TensorType.UInt8 or TensorType.Int8 ? Q : null));
        b.AddOperator(op, [x, .. more], [y], options);
        b.SetInputs(x).SetOutputs(y);
        return TfliteModelWriter.WriteUnvalidated(b.BuildInMemory());
    }

    private static byte[] Add(int[] a, int[] bShape, int[] outShape, Action<ModelGraphBuilder, int, int, int>? tweak = null, QuantizationInfo? q = null)
    {
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("a", TensorType.UInt8, a, q ?? Q);
        int z = b.AddTensor("b", TensorType.UInt8, bShape, q ?? Q);
        int y = b.AddTensor("y", TensorType.UInt8, outShape, q ?? Q);
        b.AddOperator(BuiltinOperator.Add, [x, z], [y], new ElementwiseOptions(FusedActivation.None));
        b.SetInputs(x, z).SetOutputs(y);
        tweak?.Invoke(b, x, z, y);
        return TfliteModelWriter.WriteUnvalidated(b.BuildInMemory());
    }

    /// <summary>Two ADDs whose order or wiring is broken.</summary>
    private static byte[] Chain(bool reversed, bool cycle)
    {
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("x", TensorType.Float32, [1, 2, 2, 1]);
        int y = b.AddTensor("y", TensorType.Float32, [1, 2, 2, 1]);
        int z = b.AddTensor("z", TensorType.Float32, [1, 2, 2, 1]);
        var o = new ElementwiseOptions(FusedActivation.None);
        if (reversed)
        {
            b.AddOperator(BuiltinOperator.Add, [y, y], [z], o);
            b.AddOperator(BuiltinOperator.Add, [x, x], [y], o);
        }
        else
        {
            b.AddOperator(BuiltinOperator.Add, [x, cycle ? z : x], [y], o);
            b.AddOperator(BuiltinOperator.Add, [y, y], [z], o);
        }
        b.SetInputs(x).SetOutputs(z);
        return TfliteModelWriter.WriteUnvalidated(b.BuildInMemory());
    }

    private static byte[] Resize(int outH, int outW, int[]? outShape = null) =>
        Unary(BuiltinOperator.ResizeBilinear, TensorType.UInt8, [1, 2, 2, 1], TensorType.UInt8, outShape ?? [1, outH, outW, 1],
            new ResizeBilinearOptions(false, false), b => [b.AddConstant<int>("size", TensorType.Int32, [2], [outH, outW])]);

    private static byte[] Concat(int parts, int[] part, int[] outShape, int axis = 1)
    {
        var b = new ModelGraphBuilder();
        var inputs = Enumerable.Range(0, parts).Select(i => b.AddTensor($"p{i}", TensorType.UInt8, part, Q)).ToArray();
        int y = b.AddTensor("y", TensorType.UInt8, outShape, Q);
        b.AddOperator(BuiltinOperator.Concatenation, inputs, [y], new ConcatenationOptions(axis, FusedActivation.None));
        b.SetInputs(inputs).SetOutputs(y);
        return TfliteModelWriter.WriteUnvalidated(b.BuildInMemory());
    }

    private static readonly Dictionary<string, Func<byte[]>> Cases = new()
    {
        // Shapes whose products overflow.
        ["shape product overflows int32"] = () => Add([65536, 65536, 1, 1], [1], [1]),
        ["shape product overflows int64"] = () => Add([int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue], [1], [1]),
        ["byte size overflows int32 (float 2^29 x 4)"] = () => Unary(BuiltinOperator.Dequantize, TensorType.UInt8, [1], TensorType.Float32, [1 << 29, 1, 2]),
        ["negative dimension"] = () => Add([1, -4, 4, 1], [1, 4, 4, 1], [1, 4, 4, 1]),
        // Strides and dilations.
        ["negative stride"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 4, 4, 1], ConvOptions(stride: -1)),
        ["zero stride"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 4, 4, 1], ConvOptions(stride: 0)),
        ["huge stride"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 1, 1, 1], ConvOptions(stride: int.MaxValue)),
        ["negative dilation"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 4, 4, 1], ConvOptions(dilation: -3)),
        ["zero dilation"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 4, 4, 1], ConvOptions(dilation: 0)),
        ["huge dilation (int32 max)"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 4, 4, 1], ConvOptions(dilation: int.MaxValue)),
        ["huge dilation on a float depthwise"] = () => Unary(BuiltinOperator.DepthwiseConv2D, TensorType.Float32, [1, 4, 4, 16], TensorType.Float32, [1, 4, 4, 16],
            new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.None, 1 << 30, 1 << 30),
            b => [b.AddTensor("w", TensorType.Float32, [1, 3, 3, 16], null, new byte[3 * 3 * 16 * 4])]),
        ["huge padding (dilated filter 65536 x 16 + 1)"] = () => Conv([1, 4, 4, 1], [1, 17, 17, 1], [1, 4, 4, 1], ConvOptions(dilation: 65536)),
        ["depthwise stack staging overflow (dilation 65536, 65536 channels)"] = () => Conv([1, 1, 1, 65536], [1, 3, 3, 65536], [1, 1, 1, 65536],
            new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.None, 65536, 65536), BuiltinOperator.DepthwiseConv2D, constantFilter: false),
        ["pool filter int32 max"] = () => Unary(BuiltinOperator.AveragePool2D, TensorType.UInt8, [1, 4, 4, 1], TensorType.UInt8, [1, 4, 4, 1],
            new Pool2DOptions(Padding.Same, 1, 1, int.MaxValue, int.MaxValue, FusedActivation.None)),
        ["filter larger than input (VALID)"] = () => Conv([1, 4, 4, 1], [1, 9, 9, 1], [1, 1, 1, 1], ConvOptions(padding: Padding.Valid)),
        ["output shape does not match the window"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 400, 400, 1], ConvOptions()),
        // Wiring and shapes between tensors.
        ["shape mismatch between wired tensors"] = () => Add([1, 4, 4, 3], [1, 4, 4, 5], [1, 4, 4, 3]),
        ["tensor read before it is produced"] = () => Chain(reversed: true, cycle: false),
        ["cycle (reads a later operator's output)"] = () => Chain(reversed: false, cycle: true),
        ["operator input index out of range"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.AddOperator(BuiltinOperator.Add, [x, 99], [y])),
        ["operator input index negative (-7)"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.AddOperator(BuiltinOperator.Add, [x, -7], [y])),
        ["graph output index out of range"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.SetOutputs(int.MaxValue)),
        ["constant buffer of wrong size"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.AddTensor("c", TensorType.Float32, [1000], null, new byte[12])),
        // Found by the model fuzzer: a constant graph input made InputBytes throw InvalidOperationException.
        ["graph input that is a constant"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.SetInputs(x, b.AddTensor("c", TensorType.UInt8, [1, 2], Q, new byte[2]))),
        ["output written twice"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.AddOperator(BuiltinOperator.Add, [x, z], [y], new ElementwiseOptions(FusedActivation.None))),
        // Quantization.
        ["per-channel scales of wrong length"] = () => Conv([1, 4, 4, 1], [3, 1, 1, 1], [1, 4, 4, 3], ConvOptions(), filterQ: new QuantizationInfo([0.1f, 0.2f], [0], 0)),
        ["zero scale"] = () => Add([1, 2], [1, 2], [1, 2], q: QuantizationInfo.PerTensor(0f, 0)),
        ["NaN scale"] = () => Add([1, 2], [1, 2], [1, 2], q: QuantizationInfo.PerTensor(float.NaN, 0)),
        ["infinite scale"] = () => Add([1, 2], [1, 2], [1, 2], q: QuantizationInfo.PerTensor(float.PositiveInfinity, 0)),
        ["denormal scale"] = () => Add([1, 2], [1, 2], [1, 2], q: QuantizationInfo.PerTensor(1e-42f, 0)),
        // Found by the model fuzzer: the refusal carried the wrapped ArgumentOutOfRangeException's second line.
        ["ADD scales needing an unrepresentable multiplier (1e38)"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) =>
        {
            int big = b.AddTensor("big", TensorType.UInt8, [1, 2], QuantizationInfo.PerTensor(1e38f, 0));
            int o = b.AddTensor("o", TensorType.UInt8, [1, 2], Q);
            b.AddOperator(BuiltinOperator.Add, [y, big], [o], new ElementwiseOptions(FusedActivation.None));
            b.SetInputs(x, z, big).SetOutputs(o);
        }),
        ["zero point out of range"] = () => Add([1, 2], [1, 2], [1, 2], q: QuantizationInfo.PerTensor(0.5f, 300)),
        ["quantized_dimension outside the rank"] = () => Conv([1, 4, 4, 1], [3, 1, 1, 1], [1, 4, 4, 3], ConvOptions(), filterQ: new QuantizationInfo([0.1f, 0.2f, 0.3f], [0], 7)),
        // Options.
        ["options of the wrong type"] = () => Conv([1, 4, 4, 1], [1, 3, 3, 1], [1, 4, 4, 1], new ElementwiseOptions(FusedActivation.Relu)),
        ["concatenation axis out of range"] = () => Concat(2, [1, 2, 2, 1], [1, 4, 2, 1], axis: int.MinValue),
        ["argmax axis int32 max"] = () => Unary(BuiltinOperator.ArgMax, TensorType.UInt8, [1, 2, 2, 3], TensorType.Int32, [1, 2, 2],
            new ArgMaxOptions(TensorType.Int32), b => [b.AddConstant<int>("axis", TensorType.Int32, [1], [int.MaxValue])]),
        // Budgets: giant declared needs from tiny files.
        ["giant arena from a tiny file (3 x 1 GiB activations)"] = () => Add([1, 32768, 32768, 1], [1, 32768, 32768, 1], [1, 32768, 32768, 1]),
        ["giant resize output (40000 x 40000)"] = () => Resize(40000, 40000),
        ["giant resize output overflowing int32 (65536 x 65536)"] = () => Resize(65536, 65536),
        ["giant concat (3 x 2^31-1 along the axis)"] = () => Concat(3, [1, int.MaxValue], [1, int.MaxValue - 2]),
        ["giant concat (1.5 GiB)"] = () => Concat(3, [1, 16384, 32768, 1], [1, 49152, 32768, 1]),
        ["giant reshape"] = () => Unary(BuiltinOperator.Reshape, TensorType.UInt8, [1, 4], TensorType.UInt8, [65536, 65536], new ReshapeOptions([65536, 65536])),
        ["giant reshape keeping the count (1.5 GiB)"] = () => Unary(BuiltinOperator.Reshape, TensorType.UInt8, [3, 1 << 29], TensorType.UInt8, [1 << 29, 3], new ReshapeOptions([1 << 29, 3])),
        ["tile multiples wrapping int32 (65536 x 65537)"] = () => Unary(BuiltinOperator.Tile, TensorType.UInt8, [65536, 1], TensorType.UInt8, [65536, 1],
            null, b => [b.AddConstant<int>("m", TensorType.Int32, [2], [65537, 1])]),
        ["space-to-batch block product wrapping to 0"] = () => Unary(BuiltinOperator.SpaceToBatchND, TensorType.Float32, [1, 4, 4, 1], TensorType.Float32, [1, 4, 4, 1],
            null, b => [b.AddConstant<int>("block", TensorType.Int32, [2], [65536, 65536]), b.AddConstant<int>("pads", TensorType.Int32, [2, 2], [0, 0, 0, 0])]),
        ["batch-to-space block product wrapping to 0"] = () => Unary(BuiltinOperator.BatchToSpaceND, TensorType.Float32, [1, 4, 4, 1], TensorType.Float32, [1, 4, 4, 1],
            null, b => [b.AddConstant<int>("block", TensorType.Int32, [2], [65536, 65536]), b.AddConstant<int>("crops", TensorType.Int32, [2, 2], [0, 0, 0, 0])]),
        ["space-to-batch paddings int32 max"] = () => Unary(BuiltinOperator.SpaceToBatchND, TensorType.Float32, [1, 4, 4, 1], TensorType.Float32, [1, 4, 4, 1],
            null, b => [b.AddConstant<int>("block", TensorType.Int32, [2], [1, 1]), b.AddConstant<int>("pads", TensorType.Int32, [2, 2], [int.MaxValue, int.MaxValue, 0, 0])]),
        ["2^26 output channels from a non-constant filter (per-channel tables)"] = () => Conv([1, 1, 1, 1], [1 << 26, 1, 1, 1], [1, 1, 1, 1 << 26], ConvOptions(), constantFilter: false),
        ["float conv of 2^24 x 16 packed weights"] = () => Unary(BuiltinOperator.Conv2D, TensorType.Float32, [1, 1, 1, 16], TensorType.Float32, [1, 1, 1, 1 << 24],
            new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1), b => [b.AddTensor("w", TensorType.Float32, [1 << 24, 1, 1, 16])]),
        ["unknown operator version"] = () => Add([1, 2], [1, 2], [1, 2], (b, x, z, y) => b.AddOperator(BuiltinOperator.Add, [x, z], [b.AddTensor("o", TensorType.UInt8, [1, 2], Q)], null, 99)),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void HostileModelIsRefusedQuicklyWithOneLineUnderTheMemoryLimit(string name)
    {
        byte[] file = Cases[name]();
        Assert.True(file.Length < 4096, $"{file.Length} bytes: not a tiny file");
        long rss0 = Environment.WorkingSet;
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        Exception? e = Record.Exception(() =>
        {
            ModelGraph graph = TfliteModelReader.Read(file);
            using var interpreter = Interpreter.Create(graph);
            interpreter.Invoke();
        });
        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocated0;
        long rssGrowth = Environment.WorkingSet - rss0;

        Assert.NotNull(e);
        Assert.True(e is ModelFormatException or UnsupportedOperatorException, $"{e.GetType().Name}: {e}");
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(e.Message.Length is > 10 and < 400, e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed.TotalMilliseconds:F0} ms: {e.Message}");
        Assert.True(allocated < MemoryLimit, $"allocated {allocated >> 20} MiB: {e.Message}");
        Assert.True(rssGrowth < MemoryLimit, $"RSS grew {rssGrowth >> 20} MiB: {e.Message}");
    }

    [Fact]
    public void AtLeastFortyCraftedModels() => Assert.True(Cases.Count >= 40, $"{Cases.Count} crafted models");

    [Fact]
    public void InMemoryGraphWithHostileDilationIsRefusedByTheOperator()
    {
        // A graph built in code skips the reader's option checks: the operator's own window check refuses it.
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("x", TensorType.Float32, [1, 4, 4, 16]);
        int w = b.AddConstant<float>("w", TensorType.Float32, [1, 3, 3, 16], new float[144]);
        int y = b.AddTensor("y", TensorType.Float32, [1, 4, 4, 16]);
        b.AddOperator(BuiltinOperator.DepthwiseConv2D, [x, w], [y], new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.None, 1 << 30, 1 << 30), 2);
        b.SetInputs(x).SetOutputs(y);
        var e = Assert.Throws<ModelFormatException>(() => Interpreter.Create(b.BuildInMemory()));
        Assert.Contains("dilation_h is 1073741824, at most 65536", e.Message);
    }

    /// <summary>
    /// The largest dilation the reader lets through (65536, padding 65536 per side) on float and int8 depthwise: the SIMD
    /// kernels (packed float weights; the fused 3x3 int8 kernel, whose stack staging is then over its limit) run without a
    /// wild pointer and give the reference kernel's bytes (only the centre tap is inside the image).
    /// </summary>
    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.Int8)]
    public void LargestAllowedDilationRunsLikeTheReference(TensorType type)
    {
        var b = new ModelGraphBuilder();
        QuantizationInfo? q = type == TensorType.Int8 ? QuantizationInfo.PerTensor(0.05f, 3) : null;
        int x = b.AddTensor("x", type, [1, 5, 7, 16], q);
        var rng = new Random(7);
        byte[] weights = new byte[9 * 16 * (type == TensorType.Float32 ? 4 : 1)];
        if (type == TensorType.Float32)
            for (int i = 0; i < 144; i++) BitConverter.TryWriteBytes(weights.AsSpan(i * 4), (float)rng.NextDouble() - 0.5f);
        else rng.NextBytes(weights);
        int w = b.AddTensor("w", type, [1, 3, 3, 16], type == TensorType.Int8 ? QuantizationInfo.PerTensor(0.02f, 0) : null, weights);
        int y = b.AddTensor("y", type, [1, 5, 7, 16], q);
        b.AddOperator(BuiltinOperator.DepthwiseConv2D, [x, w], [y], new DepthwiseConv2DOptions(Padding.Same, 1, 1, 1, FusedActivation.None, 65536, 65536), 2);
        b.SetInputs(x).SetOutputs(y);
        ModelGraph graph = b.Build();
        byte[] input = new byte[graph.Input().ByteSize];
        if (type == TensorType.Float32)
            for (int i = 0; i < input.Length / 4; i++) BitConverter.TryWriteBytes(input.AsSpan(i * 4), (float)rng.NextDouble() * 4 - 2);
        else rng.NextBytes(input);

        byte[] Run(KernelIsa? isa)
        {
            using var interpreter = Interpreter.Create(graph, new InterpreterOptions { Isa = isa });
            input.CopyTo(interpreter.InputBytes());
            interpreter.Invoke();
            return interpreter.OutputBytes().ToArray();
        }
        Assert.Equal(Run(KernelIsa.Reference), Run(null));
    }

    [Fact]
    public void BudgetRefusalNamesTheSizesAndTheBudget()
    {
        ModelGraph graph = TfliteModelReader.Read(Add([1, 1024, 1024, 1], [1, 1024, 1024, 1], [1, 1024, 1024, 1]));
        var e = Assert.Throws<ModelFormatException>(() => Interpreter.Create(graph, new InterpreterOptions { MemoryBudgetBytes = 2 << 20 }));
        Assert.Contains("over the memory budget of 2.0 MiB", e.Message);
        using var ok = Interpreter.Create(graph, new InterpreterOptions { MemoryBudgetBytes = 8 << 20 });
        Assert.True(ok.Layout.ArenaBytes <= 8 << 20);
    }
}
