using EdgeRuntime.Onnx;

namespace EdgeRuntime.Tests.Onnx;

public class ProtoWriterTests
{
    private static byte[] Bytes(Action<ProtoWriter> write)
    {
        var w = new ProtoWriter();
        write(w);
        return w.ToArray();
    }

    private static byte[] Bytes(IProtoMessage m) => Bytes(m.WriteTo);

    [Theory]
    [InlineData(0UL, new byte[] { 0x00 })]
    [InlineData(1UL, new byte[] { 0x01 })]
    [InlineData(127UL, new byte[] { 0x7F })]
    [InlineData(128UL, new byte[] { 0x80, 0x01 })]
    [InlineData(300UL, new byte[] { 0xAC, 0x02 })]
    [InlineData(16384UL, new byte[] { 0x80, 0x80, 0x01 })]
    public void Varints(ulong value, byte[] expected)
    {
        Assert.Equal(expected, Bytes(w => w.WriteRawVarint(value)));
        Assert.Equal(expected.Length, ProtoWriter.VarintSize(value));
    }

    [Fact]
    public void NegativeInt64IsTenByteTwosComplement()
    {
        // field 3, wire type 0 -> tag 0x18; -1 as uint64 = 0xFFFF_FFFF_FFFF_FFFF -> nine 0xFF then 0x01.
        Assert.Equal(new byte[] { 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, Bytes(w => w.WriteInt64(3, -1)));
    }

    [Fact]
    public void FieldTwentyTagTakesTwoBytes()
    {
        // (20 << 3) | 0 = 160 = 0xA0 0x01
        Assert.Equal(new byte[] { 0xA0, 0x01, 0x07 }, Bytes(w => w.WriteInt64(20, 7)));
    }

    [Fact]
    public void FloatIsFixed32LittleEndian()
    {
        // field 2, wire type 5 -> 0x15; 1.0f = 0x3F800000
        Assert.Equal(new byte[] { 0x15, 0x00, 0x00, 0x80, 0x3F }, Bytes(w => w.WriteFloat(2, 1.0f)));
    }

    [Fact]
    public void OpsetImportDefaultDomainWritesOnlyTheVersion() =>
        Assert.Equal(new byte[] { 0x10, 0x11 }, Bytes(new OnnxOpsetId("", 17)));

    [Fact]
    public void NodeWithIntAttribute()
    {
        var node = new OnnxNode("Relu", "n", ["x"], ["y"], [OnnxAttribute.Of("axis", 1L)]);
        byte[] attribute =
        [
            0x0A, 0x04, (byte)'a', (byte)'x', (byte)'i', (byte)'s', // name = 1
            0x18, 0x01,                                               // i = 3
            0xA0, 0x01, 0x02,                                         // type = 20: INT
        ];
        byte[] expected =
        [
            0x0A, 0x01, (byte)'x',                                    // input = 1
            0x12, 0x01, (byte)'y',                                    // output = 2
            0x1A, 0x01, (byte)'n',                                    // name = 3
            0x22, 0x04, (byte)'R', (byte)'e', (byte)'l', (byte)'u',   // op_type = 4
            0x2A, (byte)attribute.Length, .. attribute,               // attribute = 5
        ];
        Assert.Equal(expected, Bytes(node));
    }

    [Fact]
    public void IntsAttributeIsUnpackedAsInProto2()
    {
        byte[] expected = [0x0A, 0x01, (byte)'p', 0x40, 0x02, 0x40, 0x03, 0xA0, 0x01, 0x07];
        Assert.Equal(expected, Bytes(OnnxAttribute.Of("p", new long[] { 2, 3 })));
    }

    [Fact]
    public void TensorWithRawData()
    {
        var t = new OnnxTensor("w", OnnxDataType.UInt8, [2], [7, 9]);
        // dims = 1: 0x08 0x02; data_type = 2: 0x10 0x02 (UINT8); name = 8: 0x42; raw_data = 9: 0x4A
        Assert.Equal(new byte[] { 0x08, 0x02, 0x10, 0x02, 0x42, 0x01, (byte)'w', 0x4A, 0x02, 0x07, 0x09 }, Bytes(t));
    }

    [Fact]
    public void ValueInfoNestsTypeTensorShapeAndDims()
    {
        var vi = new OnnxValueInfo("x", OnnxDataType.Float, [1, 2]);
        byte[] expected =
        [
            0x0A, 0x01, (byte)'x',                   // name
            0x12, 0x0E,                              // type (TypeProto, 14 bytes)
            0x0A, 0x0C,                              //   tensor_type (12 bytes)
            0x08, 0x01,                              //     elem_type FLOAT
            0x12, 0x08,                              //     shape (8 bytes)
            0x0A, 0x02, 0x08, 0x01,                  //       dim { dim_value 1 }
            0x0A, 0x02, 0x08, 0x02,                  //       dim { dim_value 2 }
        ];
        Assert.Equal(expected, Bytes(vi));
    }

    [Fact]
    public void SummaryReadsBackNodes()
    {
        var model = new OnnxModel();
        model.Graph.Nodes.Add(new OnnxNode("Conv", "a", ["x", "w"], ["y"]));
        model.Graph.Nodes.Add(new OnnxNode("QLinearAdd", "b", ["y"], ["z"], null, "com.microsoft"));
        model.Graph.Initializers.Add(new OnnxTensor("w", OnnxDataType.Float, [1], [0, 0, 128, 63]));
        var nodes = OnnxGraphSummary.Nodes(model.ToBytes());
        Assert.Equal([("Conv", ""), ("QLinearAdd", "com.microsoft")], nodes);
    }
}
