using EdgeRuntime.Graph;
using S = EdgeRuntime.Tflite.TfliteSchema;

namespace EdgeRuntime.Tflite;

/// <summary>
/// Writes a <see cref="ModelGraph"/> as a .tflite file (identifier "TFL3", schema version 3, one subgraph)
/// that both TFLite and <see cref="TfliteModelReader"/> load. Output is deterministic: the same graph gives
/// byte-identical files. Constant data go into buffers whose bytes are 16-byte aligned.
/// </summary>
/// <remarks>
/// What a graph does not hold is not written: min/max of quantization, shape_signature, signatures,
/// metadata, extra subgraphs, and builtin options of operators we do not decode (those get none).
/// </remarks>
internal static class TfliteModelWriter
{
    /// <summary>Alignment of constant data, as the schema's force_align on Buffer.data.</summary>
    public const int DataAlignment = 16;

    /// <param name="graph">The model; tensor i must have Index i.</param>
    /// <param name="externalBuffers">
    /// Store constant data after the FlatBuffer and point at it with Buffer.offset/size, the layout TFLite
    /// uses for files over 2 GB (useful to test that path on small models).
    /// </param>
    public static byte[] Write(ModelGraph graph, bool externalBuffers = false) => Write(graph, externalBuffers, validate: true);

    /// <summary>
    /// Writes <paramref name="graph"/> as given, without the checks of <see cref="Write(ModelGraph, bool)"/>: constant data of
    /// any length, tensor indices out of range, options of another operator's type. For fuzzers and hostile-model tests,
    /// which need files the reader must refuse.
    /// </summary>
    public static byte[] WriteUnvalidated(ModelGraph graph) => Write(graph, externalBuffers: false, validate: false);

    private static byte[] Write(ModelGraph graph, bool externalBuffers, bool validate)
    {
        if (validate) Validate(graph);

        var opcodeIndex = new Dictionary<(int Code, int Version, string? Custom), int>();
        var opcodes = new List<FbNode>();
        var buffers = new List<FbNode> { new FbTableNode() }; // buffer 0: the empty sentinel
        var external = new List<(FbSlot Offset, FbSlot Size, ReadOnlyMemory<byte> Data)>();
        long constantBytes = 0;

        var tensors = new FbNode[graph.Tensors.Length];
        foreach (TensorInfo t in graph.Tensors)
        {
            uint buffer = 0;
            if (t.IsConstant)
            {
                buffer = (uint)buffers.Count;
                constantBytes += t.ConstantData.Length + DataAlignment;
                var b = new FbTableNode();
                if (externalBuffers)
                {
                    var (off, size) = (new FbSlot(), new FbSlot());
                    b.U64Slot(S.Buffer.Offset, off).U64Slot(S.Buffer.Size, size);
                    external.Add((off, size, t.ConstantData));
                }
                else
                {
                    b.Ref(S.Buffer.Data, new FbScalarVector(t.ConstantData, 1, DataAlignment));
                }
                buffers.Add(b);
            }
            tensors[validate ? t.Index : Array.IndexOf(graph.Tensors, t)] = TensorTable(t, buffer);
        }

        var operators = new FbNode[graph.Operators.Length];
        for (int i = 0; i < operators.Length; i++)
        {
            OperatorNode n = graph.Operators[i];
            string? custom = n.Op == BuiltinOperator.Custom ? n.CustomCode : null;
            var key = ((int)n.Op, n.Version, custom);
            if (!opcodeIndex.TryGetValue(key, out int oc))
            {
                oc = opcodes.Count;
                opcodeIndex.Add(key, oc);
                opcodes.Add(OperatorCodeTable(n.Op, n.Version, custom));
            }
            operators[i] = OperatorTable(n, oc, validate);
        }

        var subgraph = new FbTableNode()
            .Ref(S.SubGraph.Tensors, new FbNodeVector(tensors))
            .Ref(S.SubGraph.Inputs, FbScalarVector.Of(graph.Inputs))
            .Ref(S.SubGraph.Outputs, FbScalarVector.Of(graph.Outputs))
            .Ref(S.SubGraph.Operators, new FbNodeVector(operators))
            .Ref(S.SubGraph.Name, new FbStringNode("main"));

        var model = new FbTableNode()
            .U32(S.Model.Version, S.Version)
            .Ref(S.Model.OperatorCodes, new FbNodeVector(opcodes))
            .Ref(S.Model.Subgraphs, new FbNodeVector([subgraph]))
            .Ref(S.Model.Description, graph.Description.Length > 0 ? new FbStringNode(graph.Description) : null)
            .Ref(S.Model.Buffers, new FbNodeVector(buffers));

        var fb = new FlatBufferBuilder((int)Math.Min(int.MaxValue / 2, constantBytes + 65536));
        fb.Finish(model, S.FileIdentifier);
        foreach (var (off, size, data) in external)
        {
            int pos = fb.AppendRaw(data.Span, DataAlignment);
            fb.PatchU64(off.Position, (ulong)pos);
            fb.PatchU64(size.Position, (ulong)data.Length);
        }
        return fb.ToArray();
    }

    private static FbTableNode TensorTable(TensorInfo t, uint buffer)
    {
        var table = new FbTableNode()
            .Ref(S.Tensor.Shape, FbScalarVector.Of(t.Shape)) // always present: an absent shape means "unknown" to some tools
            .I8(S.Tensor.Type, (sbyte)t.Type)
            .U32(S.Tensor.Buffer, buffer)
            .Ref(S.Tensor.Name, new FbStringNode(t.Name))
            .Bool(S.Tensor.IsVariable, t.IsVariable)
            .Bool(S.Tensor.HasRank, true); // our shapes are always known, including rank 0
        if (t.Quantization is { } q)
        {
            // TFLite wants one zero point per scale; QuantizationInfo may share one zero point across channels.
            long[] zps = q.ZeroPoints.Length == q.Scales.Length ? q.ZeroPoints : Enumerable.Repeat(q.ZeroPoints[0], q.Scales.Length).ToArray();
            table.Ref(S.Tensor.Quantization, new FbTableNode()
                .Ref(S.Quantization.Scale, FbScalarVector.Of(q.Scales))
                .Ref(S.Quantization.ZeroPoint, FbScalarVector.Of(zps))
                .I32(S.Quantization.QuantizedDimension, q.Axis));
        }
        return table;
    }

    private static FbTableNode OperatorCodeTable(BuiltinOperator op, int version, string? custom)
    {
        int code = (int)op;
        // Old readers only know the byte field; TFLite's writer clamps it to the placeholder for newer codes.
        return new FbTableNode()
            .I8(S.OperatorCode.DeprecatedBuiltinCode, (sbyte)Math.Min(code, S.PlaceholderForGreaterOpCodes))
            .Ref(S.OperatorCode.CustomCode, custom is null ? null : new FbStringNode(custom))
            .I32(S.OperatorCode.Version, version, dflt: 1)
            .I32(S.OperatorCode.BuiltinCode, code);
    }

    private static FbTableNode OperatorTable(OperatorNode n, int opcodeIndex, bool validate)
    {
        var table = new FbTableNode()
            .U32(S.Operator.OpcodeIndex, (uint)opcodeIndex)
            .Ref(S.Operator.Inputs, FbScalarVector.Of(n.Inputs))
            .Ref(S.Operator.Outputs, FbScalarVector.Of(n.Outputs));
        if (n.Options is CustomOptions custom)
        {
            table.Ref(S.Operator.CustomOptions, new FbScalarVector(custom.Data, 1));
        }
        else if (n.Options is not null)
        {
            var (type, options) = validate || TfliteOptionsWriter.Fits(n.Op, n.Options)
                ? TfliteOptionsWriter.Build(n.Op, n.Options)
                : TfliteOptionsWriter.BuildAny(n.Options);
            table.U8(S.Operator.BuiltinOptionsType, (byte)type).Ref(S.Operator.BuiltinOptions, options);
        }
        return table;
    }

    /// <summary>Catches graphs built wrongly in code here, with a clear message, rather than as a file that fails to load.</summary>
    private static void Validate(ModelGraph g)
    {
        int n = g.Tensors.Length;
        for (int i = 0; i < n; i++)
        {
            TensorInfo t = g.Tensors[i];
            if (t.Index != i) throw new ArgumentException($"tensor at position {i} has Index {t.Index}");
            if (t.IsConstant && t.ConstantData.Length != t.ByteSize)
                throw new ArgumentException($"tensor {t}: {t.ConstantData.Length} constant bytes but the shape needs {t.ByteSize}");
        }
        foreach (OperatorNode op in g.Operators)
        {
            foreach (int t in op.Inputs)
                if (t < -1 || t >= n) throw new ArgumentException($"{op}: input tensor {t} out of range");
            foreach (int t in op.Outputs)
                if (t < 0 || t >= n) throw new ArgumentException($"{op}: output tensor {t} out of range");
            if (op.Op == BuiltinOperator.Custom && string.IsNullOrEmpty(op.CustomCode))
                throw new ArgumentException($"{op}: CUSTOM operator needs a custom code");
            if (op.Version < 1) throw new ArgumentException($"{op}: version must be >= 1");
        }
        foreach (int t in g.Inputs.Concat(g.Outputs))
            if (t < 0 || t >= n) throw new ArgumentException($"graph input/output tensor {t} out of range");
    }
}
