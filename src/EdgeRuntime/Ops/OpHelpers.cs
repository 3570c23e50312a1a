using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Ops;

/// <summary>Validation and constant-reading helpers shared by the operators' Prepare.</summary>
internal static class OpHelpers
{
    public static UnsupportedOperatorException Unsupported(OperatorNode node, string detail) => new(node, detail);

    public static void Require(bool condition, OperatorNode node, string detail)
    {
        if (!condition) throw new UnsupportedOperatorException(node, detail);
    }

    public static void CheckOp(OperatorNode node, BuiltinOperator expected, int maxVersion)
    {
        if (node.Op != expected)
            throw new ArgumentException($"{node} given to the {expected.ToTfliteName()} kernel");
        Require(node.Version >= 1 && node.Version <= maxVersion, node, $"version {node.Version} is not supported (1..{maxVersion})");
    }

    public static void CheckCounts(OperatorNode node, int minInputs, int maxInputs, int outputs)
    {
        if (node.Inputs.Length < minInputs || node.Inputs.Length > maxInputs)
            throw new ModelFormatException($"{node}: {node.Inputs.Length} inputs, expected {(minInputs == maxInputs ? $"{minInputs}" : $"{minInputs}..{maxInputs}")}");
        if (node.Outputs.Length != outputs)
            throw new ModelFormatException($"{node}: {node.Outputs.Length} outputs, expected {outputs}");
    }

    public static TensorInfo Input(OperatorNode node, ModelGraph graph, int i) => Tensor(node, graph, node.Inputs[i], $"input {i}");

    public static TensorInfo Output(OperatorNode node, ModelGraph graph, int i = 0) => Tensor(node, graph, node.Outputs[i], $"output {i}");

    private static TensorInfo Tensor(OperatorNode node, ModelGraph graph, int index, string what)
    {
        if (index < 0) throw new ModelFormatException($"{node}: {what} is absent");
        if (index >= graph.Tensors.Length) throw new ModelFormatException($"{node}: {what} refers to tensor {index} of {graph.Tensors.Length}");
        return graph.Tensors[index];
    }

    public static T Options<T>(OperatorNode node) where T : OperatorOptions =>
        node.Options as T ?? throw new ModelFormatException($"{node}: missing {typeof(T).Name}");

    public static void RequireType(OperatorNode node, TensorInfo t, string what, params TensorType[] allowed)
    {
        if (Array.IndexOf(allowed, t.Type) < 0)
            throw new UnsupportedOperatorException(node, $"{what} {t} has type {t.Type}, supported: {string.Join(", ", allowed)}");
    }

    public static void RequireSameType(OperatorNode node, TensorInfo a, TensorInfo b)
    {
        Require(a.Type == b.Type, node, $"{a} is {a.Type} but {b} is {b.Type}");
    }

    /// <summary>Per-tensor (scale, zero point) of a uint8/int8 tensor; throws if missing or per-channel.</summary>
    public static (float Scale, int ZeroPoint) PerTensor(OperatorNode node, TensorInfo t)
    {
        QuantizationInfo q = t.Quantization ?? throw new ModelFormatException($"{node}: quantized tensor {t} has no quantization parameters");
        Require(!q.IsPerChannel, node, $"tensor {t} is quantized per channel ({q}); this operator needs per-tensor quantization");
        if (!(q.Scale > 0f) || float.IsInfinity(q.Scale)) throw new ModelFormatException($"{node}: tensor {t} has scale {q.Scale}");
        var (min, max) = QuantizedRange(t.Type);
        if (q.ZeroPoint < min || q.ZeroPoint > max) throw new ModelFormatException($"{node}: tensor {t} has zero point {q.ZeroPoint} outside [{min}, {max}]");
        return (q.Scale, q.ZeroPoint);
    }

    public static (int Min, int Max) QuantizedRange(TensorType type) => type switch
    {
        TensorType.UInt8 => (0, 255),
        TensorType.Int8 => (-128, 127),
        TensorType.Int16 => (short.MinValue, short.MaxValue),
        _ => throw new ArgumentException($"{type} is not a quantized type"),
    };

    public static Shape4 Shape4Of(OperatorNode node, TensorInfo t, string what)
    {
        Require(t.Rank <= 4, node, $"{what} {t} has rank {t.Rank}; at most 4 is supported");
        foreach (int d in t.Shape)
            if (d <= 0) throw new ModelFormatException($"{node}: {what} {t} has dimension {d}");
        return Shape4.From(t.Shape);
    }

    /// <summary>Reads a constant int32 (or, when allowed, int64) tensor's values.</summary>
    public static int[] ReadIntConstant(OperatorNode node, TensorInfo t, string what, bool allowInt64 = false)
    {
        Require(t.IsConstant, node, $"{what} {t} must be a constant tensor");
        ReadOnlySpan<byte> bytes = t.ConstantData.Span;
        long count = t.ElementCount;
        if (t.Type == TensorType.Int32)
        {
            if (bytes.Length != count * 4) throw new ModelFormatException($"{node}: {what} {t} holds {bytes.Length} bytes, expected {count * 4}");
            var values = new int[count];
            for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
            return values;
        }
        if (t.Type == TensorType.Int64 && allowInt64)
        {
            if (bytes.Length != count * 8) throw new ModelFormatException($"{node}: {what} {t} holds {bytes.Length} bytes, expected {count * 8}");
            var values = new int[count];
            for (int i = 0; i < count; i++)
            {
                long v = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]);
                if (v < int.MinValue || v > int.MaxValue) throw new UnsupportedOperatorException(node, $"{what} value {v} does not fit in int32");
                values[i] = (int)v;
            }
            return values;
        }
        throw new UnsupportedOperatorException(node, $"{what} {t} has type {t.Type}, expected Int32{(allowInt64 ? " or Int64" : "")}");
    }

    public static void RequireShape(OperatorNode node, TensorInfo t, ReadOnlySpan<int> expected, string what)
    {
        if (!t.Shape.AsSpan().SequenceEqual(expected))
            throw new ModelFormatException($"{node}: {what} {t} should have shape [{string.Join(',', expected.ToArray())}]");
    }

    /// <summary>True when two spans start at the same memory (the planner aliased the buffers).</summary>
    public static bool SameStart(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));
}
