namespace EdgeRuntime.Onnx;

// The subset of onnx.proto (proto2 syntax) the exporter writes. Field numbers are onnx.proto's.
// Repeated scalar fields that onnx.proto does not mark [packed = true] (dims, ints) are written unpacked,
// as a proto2 serializer would.

/// <summary>TensorProto.DataType values.</summary>
public enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
}

/// <summary>OperatorSetIdProto: domain = 1, version = 2.</summary>
public sealed record OnnxOpsetId(string Domain, long Version) : IProtoMessage
{
    public void WriteTo(ProtoWriter w)
    {
        if (Domain.Length > 0) w.WriteString(1, Domain);
        w.WriteInt64(2, Version);
    }
}

/// <summary>TensorProto with raw_data: dims = 1, data_type = 2, name = 8, raw_data = 9.</summary>
public sealed class OnnxTensor : IProtoMessage
{
    public OnnxTensor(string name, OnnxDataType dataType, long[] dims, byte[] rawData)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        RawData = rawData;
    }

    public string Name { get; }
    public OnnxDataType DataType { get; }
    public long[] Dims { get; }
    /// <summary>Little-endian, row-major element bytes.</summary>
    public byte[] RawData { get; }

    public void WriteTo(ProtoWriter w)
    {
        foreach (long d in Dims) w.WriteInt64(1, d);
        w.WriteInt64(2, (int)DataType);
        if (Name.Length > 0) w.WriteString(8, Name);
        w.WriteBytes(9, RawData);
    }
}

/// <summary>AttributeProto.AttributeType values.</summary>
public enum OnnxAttributeType
{
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Floats = 6,
    Ints = 7,
}

/// <summary>AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20.</summary>
public sealed class OnnxAttribute : IProtoMessage
{
    private OnnxAttribute(string name, OnnxAttributeType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }
    public OnnxAttributeType Type { get; }
    public float F { get; private init; }
    public long I { get; private init; }
    public string S { get; private init; } = "";
    public OnnxTensor? T { get; private init; }
    public float[] Floats { get; private init; } = [];
    public long[] Ints { get; private init; } = [];

    public static OnnxAttribute Of(string name, long value) => new(name, OnnxAttributeType.Int) { I = value };
    public static OnnxAttribute Of(string name, float value) => new(name, OnnxAttributeType.Float) { F = value };
    public static OnnxAttribute Of(string name, string value) => new(name, OnnxAttributeType.String) { S = value };
    public static OnnxAttribute Of(string name, long[] values) => new(name, OnnxAttributeType.Ints) { Ints = values };
    public static OnnxAttribute Of(string name, float[] values) => new(name, OnnxAttributeType.Floats) { Floats = values };
    public static OnnxAttribute Of(string name, OnnxTensor value) => new(name, OnnxAttributeType.Tensor) { T = value };

    public void WriteTo(ProtoWriter w)
    {
        w.WriteString(1, Name);
        switch (Type)
        {
            case OnnxAttributeType.Float: w.WriteFloat(2, F); break;
            case OnnxAttributeType.Int: w.WriteInt64(3, I); break;
            case OnnxAttributeType.String: w.WriteString(4, S); break;
            case OnnxAttributeType.Tensor: w.WriteMessage(5, T!); break;
            case OnnxAttributeType.Floats: foreach (float f in Floats) w.WriteFloat(7, f); break;
            case OnnxAttributeType.Ints: foreach (long i in Ints) w.WriteInt64(8, i); break;
            default: throw new InvalidOperationException($"attribute type {Type}");
        }
        w.WriteInt64(20, (int)Type);
    }
}

/// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.</summary>
public sealed class OnnxNode : IProtoMessage
{
    public OnnxNode(string opType, string name, string[] inputs, string[] outputs, OnnxAttribute[]? attributes = null, string domain = "")
    {
        OpType = opType;
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes ?? [];
        Domain = domain;
    }

    public string OpType { get; }
    public string Name { get; }
    /// <summary>An empty string marks an omitted optional input.</summary>
    public string[] Inputs { get; }
    public string[] Outputs { get; }
    public OnnxAttribute[] Attributes { get; }
    public string Domain { get; }

    public void WriteTo(ProtoWriter w)
    {
        foreach (string i in Inputs) w.WriteString(1, i);
        foreach (string o in Outputs) w.WriteString(2, o);
        if (Name.Length > 0) w.WriteString(3, Name);
        w.WriteString(4, OpType);
        foreach (OnnxAttribute a in Attributes) w.WriteMessage(5, a);
        if (Domain.Length > 0) w.WriteString(7, Domain);
    }

    public override string ToString() => $"{OpType} {Name}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}

/// <summary>
/// ValueInfoProto (name = 1, type = 2) with TypeProto.tensor_type (1) = { elem_type = 1, shape = 2 },
/// TensorShapeProto.dim (1) = { dim_value = 1 }.
/// </summary>
public sealed class OnnxValueInfo : IProtoMessage
{
    public OnnxValueInfo(string name, OnnxDataType elementType, long[] shape)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
    }

    public string Name { get; }
    public OnnxDataType ElementType { get; }
    public long[] Shape { get; }

    public void WriteTo(ProtoWriter w)
    {
        w.WriteString(1, Name);
        w.WriteMessage(2, type => type.WriteMessage(1, tensor =>
        {
            tensor.WriteInt64(1, (int)ElementType);
            tensor.WriteMessage(2, shape =>
            {
                foreach (long d in Shape) shape.WriteMessage(1, dim => dim.WriteInt64(1, d));
            });
        }));
    }
}

/// <summary>GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.</summary>
public sealed class OnnxGraph : IProtoMessage
{
    public string Name { get; set; } = "graph";
    public string DocString { get; set; } = "";
    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxTensor> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];

    public void WriteTo(ProtoWriter w)
    {
        foreach (OnnxNode n in Nodes) w.WriteMessage(1, n);
        w.WriteString(2, Name);
        foreach (OnnxTensor t in Initializers) w.WriteMessage(5, t);
        if (DocString.Length > 0) w.WriteString(10, DocString);
        foreach (OnnxValueInfo i in Inputs) w.WriteMessage(11, i);
        foreach (OnnxValueInfo o in Outputs) w.WriteMessage(12, o);
    }
}

/// <summary>ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7, opset_import = 8.</summary>
public sealed class OnnxModel : IProtoMessage
{
    /// <summary>IR version 8 (ONNX 1.10+) goes with opset 17.</summary>
    public const long DefaultIrVersion = 8;
    public const long DefaultOpset = 17;

    public long IrVersion { get; set; } = DefaultIrVersion;
    public string ProducerName { get; set; } = "edgert";
    public string ProducerVersion { get; set; } = "1.0";
    public string DocString { get; set; } = "";
    public List<OnnxOpsetId> OpsetImports { get; } = [new OnnxOpsetId("", DefaultOpset)];
    public OnnxGraph Graph { get; set; } = new();

    public void WriteTo(ProtoWriter w)
    {
        w.WriteInt64(1, IrVersion);
        w.WriteString(2, ProducerName);
        w.WriteString(3, ProducerVersion);
        if (DocString.Length > 0) w.WriteString(6, DocString);
        w.WriteMessage(7, Graph);
        foreach (OnnxOpsetId o in OpsetImports) w.WriteMessage(8, o);
    }

    public byte[] ToBytes()
    {
        var w = new ProtoWriter(1 << 16);
        WriteTo(w);
        return w.ToArray();
    }
}
