using System.Buffers.Binary;
using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;
using EdgeRuntime.Tests.Support;
using S = EdgeRuntime.Tflite.TfliteSchema;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>Hand-made broken files: each fails with a ModelFormatException whose message names the field and the problem.</summary>
public class TfliteMalformedTests
{
    /// <summary>x:int8[1,2,2,2] -> CONV_2D(w:int8[3,1,1,2], b:int32[3]) -> y -> ADD(y, y) -> z. Weights are tensor 1, buffer 1.</summary>
    private static byte[] Tiny(Action<ModelGraphBuilder>? tweak = null, int weightAxis = 0, float[]? weightScales = null, int convVersion = 2)
    {
        var b = new ModelGraphBuilder();
        var q = QuantizationInfo.PerTensor(0.5f, 1);
        int x = b.AddTensor("x", TensorType.Int8, [1, 2, 2, 2], q);
        int w = b.AddConstant<sbyte>("w", TensorType.Int8, [3, 1, 1, 2], [1, 2, 3, 4, 5, 6],
            new QuantizationInfo(weightScales ?? [0.1f, 0.2f, 0.3f], [0], weightAxis));
        int bias = b.AddConstant<int>("b", TensorType.Int32, [3], [1, 2, 3]);
        int y = b.AddTensor("y", TensorType.Int8, [1, 2, 2, 3], q);
        int z = b.AddTensor("z", TensorType.Int8, [1, 2, 2, 3], q);
        b.AddOperator(BuiltinOperator.Conv2D, [x, w, bias], [y], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1), convVersion);
        b.AddOperator(BuiltinOperator.Add, [y, y], [z], new ElementwiseOptions(FusedActivation.Relu));
        b.SetInputs(x).SetOutputs(z);
        tweak?.Invoke(b);
        return b.ToBytes();
    }

    private static FbTable Root(byte[] file) => new FlatBufferReader(file, long.MaxValue).Root("");
    private static FbTable Subgraph(byte[] file) => Root(file).Vector(S.Model.Subgraphs, "subgraphs", 4).Table(0);
    private static FbTable Tensor(byte[] file, int i) => Subgraph(file).Vector(S.SubGraph.Tensors, "tensors", 4).Table(i);
    private static FbTable Operator(byte[] file, int i) => Subgraph(file).Vector(S.SubGraph.Operators, "operators", 4).Table(i);
    private static void PutI32(byte[] f, int pos, int v) => BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(pos), v);

    private static void FailsWith(byte[] file, params string[] fragments)
    {
        var e = Assert.Throws<ModelFormatException>(() => TfliteModelReader.Read(file));
        foreach (string s in fragments) Assert.Contains(s, e.Message);
    }

    [Fact]
    public void TheTinyModelItselfLoads() => Assert.Equal(2, TfliteModelReader.Read(Tiny()).Operators.Length);

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void TruncatedBelowTheHeader(int length)
    {
        byte[] file = File.ReadAllBytes(SharedData.Model(SharedData.CoralDm05))[..length];
        FailsWith(file, "model:", $"file is {length} bytes, too short");
    }

    [Fact]
    public void TruncatedAfterTheHeader()
    {
        byte[] file = File.ReadAllBytes(SharedData.Model(SharedData.CoralDm05))[..8];
        FailsWith(file, "model:", "points outside the file");
    }

    [Fact]
    public void HugeVectorLength()
    {
        byte[] f = Tiny();
        PutI32(f, Tensor(f, 0).Vector(S.Tensor.Shape, "shape", 4).Start - 4, 0x7fffffff);
        FailsWith(f, "subgraphs[0].tensors[0].shape: vector of 2147483647 elements runs past end of file");
    }

    [Fact]
    public void TableOffsetPointingOutside()
    {
        byte[] f = Tiny();
        PutI32(f, Subgraph(f).Vector(S.SubGraph.Tensors, "tensors", 4).Start + 4, 0x7ffffff0);
        FailsWith(f, "subgraphs[0].tensors[1]: table offset", "points outside the file");
    }

    [Fact]
    public void VtableOutside()
    {
        byte[] f = Tiny();
        PutI32(f, Operator(f, 1).Position, -0x100000);
        FailsWith(f, "subgraphs[0].operators[1]: vtable offset", "outside the file");
    }

    [Fact]
    public void BufferSizeMismatch()
    {
        byte[] f = Tiny();
        FbTable buffer = Root(f).Vector(S.Model.Buffers, "buffers", 4).Table(1);
        PutI32(f, buffer.Vector(S.Buffer.Data, "data", 1).Start - 4, 5);
        FailsWith(f, "subgraphs[0].tensors[1].buffer: buffer 1 holds 5 bytes but Int8[3,1,1,2] needs 6");
    }

    [Fact]
    public void BufferIndexOutOfRange()
    {
        byte[] f = Tiny();
        PutI32(f, Tensor(f, 1).FieldPosition(S.Tensor.Buffer), 77);
        FailsWith(f, "subgraphs[0].tensors[1].buffer: buffer index 77 out of range (3 buffers)");
    }

    [Fact]
    public void ExternalBufferPastEndOfFile()
    {
        var b = new ModelGraphBuilder();
        int x = b.AddConstant<float>("c", TensorType.Float32, [2], [1f, 2f]);
        int y = b.AddTensor("y", TensorType.Float32, [2]);
        b.AddOperator(BuiltinOperator.Add, [x, x], [y]);
        b.SetOutputs(y);
        byte[] f = TfliteModelWriter.Write(b.BuildInMemory(), externalBuffers: true);
        Assert.Equal([1f, 2f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(TfliteModelReader.Read(f).Tensors[x].ConstantData.Span).ToArray());
        FbTable buffer = Root(f).Vector(S.Model.Buffers, "buffers", 4).Table(1);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(buffer.FieldPosition(S.Buffer.Offset)), (ulong)f.Length - 4);
        FailsWith(f, "buffers[1]: external data at offset", "runs past end of file");
    }

    [Fact]
    public void DynamicShape()
    {
        byte[] f = Tiny();
        PutI32(f, Tensor(f, 0).Vector(S.Tensor.Shape, "shape", 4).Start, -1);
        FailsWith(f, "subgraphs[0].tensors[0].shape: dynamic shape not supported");
    }

    [Fact]
    public void RankAboveSix() =>
        FailsWith(Tiny(b => b.AddTensor("r7", TensorType.Int8, [1, 1, 1, 1, 1, 1, 1])), "tensors[5].shape: rank 7 exceeds the supported maximum 6");

    [Fact]
    public void ByteSizeOverflow() =>
        FailsWith(Tiny(b => b.AddTensor("big", TensorType.Float32, [65536, 65536])), "tensors[5].shape", "overflows int32");

    [Fact]
    public void UnknownTensorType()
    {
        byte[] f = Tiny();
        f[Tensor(f, 0).FieldPosition(S.Tensor.Type)] = 42;
        FailsWith(f, "subgraphs[0].tensors[0].type: unknown or unsupported tensor type 42");
    }

    [Fact]
    public void WrongOptionsUnionType()
    {
        byte[] f = Tiny();
        f[Operator(f, 0).FieldPosition(S.Operator.BuiltinOptionsType)] = 5;
        FailsWith(f, "subgraphs[0].operators[0].builtin_options_type: CONV_2D carries options of union type 5, expected 1");
    }

    [Fact]
    public void OpcodeIndexOutOfRange()
    {
        byte[] f = Tiny();
        PutI32(f, Operator(f, 1).FieldPosition(S.Operator.OpcodeIndex), 9);
        FailsWith(f, "subgraphs[0].operators[1].opcode_index: opcode index 9 out of range (2 operator codes)");
    }

    [Fact]
    public void OperatorVersionZero()
    {
        byte[] f = Tiny();
        FbTable conv = Root(f).Vector(S.Model.OperatorCodes, "operator_codes", 4).Table(0);
        PutI32(f, conv.FieldPosition(S.OperatorCode.Version), 0);
        FailsWith(f, "operator_codes[0].version: operator version 0 is not >= 1");
    }

    [Fact]
    public void TensorIndexOutOfRange()
    {
        byte[] f = Tiny();
        PutI32(f, Operator(f, 0).Vector(S.Operator.Inputs, "inputs", 4).Start, 99);
        FailsWith(f, "subgraphs[0].operators[0].inputs[0]: tensor index 99 out of range (5 tensors)");
    }

    [Fact]
    public void OptionalInputIsAccepted()
    {
        byte[] f = Tiny();
        PutI32(f, Operator(f, 0).Vector(S.Operator.Inputs, "inputs", 4).Start + 8, -1);
        Assert.Equal([0, 1, -1], TfliteModelReader.Read(f).Operators[0].Inputs);
    }

    [Fact]
    public void OptionalMarkerIsNotAValidOutput()
    {
        byte[] f = Tiny();
        PutI32(f, Operator(f, 0).Vector(S.Operator.Outputs, "outputs", 4).Start, -1);
        FailsWith(f, "subgraphs[0].operators[0].outputs[0]: tensor index -1 out of range");
    }

    [Fact]
    public void ConstantOutput() =>
        FailsWith(Tiny(b => b.AddOperator(BuiltinOperator.Add, [3, 3], [1])), "subgraphs[0].operators[2].outputs: output tensor 1 (w) is a constant");

    [Fact]
    public void SubgraphOutputOutOfRange() =>
        FailsWith(PatchSubgraphOutput(), "subgraphs[0].outputs[0]: tensor index 1000 out of range");

    private static byte[] PatchSubgraphOutput()
    {
        byte[] f = Tiny();
        PutI32(f, Subgraph(f).Vector(S.SubGraph.Outputs, "outputs", 4).Start, 1000);
        return f;
    }

    [Fact]
    public void WrongSchemaVersion()
    {
        byte[] f = Tiny();
        PutI32(f, Root(f).FieldPosition(S.Model.Version), 2);
        FailsWith(f, "version: schema version 2 is not supported (expected 3)");
    }

    [Fact]
    public void ForeignFileIdentifierIsRejectedButAMissingOneIsAccepted()
    {
        byte[] f = Tiny();
        "ABCD"u8.CopyTo(f.AsSpan(4));
        FailsWith(f, "file identifier \"ABCD\" is not \"TFL3\"");
        f.AsSpan(4, 4).Clear(); // as written by a builder without an identifier: those bytes are padding
        Assert.Equal(5, TfliteModelReader.Read(f).Tensors.Length);
    }

    [Fact]
    public void PerChannelCountMismatch() =>
        FailsWith(Tiny(weightScales: [0.1f, 0.2f]), "subgraphs[0].tensors[1].quantization.scale: 2 per-channel scales but dimension 0 has size 3");

    [Fact]
    public void QuantizedDimensionOutsideRank() =>
        FailsWith(Tiny(weightAxis: 4), "subgraphs[0].tensors[1].quantization.quantized_dimension: quantized_dimension 4 is outside rank 4");

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(1e-40f)] // subnormal
    public void BadScale(float scale) =>
        FailsWith(Tiny(weightScales: [0.1f, scale, 0.3f]), "subgraphs[0].tensors[1].quantization.scale[1]: scale", "of a Int8 tensor is not a finite, normal float > 0");

    [Fact]
    public void ZeroPointOutsideTheTypeRange() =>
        FailsWith(Tiny(b => b.AddTensor("q", TensorType.UInt8, [2], QuantizationInfo.PerTensor(1f, 300))),
            "subgraphs[0].tensors[5].quantization.zero_point[0]: zero point 300 is outside the UInt8 range [0, 255]");

    [Fact]
    public void ScalesWithoutZeroPoints()
    {
        byte[] f = Tiny();
        FbTable q = Tensor(f, 0).Table(S.Tensor.Quantization, "quantization")!.Value;
        PutI32(f, q.Vector(S.Quantization.ZeroPoint, "zero_point", 8).Start - 4, 0);
        FailsWith(f, "subgraphs[0].tensors[0].quantization: 0 zero points for 1 scales");
    }

    [Fact]
    public void UnknownPaddingAndActivation()
    {
        byte[] f = Tiny();
        FbTable options = Operator(f, 1).Table(S.Operator.BuiltinOptions, "builtin_options")!.Value;
        f[options.FieldPosition(S.ElementwiseOptions.Activation)] = 9;
        FailsWith(f, "subgraphs[0].operators[1].builtin_options.fused_activation_function: unknown fused activation 9");
    }

    [Fact]
    public void StringRunningPastTheEnd()
    {
        byte[] f = Tiny();
        int name = Tensor(f, 2).FieldPosition(S.Tensor.Name);
        int target = name + BinaryPrimitives.ReadInt32LittleEndian(f.AsSpan(name));
        PutI32(f, target, f.Length);
        FailsWith(f, "subgraphs[0].tensors[2].name: string of", "runs past end of file");
    }

    [Fact]
    public void ManyTablesSharingOneHugeStringExhaustTheWorkBudget()
    {
        // 2000 tensors all pointing at one tensor whose name is 200 kB: in bounds everywhere, but reading it
        // naively would decode 400 MB of names. The reader's work budget stops it early.
        var b = new ModelGraphBuilder();
        b.AddTensor(new string('n', 200_000), TensorType.Float32, [1]);
        for (int i = 1; i < 2000; i++) b.AddTensor("t", TensorType.Float32, [1]);
        byte[] f = b.ToBytes();
        FbVector tensors = Subgraph(f).Vector(S.SubGraph.Tensors, "tensors", 4);
        int target = tensors.Table(0).Position;
        for (int i = 1; i < tensors.Count; i++)
        {
            int at = tensors.Start + 4 * i;
            PutI32(f, at, target - at);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        FailsWith(f, "implausibly large");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16L * f.Length, "reader allocated far more than the file size");
    }
}
