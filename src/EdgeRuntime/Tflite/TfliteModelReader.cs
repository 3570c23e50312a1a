using EdgeRuntime.Graph;
using static EdgeRuntime.Tflite.TfliteSchema;

namespace EdgeRuntime.Tflite;

/// <summary>
/// Reads a .tflite file into a <see cref="ModelGraph"/>. The file bytes are kept by the graph and constant
/// tensors are slices of them (never copied). Everything the interpreter later relies on is validated
/// here, so a corrupt or hostile file fails with a <see cref="ModelFormatException"/> naming the field,
/// never with another exception, a hang, or a huge allocation.
/// Only subgraph 0 (the model) is read; other subgraphs, signatures and metadata are ignored.
/// </summary>
internal static class TfliteModelReader
{
    public const int MaxRank = 6;

    /// <summary>Reads the whole file (so files up to 2 GB). I/O errors surface as the usual IOExceptions.</summary>
    public static ModelGraph Load(string path) => Read(File.ReadAllBytes(path));

    public static ModelGraph Read(ReadOnlyMemory<byte> bytes)
    {
        // Legit files touch each byte about once; the budget only stops data shared by many tables.
        var fb = new FlatBufferReader(bytes, workBudget: 4L * bytes.Length + 65536);
        // The identifier and the root offset are checked before any table is read, so another kind of file (text,
        // an image, ONNX) is named as such rather than by the first table that happens to point nowhere.
        CheckIdentifier(fb);
        FbTable model;
        try
        {
            model = fb.Root("");
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"not a TFLite model ({e.Message})");
        }

        uint version = model.U32(TfliteSchema.Model.Version, "version");
        if (version != TfliteSchema.Version)
            throw FlatBufferReader.Fail("version", $"schema version {version} is not supported (expected {TfliteSchema.Version})");

        OpCode[] codes = ReadOperatorCodes(model);
        FbVector buffers = model.Vector(TfliteSchema.Model.Buffers, "buffers", 4);
        CheckSentinelBuffer(fb, buffers);

        FbVector subgraphs = model.Vector(TfliteSchema.Model.Subgraphs, "subgraphs", 4);
        if (subgraphs.Count == 0) throw FlatBufferReader.Fail("subgraphs", "the model has no subgraph");
        FbTable sg = subgraphs.Table(0);

        TensorInfo[] tensors = ReadTensors(fb, sg, buffers);
        OperatorNode[] operators = ReadOperators(sg, codes, tensors);
        int[] inputs = ReadTensorIndices(sg.Vector(TfliteSchema.SubGraph.Inputs, "inputs", 4), tensors.Length, allowOptional: false);
        int[] outputs = ReadTensorIndices(sg.Vector(TfliteSchema.SubGraph.Outputs, "outputs", 4), tensors.Length, allowOptional: false);
        foreach (int t in inputs)
            if (tensors[t].IsConstant)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(sg.Path, "inputs"), $"graph input {t} ({tensors[t].Name}) is a constant tensor");
        string description = model.String(TfliteSchema.Model.Description, "description") ?? "";

        return new ModelGraph(tensors, operators, inputs, outputs, description, (int)version, bytes);
    }

    /// <summary>
    /// TFLite itself loads files without the "TFL3" identifier (only its optional verifier insists), so we
    /// accept those too. But 4 identifier-like ASCII characters that are not "TFL3" mean some other format.
    /// </summary>
    private static void CheckIdentifier(FlatBufferReader fb)
    {
        ReadOnlySpan<byte> id = fb.IdentifierBytes;
        if (id.Length < 4 || id.SequenceEqual("TFL3"u8)) return; // shorter than a header: Root says so
        foreach (byte b in id)
            if (!char.IsAsciiLetterOrDigit((char)b)) return; // no identifier: these bytes belong to the buffer body
        throw new ModelFormatException($"not a TFLite model (file identifier \"{System.Text.Encoding.ASCII.GetString(id)}\" is not \"{FileIdentifier}\")");
    }

    private readonly record struct OpCode(BuiltinOperator Op, int Version, string? CustomCode);

    private static OpCode[] ReadOperatorCodes(FbTable model)
    {
        FbVector v = model.Vector(TfliteSchema.Model.OperatorCodes, "operator_codes", 4);
        var codes = new OpCode[v.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            FbTable c = v.Table(i);
            // As TFLite's GetBuiltinCode: old writers fill only the byte field, new ones both (byte clamped to 127).
            int code = Math.Max(c.I8(TfliteSchema.OperatorCode.DeprecatedBuiltinCode, "deprecated_builtin_code"),
                                c.I32(TfliteSchema.OperatorCode.BuiltinCode, "builtin_code"));
            if (code < 0) throw FlatBufferReader.Fail(c.Path, $"invalid builtin code {code}");
            int opVersion = c.I32(TfliteSchema.OperatorCode.Version, "version", 1);
            if (opVersion < 1) throw FlatBufferReader.Fail(FlatBufferReader.Join(c.Path, "version"), $"operator version {opVersion} is not >= 1");
            string? custom = null;
            if (code == (int)BuiltinOperator.Custom)
            {
                custom = c.String(TfliteSchema.OperatorCode.CustomCode, "custom_code");
                if (string.IsNullOrEmpty(custom)) throw FlatBufferReader.Fail(c.Path, "CUSTOM operator code without a custom_code name");
            }
            codes[i] = new OpCode((BuiltinOperator)code, opVersion, custom);
        }
        return codes;
    }

    /// <summary>Buffer 0 is the "no data" sentinel every non-constant tensor points at; it must stay empty.</summary>
    private static void CheckSentinelBuffer(FlatBufferReader fb, FbVector buffers)
    {
        if (buffers.Count > 0 && !ResolveBuffer(fb, buffers, 0).IsEmpty)
            throw FlatBufferReader.Fail(buffers.ElementPath(0), "the sentinel buffer 0 must be empty");
    }

    private static ReadOnlyMemory<byte> ResolveBuffer(FlatBufferReader fb, FbVector buffers, int index)
    {
        FbTable b = buffers.Table(index);
        FbVector data = b.Vector(TfliteSchema.Buffer.Data, "data", 1);
        if (data.Count > 0) return data.Bytes; // like TFLite, inline data wins over offset/size
        // Files over 2 GB keep data after the FlatBuffer; offset is from the file start and "only valid if > 1".
        ulong offset = b.U64(TfliteSchema.Buffer.Offset, "offset");
        ulong size = b.U64(TfliteSchema.Buffer.Size, "size");
        if (offset <= 1 || size == 0) return ReadOnlyMemory<byte>.Empty;
        if (offset > (ulong)fb.Length || size > (ulong)fb.Length - offset)
            throw FlatBufferReader.Fail(b.Path, $"external data at offset {offset} size {size} runs past end of file ({fb.Length} bytes)");
        return fb.Memory.Slice((int)offset, (int)size);
    }

    private static TensorInfo[] ReadTensors(FlatBufferReader fb, FbTable sg, FbVector buffers)
    {
        FbVector v = sg.Vector(TfliteSchema.SubGraph.Tensors, "tensors", 4);
        var tensors = new TensorInfo[v.Count];
        for (int i = 0; i < tensors.Length; i++)
            tensors[i] = ReadTensor(fb, v.Table(i), i, buffers);
        return tensors;
    }

    private static TensorInfo ReadTensor(FlatBufferReader fb, FbTable t, int index, FbVector buffers)
    {
        FbVector shapeVec = t.Vector(TfliteSchema.Tensor.Shape, "shape", 4);
        // Rank is checked before the dims are copied, so a long shape vector costs nothing.
        if (shapeVec.Count > MaxRank)
            throw FlatBufferReader.Fail(shapeVec.Path, $"rank {shapeVec.Count} exceeds the supported maximum {MaxRank}");
        int[] shape = shapeVec.ToInt32Array();
        long elements = 1;
        foreach (int d in shape)
        {
            if (d == -1) throw FlatBufferReader.Fail(shapeVec.Path, $"dynamic shape not supported ([{string.Join(',', shape)}])");
            if (d < 0) throw FlatBufferReader.Fail(shapeVec.Path, $"negative dimension {d}");
            elements *= d; // stays below 2^62: each factor < 2^31 and the product is checked every step
            if (elements > int.MaxValue) throw FlatBufferReader.Fail(shapeVec.Path, $"element count of [{string.Join(',', shape)}] overflows int32");
        }

        TensorType type = ReadTensorType(t.I8(TfliteSchema.Tensor.Type, "type"), FlatBufferReader.Join(t.Path, "type"));
        long byteSize = elements * type.ElementSize();
        if (byteSize > int.MaxValue) throw FlatBufferReader.Fail(t.Path, $"byte size {byteSize} of {type}[{string.Join(',', shape)}] overflows int32");

        if (t.Has(TfliteSchema.Tensor.Sparsity)) throw FlatBufferReader.Fail(FlatBufferReader.Join(t.Path, "sparsity"), "sparse tensors are not supported");

        string name = t.String(TfliteSchema.Tensor.Name, "name") ?? "";
        bool isVariable = t.Bool(TfliteSchema.Tensor.IsVariable, "is_variable");
        QuantizationInfo? quant = TfliteQuantizationReader.Read(t, type, shape);

        uint bufferIndex = t.U32(TfliteSchema.Tensor.Buffer, "buffer");
        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        if (bufferIndex != 0)
        {
            if (bufferIndex >= (uint)buffers.Count)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(t.Path, "buffer"), $"buffer index {bufferIndex} out of range ({buffers.Count} buffers)");
            data = ResolveBuffer(fb, buffers, (int)bufferIndex);
            if (!data.IsEmpty && data.Length != byteSize)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(t.Path, "buffer"),
                    $"buffer {bufferIndex} holds {data.Length} bytes but {type}[{string.Join(',', shape)}] needs {byteSize}");
        }
        return new TensorInfo(index, name, type, shape, quant, data, isVariable);
    }

    private static TensorType ReadTensorType(sbyte code, string path)
    {
        if (code < (sbyte)TensorType.Float32 || code > (sbyte)TensorType.Float64)
            throw FlatBufferReader.Fail(path, $"unknown or unsupported tensor type {code}");
        var type = (TensorType)code;
        if (type == TensorType.String) throw FlatBufferReader.Fail(path, "string tensors are not supported");
        return type;
    }

    private static OperatorNode[] ReadOperators(FbTable sg, OpCode[] codes, TensorInfo[] tensors)
    {
        FbVector v = sg.Vector(TfliteSchema.SubGraph.Operators, "operators", 4);
        var nodes = new OperatorNode[v.Count];
        for (int i = 0; i < nodes.Length; i++)
        {
            FbTable o = v.Table(i);
            uint opcodeIndex = o.U32(TfliteSchema.Operator.OpcodeIndex, "opcode_index");
            if (opcodeIndex >= (uint)codes.Length)
                throw FlatBufferReader.Fail(FlatBufferReader.Join(o.Path, "opcode_index"), $"opcode index {opcodeIndex} out of range ({codes.Length} operator codes)");
            OpCode code = codes[opcodeIndex];

            int[] inputs = ReadTensorIndices(o.Vector(TfliteSchema.Operator.Inputs, "inputs", 4), tensors.Length, allowOptional: true);
            FbVector outVec = o.Vector(TfliteSchema.Operator.Outputs, "outputs", 4);
            int[] outputs = ReadTensorIndices(outVec, tensors.Length, allowOptional: false);
            foreach (int t in outputs)
                if (tensors[t].IsConstant)
                    throw FlatBufferReader.Fail(outVec.Path, $"output tensor {t} ({tensors[t].Name}) is a constant");

            OperatorOptions? options = TfliteOptionsReader.Read(o, code.Op);
            nodes[i] = new OperatorNode(i, code.Op, code.Version, code.CustomCode, inputs, outputs, options);
        }
        return nodes;
    }

    /// <summary>Tensor indices of an operator or the subgraph; -1 marks an absent optional operator input.</summary>
    private static int[] ReadTensorIndices(FbVector v, int tensorCount, bool allowOptional)
    {
        int[] idx = v.ToInt32Array();
        for (int i = 0; i < idx.Length; i++)
        {
            int t = idx[i];
            if (t == -1 && allowOptional) continue;
            if (t < 0 || t >= tensorCount)
                throw FlatBufferReader.Fail(v.ElementPath(i), $"tensor index {t} out of range ({tensorCount} tensors)");
        }
        return idx;
    }
}
