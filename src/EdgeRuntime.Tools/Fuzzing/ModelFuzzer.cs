using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Fuzzing;

/// <summary>What one fuzz case did.</summary>
public enum FuzzOutcome { Ran, Prepared, Refused, Problem }

/// <summary>One case's result: the outcome, the refusal or problem message, time and managed bytes it allocated.</summary>
public readonly record struct FuzzResult(int Case, FuzzOutcome Outcome, string Message, double Milliseconds, long AllocatedBytes, int FileBytes);

/// <summary>
/// Structure-aware model fuzzer, beside the byte-level one: each case builds a small, plausible model around one of the
/// operators the registry runs (sometimes followed by a second operator), then mutates it the way a hostile or broken
/// converter would (shapes, ranks, types, quantization parameters, options, wiring, constants, versions), writes it with
/// <see cref="TfliteModelWriter.WriteUnvalidated"/>, and loads, prepares and runs it under a memory budget. A case passes
/// when it runs or is refused with <see cref="ModelFormatException"/> / <see cref="UnsupportedOperatorException"/>; any
/// other exception, or more managed memory than the budget allows, is a problem. Case i of seed s is deterministic.
/// </summary>
internal static class ModelFuzzer
{
    /// <summary>Memory budget the fuzzed interpreters run under.</summary>
    public const long Budget = 256L << 20;

    /// <summary>Managed bytes one case may allocate in total (budget plus the file, the graph and slack).</summary>
    public const long AllocationLimit = Budget + (64L << 20);

    /// <summary>Cases whose arena is larger than this are prepared but not invoked (keeps a case in milliseconds).</summary>
    public const long MaxInvokeArena = 8L << 20;

    public static readonly BuiltinOperator[] Operators =
    [
        BuiltinOperator.Conv2D, BuiltinOperator.DepthwiseConv2D, BuiltinOperator.AveragePool2D, BuiltinOperator.Add,
        BuiltinOperator.Mul, BuiltinOperator.ResizeBilinear, BuiltinOperator.Concatenation, BuiltinOperator.ArgMax,
        BuiltinOperator.Quantize, BuiltinOperator.Dequantize, BuiltinOperator.SpaceToBatchND, BuiltinOperator.BatchToSpaceND,
        BuiltinOperator.Tile, BuiltinOperator.Reshape, BuiltinOperator.Squeeze,
    ];

    /// <summary>Builds case <paramref name="index"/> of <paramref name="seed"/> as a .tflite file.</summary>
    public static byte[] Generate(int seed, int index, out string description)
    {
        var rng = new Random(HashCode.Combine(seed, index, 0x5eed));
        var g = new Gen(rng);
        BuiltinOperator op = Operators[rng.Next(Operators.Length)];
        int y = g.Build(op);
        if (rng.Next(4) == 0) y = g.Follow(y);
        g.Outputs = [y];
        int mutations = rng.Next(10) < 2 ? 0 : 1 + rng.Next(3);
        var applied = new List<string>();
        for (int m = 0; m < mutations; m++) applied.Add(g.Mutate());
        description = $"{op.ToTfliteName()}{(g.Ops.Count > 1 ? "+" + g.Ops[^1].Op.ToTfliteName() : "")} [{string.Join("; ", applied)}]";
        return TfliteModelWriter.WriteUnvalidated(g.ToGraph());
    }

    /// <summary>Generates, loads, prepares and (when small) runs case <paramref name="index"/>; never throws.</summary>
    public static FuzzResult Run(int seed, int index)
    {
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        string description = "";
        int fileBytes = 0;
        FuzzOutcome outcome;
        string message;
        try
        {
            byte[] file = Generate(seed, index, out description);
            fileBytes = file.Length;
            ModelGraph graph = TfliteModelReader.Read(file);
            KernelIsa? isa = index % 3 == 0 ? KernelIsa.Reference : null;
            using Interpreter interpreter = Interpreter.Create(graph, new InterpreterOptions { MemoryBudgetBytes = Budget, Isa = isa });
            if (interpreter.Layout.ArenaBytes <= MaxInvokeArena)
            {
                var rng = new Random(index);
                for (int i = 0; i < graph.Inputs.Length; i++)
                {
                    Span<byte> input = interpreter.InputBytes(i);
                    rng.NextBytes(input);
                    if (graph.Input(i).Type == TensorType.Float32)
                        foreach (ref float f in MemoryMarshal.Cast<byte, float>(input)) f = (float)(rng.NextDouble() * 8 - 4);
                }
                interpreter.Invoke();
                outcome = FuzzOutcome.Ran;
            }
            else outcome = FuzzOutcome.Prepared;
            message = "";
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOperatorException)
        {
            outcome = FuzzOutcome.Refused;
            message = e.Message;
            if (message.Contains('\n')) { outcome = FuzzOutcome.Problem; message = $"multi-line message: {message}"; }
        }
        catch (Exception e)
        {
            outcome = FuzzOutcome.Problem;
            message = $"{e.GetType().Name}: {e.Message} in {description}\n{e.StackTrace}";
        }
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocated0;
        if (outcome != FuzzOutcome.Problem && allocated > AllocationLimit)
        {
            outcome = FuzzOutcome.Problem;
            message = $"allocated {allocated >> 20} MiB (limit {AllocationLimit >> 20} MiB) in {description}";
        }
        return new FuzzResult(index, outcome, message, ms, allocated, fileBytes);
    }

    /// <summary>Mutable model under construction: tensors, operators, graph inputs/outputs.</summary>
    private sealed class Gen(Random rng)
    {
        public readonly List<(string Name, TensorType Type, int[] Shape, QuantizationInfo? Q, byte[]? Data)> Tensors = [];
        public readonly List<(BuiltinOperator Op, int Version, int[] Inputs, int[] Outputs, OperatorOptions? Options)> Ops = [];
        public readonly List<int> Inputs = [];
        public int[] Outputs = [];

        private static readonly int[] HostileInts = [0, -1, -2, 1, 2, 3, 7, 255, 256, 65535, 65536, 1 << 20, 1 << 30, int.MaxValue, int.MinValue, 46341];

        private int Small(int lo, int hi) => rng.Next(lo, hi + 1);

        private T Pick<T>(params T[] items) => items[rng.Next(items.Length)];

        private int Hostile() => rng.Next(3) == 0 ? rng.Next(-3, 10) : HostileInts[rng.Next(HostileInts.Length)];

        private QuantizationInfo? Quant(TensorType type) => type switch
        {
            TensorType.UInt8 => QuantizationInfo.PerTensor((float)(0.01 + rng.NextDouble() * 0.5), rng.Next(0, 256)),
            TensorType.Int8 => QuantizationInfo.PerTensor((float)(0.01 + rng.NextDouble() * 0.5), rng.Next(-128, 128)),
            _ => null,
        };

        private int Tensor(TensorType type, int[] shape, QuantizationInfo? q = null, byte[]? data = null)
        {
            Tensors.Add(($"t{Tensors.Count}", type, shape, q, data));
            return Tensors.Count - 1;
        }

        private int Activation(TensorType type, int[] shape) => Tensor(type, shape, Quant(type));

        private int Input(TensorType type, int[] shape)
        {
            int t = Activation(type, shape);
            Inputs.Add(t);
            return t;
        }

        private int Ints(params int[] values) => Tensor(TensorType.Int32, [values.Length], null, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

        private byte[] RandomBytes(long n)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            return b;
        }

        private int Op(BuiltinOperator op, int[] inputs, int[] outputs, OperatorOptions? options, int version = 1)
        {
            Ops.Add((op, version, inputs, outputs, options));
            return outputs[0];
        }

        private TensorType QType() => Pick(TensorType.Float32, TensorType.UInt8, TensorType.Int8);

        private FusedActivation Act() => Pick(FusedActivation.None, FusedActivation.Relu, FusedActivation.Relu6, FusedActivation.ReluN1To1);

        private int[] Nhwc(int maxHw = 9, int maxC = 8) => [Small(1, 2), Small(1, maxHw), Small(1, maxHw), Small(1, maxC)];

        /// <summary>A valid (or nearly valid) model around <paramref name="op"/>; returns its output tensor.</summary>
        public int Build(BuiltinOperator op)
        {
            TensorType type = QType();
            switch (op)
            {
                case BuiltinOperator.Conv2D:
                case BuiltinOperator.DepthwiseConv2D:
                {
                    bool dw = op == BuiltinOperator.DepthwiseConv2D;
                    int[] s = Nhwc(12, dw ? 20 : 8);
                    int x = Input(type, s);
                    int kh = Small(1, 3), kw = Small(1, 3), mult = dw ? Small(1, 2) : 1;
                    if (rng.Next(3) > 0) kh = kw = 3;
                    int outC = dw ? s[3] * mult : Small(1, 8);
                    int[] fs = dw ? [1, kh, kw, outC] : [outC, kh, kw, s[3]];
                    long fn = (long)fs[0] * fs[1] * fs[2] * fs[3];
                    QuantizationInfo? fq = type switch
                    {
                        TensorType.UInt8 => QuantizationInfo.PerTensor(0.02f, rng.Next(0, 256)),
                        TensorType.Int8 => rng.Next(2) == 0 ? QuantizationInfo.PerTensor(0.02f, 0)
                            : new QuantizationInfo(Enumerable.Range(0, outC).Select(c => 0.01f + c * 0.001f).ToArray(), [0], dw ? 3 : 0),
                        _ => null,
                    };
                    byte[] fdata = type == TensorType.Float32 ? FloatBytes(fn) : RandomBytes(fn);
                    int f = Tensor(type, fs, fq, fdata);
                    int stride = Small(1, 2), dil = rng.Next(4) == 0 ? Small(2, 4) : 1;
                    Padding pad = Pick(Padding.Same, Padding.Valid);
                    int oh = PaddingMath.ComputeOutSize(pad, s[1], kh, stride, dil), ow = PaddingMath.ComputeOutSize(pad, s[2], kw, stride, dil);
                    var inputs = new List<int> { x, f };
                    if (rng.Next(4) > 0)
                    {
                        float inScale = Tensors[x].Q?.Scale ?? 1f;
                        inputs.Add(type == TensorType.Float32
                            ? Tensor(TensorType.Float32, [outC], null, FloatBytes(outC))
                            : Tensor(TensorType.Int32, [outC], QuantizationInfo.PerTensor(inScale * 0.02f, 0), IntBytes(outC, 1000)));
                    }
                    int yq = Activation(type, [s[0], Math.Max(oh, 1), Math.Max(ow, 1), outC]);
                    OperatorOptions o = dw
                        ? new DepthwiseConv2DOptions(pad, stride, stride, mult, Act(), dil, dil)
                        : new Conv2DOptions(pad, stride, stride, Act(), dil, dil);
                    return Op(op, [.. inputs], [yq], o, dil > 1 || type == TensorType.Int8 ? Small(2, 3) : 1);
                }
                case BuiltinOperator.AveragePool2D:
                {
                    int[] s = Nhwc();
                    int x = Input(type, s);
                    int fh = Small(1, 3), fw = Small(1, 3), stride = Small(1, 2);
                    Padding pad = Pick(Padding.Same, Padding.Valid);
                    int oh = PaddingMath.ComputeOutSize(pad, s[1], fh, stride), ow = PaddingMath.ComputeOutSize(pad, s[2], fw, stride);
                    int yq = Tensor(type, [s[0], Math.Max(oh, 1), Math.Max(ow, 1), s[3]], Tensors[x].Q);
                    return Op(op, [x], [yq], new Pool2DOptions(pad, stride, stride, fw, fh, Act()));
                }
                case BuiltinOperator.Add:
                case BuiltinOperator.Mul:
                {
                    int[] s = Nhwc();
                    int a = Input(type, s);
                    int[] bs = rng.Next(3) == 0 ? [1, 1, 1, s[3]] : s;
                    int b = rng.Next(4) == 0 ? Tensor(type, bs, Quant(type), type == TensorType.Float32 ? FloatBytes(Count(bs)) : RandomBytes(Count(bs))) : Input(type, bs);
                    int yq = Activation(type, s);
                    return Op(op, [a, b], [yq], new ElementwiseOptions(Act()), type == TensorType.Int8 ? 2 : 1);
                }
                case BuiltinOperator.ResizeBilinear:
                {
                    int[] s = Nhwc();
                    int x = Input(type, s);
                    int oh = Small(1, 17), ow = Small(1, 17);
                    int size = Ints(oh, ow);
                    int yq = Tensor(type, [s[0], oh, ow, s[3]], Tensors[x].Q);
                    bool align = rng.Next(3) == 0, half = !align && rng.Next(2) == 0;
                    return Op(op, [x, size], [yq], new ResizeBilinearOptions(align, half), half ? 3 : 1);
                }
                case BuiltinOperator.Concatenation:
                {
                    int[] s = Nhwc();
                    int axis = rng.Next(4);
                    int n = Small(1, 3);
                    QuantizationInfo? q = Quant(type);
                    var parts = new List<int>();
                    int total = 0;
                    for (int i = 0; i < n; i++)
                    {
                        int[] ps = (int[])s.Clone();
                        ps[axis] = Small(1, 4);
                        total += ps[axis];
                        parts.Add(Tensor(type, ps, q));
                        Inputs.Add(parts[^1]);
                    }
                    int[] os = (int[])s.Clone();
                    os[axis] = total;
                    int yq = Tensor(type, os, q);
                    return Op(op, [.. parts], [yq], new ConcatenationOptions(rng.Next(5) == 0 ? axis - 4 : axis, FusedActivation.None));
                }
                case BuiltinOperator.ArgMax:
                {
                    int[] s = Nhwc();
                    int x = Input(type, s);
                    TensorType outType = Pick(TensorType.Int32, TensorType.Int64);
                    int yq = Tensor(outType, [s[0], s[1], s[2]]);
                    return Op(op, [x, Ints(3)], [yq], new ArgMaxOptions(outType));
                }
                case BuiltinOperator.Quantize:
                {
                    int[] s = Nhwc();
                    int x = Input(Pick(TensorType.Float32, TensorType.UInt8, TensorType.Int8), s);
                    TensorType outType = Pick(TensorType.UInt8, TensorType.Int8);
                    return Op(op, [x], [Activation(outType, s)], null, Small(1, 2));
                }
                case BuiltinOperator.Dequantize:
                {
                    int[] s = Nhwc();
                    int x = Input(Pick(TensorType.UInt8, TensorType.Int8), s);
                    return Op(op, [x], [Tensor(TensorType.Float32, s)], null, Small(1, 2));
                }
                case BuiltinOperator.SpaceToBatchND:
                {
                    int bh = Small(1, 3), bw = Small(1, 3);
                    int[] s = [1, bh * Small(1, 3), bw * Small(1, 3), Small(1, 4)];
                    int pt = rng.Next(2) * bh, pl = rng.Next(2) * bw;
                    int x = Input(type, s);
                    int yq = Tensor(type, [bh * bw, (s[1] + pt) / bh, (s[2] + pl) / bw, s[3]], Tensors[x].Q);
                    int pads = Tensor(TensorType.Int32, [2, 2], null, MemoryMarshal.AsBytes(new[] { pt, 0, pl, 0 }.AsSpan()).ToArray());
                    return Op(op, [x, Ints(bh, bw), pads], [yq], null);
                }
                case BuiltinOperator.BatchToSpaceND:
                {
                    int bh = Small(1, 3), bw = Small(1, 3);
                    int[] s = [bh * bw, Small(1, 4), Small(1, 4), Small(1, 4)];
                    int x = Input(type, s);
                    int yq = Tensor(type, [1, s[1] * bh, s[2] * bw, s[3]], Tensors[x].Q);
                    int crops = Tensor(TensorType.Int32, [2, 2], null, new byte[16]);
                    return Op(op, [x, Ints(bh, bw), crops], [yq], null);
                }
                case BuiltinOperator.Tile:
                {
                    int[] s = Nhwc(5, 4);
                    int x = Input(type, s);
                    int[] m = [1, Small(1, 3), Small(1, 3), Small(1, 2)];
                    int yq = Tensor(type, s.Zip(m, (a, b) => a * b).ToArray(), Tensors[x].Q);
                    return Op(op, [x, Ints(m)], [yq], null);
                }
                case BuiltinOperator.Reshape:
                {
                    int[] s = Nhwc();
                    int x = Input(type, s);
                    int[] ns = rng.Next(2) == 0 ? [s[0], s[1] * s[2], s[3]] : [s[0], -1];
                    int[] os = ns[^1] == -1 ? [s[0], s[1] * s[2] * s[3]] : ns;
                    int yq = Tensor(type, os, Tensors[x].Q);
                    return rng.Next(2) == 0
                        ? Op(op, [x, Ints(ns)], [yq], null)
                        : Op(op, [x], [yq], new ReshapeOptions(ns));
                }
                case BuiltinOperator.Squeeze:
                {
                    int[] s = [1, Small(1, 5), 1, Small(1, 4)];
                    int x = Input(type, s);
                    int yq = Tensor(type, [s[1], s[3]], Tensors[x].Q);
                    return Op(op, [x], [yq], null);
                }
                default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
            }
        }

        /// <summary>A second operator reading <paramref name="y"/>: ADD with itself, or a QUANTIZE/DEQUANTIZE.</summary>
        public int Follow(int y)
        {
            var (_, type, shape, q, _) = Tensors[y];
            return Pick(0, 1, 2) switch
            {
                0 => Op(BuiltinOperator.Add, [y, y], [Tensor(type, shape, q)], new ElementwiseOptions(FusedActivation.None), type == TensorType.Int8 ? 2 : 1),
                1 when type == TensorType.Float32 => Op(BuiltinOperator.Quantize, [y], [Activation(TensorType.Int8, shape)], null),
                1 or 2 when type is TensorType.UInt8 or TensorType.Int8 => Op(BuiltinOperator.Dequantize, [y], [Tensor(TensorType.Float32, shape)], null, 2),
                _ when shape.Length == 4 => Op(BuiltinOperator.ArgMax, [y, Ints(3)], [Tensor(TensorType.Int32, shape[..3])], new ArgMaxOptions(TensorType.Int32)),
                _ => y,
            };
        }

        private byte[] FloatBytes(long n)
        {
            var f = new float[n];
            for (long i = 0; i < n; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
            return MemoryMarshal.AsBytes(f.AsSpan()).ToArray();
        }

        private byte[] IntBytes(long n, int range)
        {
            var v = new int[n];
            for (long i = 0; i < n; i++) v[i] = rng.Next(-range, range);
            return MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
        }

        private static long Count(int[] shape)
        {
            long n = 1;
            foreach (int d in shape) n *= d;
            return n;
        }

        private int AnyTensor() => rng.Next(Tensors.Count);

        /// <summary>Applies one random mutation and names it.</summary>
        public string Mutate()
        {
            int t = AnyTensor();
            var (name, type, shape, q, data) = Tensors[t];
            switch (rng.Next(12))
            {
                case 0 when shape.Length > 0:
                {
                    int[] s = (int[])shape.Clone();
                    int d = rng.Next(s.Length);
                    s[d] = rng.Next(2) == 0 ? Hostile() : s[d] + Pick(-1, 1, 7);
                    Tensors[t] = (name, type, s, q, data);
                    return $"t{t} dim {d} = {s[d]}";
                }
                case 1:
                {
                    int[] s = rng.Next(2) == 0 && shape.Length > 0 ? shape[..^1] : [.. shape, Pick(1, 2, 65536)];
                    if (rng.Next(8) == 0) s = [.. Enumerable.Repeat(Pick(2, 1 << 16, 46341), rng.Next(1, 8))];
                    Tensors[t] = (name, type, s, q, data);
                    return $"t{t} shape [{string.Join(',', s)}]";
                }
                case 2:
                {
                    var nt = (TensorType)Pick(0, 1, 2, 3, 4, 6, 7, 9, 10);
                    Tensors[t] = (name, nt, shape, nt is TensorType.UInt8 or TensorType.Int8 ? q ?? Quant(nt) : q, data);
                    return $"t{t} type {nt}";
                }
                case 3:
                {
                    float scale = Pick(0f, -1f, float.NaN, float.PositiveInfinity, 1e-40f, 1e38f, 1e-30f, 3e-6f, 1000f);
                    long zp = Pick(0L, -129L, 128L, 256L, 1L << 20, long.MaxValue, -1L);
                    QuantizationInfo nq = rng.Next(3) switch
                    {
                        0 => QuantizationInfo.PerTensor(scale, (int)Math.Clamp(zp, int.MinValue, int.MaxValue)),
                        1 => new QuantizationInfo(Enumerable.Repeat(rng.Next(2) == 0 ? 0.1f : scale, Small(2, 9)).ToArray(), [rng.Next(2) == 0 ? 0 : zp], rng.Next(-1, 5)),
                        _ => new QuantizationInfo([0.1f], [zp], 0),
                    };
                    Tensors[t] = (name, type, shape, rng.Next(6) == 0 ? null : nq, data);
                    return $"t{t} quant {Tensors[t].Q}";
                }
                case 4:
                case 5:
                    return MutateOptions();
                case 6:
                {
                    if (Ops.Count == 0) return "none";
                    int o = rng.Next(Ops.Count);
                    var op = Ops[o];
                    bool outputs = rng.Next(4) == 0;
                    int[] list = (int[])(outputs ? op.Outputs : op.Inputs).Clone();
                    if (list.Length == 0) return "none";
                    int i = rng.Next(list.Length);
                    list[i] = rng.Next(4) switch
                    {
                        0 => Pick(-1, -2, Tensors.Count, Tensors.Count + 1000, int.MaxValue),
                        1 => op.Outputs[0], // read own output / write own input: a cycle
                        _ => AnyTensor(),
                    };
                    Ops[o] = outputs ? op with { Outputs = list } : op with { Inputs = list };
                    return $"op{o} {(outputs ? "output" : "input")} {i} = {list[i]}";
                }
                case 7:
                {
                    if (rng.Next(2) == 0 && Ops.Count > 1)
                    {
                        Ops.Reverse(); // consumers before producers
                        return "ops reversed";
                    }
                    if (rng.Next(2) == 0 && Inputs.Count > 0)
                    {
                        Inputs[rng.Next(Inputs.Count)] = Pick(-1, Tensors.Count, AnyTensor());
                        return "graph input rewired";
                    }
                    Outputs = [Pick(-1, Tensors.Count, AnyTensor())];
                    return "graph output rewired";
                }
                case 8:
                {
                    long bytes = Math.Max(0, Count(shape.Select(d => Math.Max(d, 0)).ToArray()) * SafeSize(type));
                    byte[]? nd = rng.Next(3) switch
                    {
                        0 => null,
                        1 => RandomBytes(Math.Max(0, Math.Min(bytes, 1 << 16) + Pick(0, 0, 1, -1))),
                        _ => RandomBytes(Small(1, 64)),
                    };
                    Tensors[t] = (name, type, shape, q, nd);
                    return $"t{t} data {(nd is null ? "none" : nd.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes";
                }
                case 9:
                {
                    // Hostile values in an integer constant (resize size, axis, block shape, paddings, multiples, new shape).
                    for (int k = 0; k < Tensors.Count; k++)
                    {
                        var c = Tensors[(t + k) % Tensors.Count];
                        if (c.Type != TensorType.Int32 || c.Data is not { Length: >= 4 } d) continue;
                        byte[] nd = (byte[])d.Clone();
                        int at = rng.Next(nd.Length / 4);
                        int v = Hostile();
                        BitConverter.TryWriteBytes(nd.AsSpan(at * 4), v);
                        Tensors[(t + k) % Tensors.Count] = c with { Data = nd };
                        return $"t{(t + k) % Tensors.Count}[{at}] = {v}";
                    }
                    return "none";
                }
                case 10:
                {
                    if (Ops.Count == 0) return "none";
                    int o = rng.Next(Ops.Count);
                    int v = Pick(0, 1, 2, 3, 4, 5, 7, 100);
                    Ops[o] = Ops[o] with { Version = v };
                    return $"op{o} version {v}";
                }
                default:
                {
                    // Consistent giant: the output (and input) spatial size scaled up together, so only the budget refuses it.
                    int k = Pick(64, 4096, 46341, 1 << 20);
                    for (int i = 0; i < Tensors.Count; i++)
                    {
                        var c = Tensors[i];
                        if (c.Data is not null || c.Shape.Length != 4) continue;
                        int[] s = (int[])c.Shape.Clone();
                        s[1] = (int)Math.Min(int.MaxValue, (long)s[1] * k);
                        Tensors[i] = c with { Shape = s };
                    }
                    return $"activations x{k} high";
                }
            }
        }

        private static int SafeSize(TensorType type) => type switch
        {
            TensorType.Float64 or TensorType.Int64 or TensorType.Complex64 => 8,
            TensorType.Float32 or TensorType.Int32 => 4,
            TensorType.Float16 or TensorType.Int16 => 2,
            _ => 1,
        };

        private string MutateOptions()
        {
            if (Ops.Count == 0) return "none";
            int o = rng.Next(Ops.Count);
            var op = Ops[o];
            int h = Hostile();
            OperatorOptions? n = rng.Next(8) switch
            {
                0 => null,
                1 => Pick<OperatorOptions>(new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1), new ElementwiseOptions(FusedActivation.Tanh),
                    new ConcatenationOptions(h, FusedActivation.None), new ReshapeOptions([h, -1, -1]), new ArgMaxOptions(TensorType.Float32),
                    new ResizeBilinearOptions(true, true), new Pool2DOptions(Padding.Valid, h, 1, 1, 1, FusedActivation.None), new SoftmaxOptions(1f)),
                _ => op.Options switch
                {
                    Conv2DOptions c => rng.Next(3) switch
                    {
                        0 => c with { StrideW = h },
                        1 => c with { DilationH = h, DilationW = Hostile() },
                        _ => c with { StrideH = h, Activation = (FusedActivation)rng.Next(0, 7) },
                    },
                    DepthwiseConv2DOptions d => rng.Next(3) switch
                    {
                        0 => d with { StrideH = h },
                        1 => d with { DilationW = h, DilationH = Hostile() },
                        _ => d with { DepthMultiplier = h },
                    },
                    Pool2DOptions p => rng.Next(2) == 0 ? p with { FilterHeight = h, FilterWidth = Hostile() } : p with { StrideW = h },
                    ConcatenationOptions c => c with { Axis = h },
                    ReshapeOptions r => new ReshapeOptions([.. r.NewShape.Select(v => rng.Next(2) == 0 ? Hostile() : v)]),
                    ArgMaxOptions => new ArgMaxOptions((TensorType)rng.Next(0, 11)),
                    ResizeBilinearOptions => new ResizeBilinearOptions(rng.Next(2) == 0, rng.Next(2) == 0),
                    var other => other,
                },
            };
            Ops[o] = op with { Options = n };
            return $"op{o} options {n}";
        }

        public ModelGraph ToGraph()
        {
            var tensors = new TensorInfo[Tensors.Count];
            for (int i = 0; i < tensors.Length; i++)
            {
                var (name, type, shape, q, data) = Tensors[i];
                tensors[i] = new TensorInfo(i, name, type, shape, q, data ?? ReadOnlyMemory<byte>.Empty);
            }
            var ops = new OperatorNode[Ops.Count];
            for (int i = 0; i < ops.Length; i++)
                ops[i] = new OperatorNode(i, Ops[i].Op, Ops[i].Version, null, Ops[i].Inputs, Ops[i].Outputs, Ops[i].Options);
            return new ModelGraph(tensors, ops, [.. Inputs], Outputs, "fuzz", 3, ReadOnlyMemory<byte>.Empty);
        }
    }
}
