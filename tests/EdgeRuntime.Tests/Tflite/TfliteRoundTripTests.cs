using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Tflite;

public class TfliteRoundTripTests
{
    public static TheoryData<string> AllModels() => new(SharedData.RunnableModels.Append(SharedData.MediapipeSelfie));

    [Theory]
    [MemberData(nameof(AllModels))]
    public void ReadWriteReadKeepsTheGraphAndRewritingIsByteIdentical(string model)
    {
        ModelGraph original = TfliteModelReader.Load(SharedData.Model(model));
        byte[] written = TfliteModelWriter.Write(original);
        ModelGraph reread = TfliteModelReader.Read(written);
        GraphAssert.Equivalent(original, reread);

        Assert.Equal("TFL3"u8.ToArray(), written[4..8]);
        byte[] rewritten = TfliteModelWriter.Write(reread);
        Assert.True(written.AsSpan().SequenceEqual(rewritten), "write(read(write(x))) differs from write(x)");

        // Constant data sit 16-byte aligned in the file (Buffer.data has force_align: 16).
        foreach (TensorInfo t in reread.Tensors.Where(t => t.IsConstant))
        {
            Assert.True(MemoryMarshal.TryGetArray(t.ConstantData, out ArraySegment<byte> seg));
            Assert.Same(written, seg.Array);
            Assert.Equal(0, seg.Offset % 16);
        }
    }

    [Fact]
    public void WritingTheSameGraphTwiceGivesTheSameBytes()
    {
        ModelGraph g = TfliteModelReader.Load(SharedData.Model(SharedData.CoralDm05));
        Assert.Equal(TfliteModelWriter.Write(g), TfliteModelWriter.Write(g));
    }

    [Theory]
    [InlineData(SharedData.HubInt8Dm05)]
    [InlineData(SharedData.CoralDm05)]
    public void ExternalBufferLayoutRoundTrips(string model)
    {
        // The >2 GB layout: data after the FlatBuffer, found through Buffer.offset/size.
        ModelGraph original = TfliteModelReader.Load(SharedData.Model(model));
        byte[] written = TfliteModelWriter.Write(original, externalBuffers: true);
        ModelGraph reread = TfliteModelReader.Read(written);
        GraphAssert.Equivalent(original, reread);
        // And written back inline it is the same file as writing the original inline.
        Assert.Equal(TfliteModelWriter.Write(original), TfliteModelWriter.Write(reread));
    }

    [Fact]
    public void TinyModelBuiltInCodeLoadsBack()
    {
        var b = new ModelGraphBuilder { Description = "tiny" };
        var inQ = QuantizationInfo.PerTensor(0.5f, -3);
        int x = b.AddTensor("x", TensorType.Int8, [1, 4, 4, 2], inQ);
        var wScales = new[] { 0.01f, 0.02f, 0.03f };
        int w = b.AddConstant<sbyte>("w", TensorType.Int8, [3, 1, 1, 2], [1, -2, 3, -4, 5, -6], new QuantizationInfo(wScales, [0], 0));
        int bias = b.AddConstant<int>("b", TensorType.Int32, [3], [100, -200, 300], new QuantizationInfo([0.005f, 0.01f, 0.015f], [0, 0, 0], 0));
        int conv = b.AddTensor("conv", TensorType.Int8, [1, 4, 4, 3], QuantizationInfo.PerTensor(0.25f, 5));
        int pooled = b.AddTensor("pool", TensorType.Int8, [1, 2, 2, 3], QuantizationInfo.PerTensor(0.25f, 5));
        int shape = b.AddConstant<int>("shape", TensorType.Int32, [2], [1, 12]);
        int flat = b.AddTensor("flat", TensorType.Int8, [1, 12], QuantizationInfo.PerTensor(0.25f, 5));
        int probs = b.AddTensor("probs", TensorType.Int8, [1, 12], QuantizationInfo.PerTensor(1 / 256f, -128));
        int arg = b.AddTensor("arg", TensorType.Int64, [1]);
        var convOpts = new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.Relu6, 1, 1);
        b.AddOperator(BuiltinOperator.Conv2D, [x, w, bias], [conv], convOpts, version: 3);
        b.AddOperator(BuiltinOperator.MaxPool2D, [conv], [pooled], new Pool2DOptions(Padding.Valid, 2, 2, 2, 2, FusedActivation.None), version: 2);
        b.AddOperator(BuiltinOperator.Reshape, [pooled, shape], [flat], new ReshapeOptions([1, 12]));
        b.AddOperator(BuiltinOperator.Softmax, [flat], [probs], new SoftmaxOptions(1f), version: 2);
        b.AddOperator(BuiltinOperator.ArgMax, [probs, shape], [arg], new ArgMaxOptions(TensorType.Int64));
        b.AddOperator((BuiltinOperator)150, [probs], [flat]); // GELU: a code above 127, carried through
        b.SetInputs(x).SetOutputs(arg);

        ModelGraph g = b.Build();
        Assert.Equal("tiny", g.Description);
        Assert.Equal(6, g.Operators.Length);
        Assert.Equal(convOpts, g.Operators[0].Options);
        Assert.Equal(3, g.Operators[0].Version);
        Assert.Equal(new ReshapeOptions([1, 12]), g.Operators[2].Options);
        Assert.Equal((BuiltinOperator)150, g.Operators[5].Op);
        Assert.Equal("BUILTIN_150", g.Operators[5].DisplayName);
        TensorInfo wt = g.Tensors[w];
        Assert.Equal(wScales, wt.Quantization!.Scales);
        Assert.Equal([0L, 0L, 0L], wt.Quantization.ZeroPoints); // one zero point per channel in the file
        Assert.Equal(new sbyte[] { 1, -2, 3, -4, 5, -6 }, MemoryMarshal.Cast<byte, sbyte>(wt.ConstantData.Span).ToArray());
        Assert.Equal([100, -200, 300], MemoryMarshal.Cast<byte, int>(g.Tensors[bias].ConstantData.Span).ToArray());
        Assert.False(g.Tensors[conv].IsConstant);
        Assert.Equal(-3, g.Input().Quantization!.ZeroPoint);
        GraphAssert.Equivalent(g, TfliteModelReader.Read(TfliteModelWriter.Write(g)));
    }

    [Fact]
    public void OperatorCodesCarryBothCodeFieldsAndDefaultsAreApplied()
    {
        // An ADD without options reads as defaults; a builtin code > 127 keeps deprecated_builtin_code at 127.
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("x", TensorType.Float32, [2]);
        int y = b.AddTensor("y", TensorType.Float32, [2]);
        b.AddOperator(BuiltinOperator.Add, [x, x], [y]);
        b.AddOperator((BuiltinOperator)200, [y], [x]);
        b.SetInputs(x).SetOutputs(y);
        byte[] file = b.ToBytes();
        ModelGraph g = TfliteModelReader.Read(file);
        Assert.Equal(new ElementwiseOptions(FusedActivation.None), g.Operators[0].Options);

        var fb = new FlatBufferReader(file, long.MaxValue);
        FbVector codes = fb.Root("").Vector(TfliteSchema.Model.OperatorCodes, "operator_codes", 4);
        FbTable gelu = codes.Table(1);
        Assert.Equal(127, gelu.I8(TfliteSchema.OperatorCode.DeprecatedBuiltinCode, "d"));
        Assert.Equal(200, gelu.I32(TfliteSchema.OperatorCode.BuiltinCode, "b"));
        Assert.Equal((BuiltinOperator)200, g.Operators[1].Op);
    }

    [Fact]
    public void WriterRejectsOptionsThatDoNotFitTheOperator()
    {
        var b = new ModelGraphBuilder();
        int x = b.AddTensor("x", TensorType.Float32, [1, 2, 2, 1]);
        int y = b.AddTensor("y", TensorType.Float32, [1, 2, 2, 1]);
        b.AddOperator(BuiltinOperator.Conv2D, [x], [y], new Pool2DOptions(Padding.Same, 1, 1, 1, 1, FusedActivation.None));
        b.SetInputs(x).SetOutputs(y);
        var e = Assert.Throws<ArgumentException>(() => b.ToBytes());
        Assert.Contains("CONV_2D cannot carry Pool2DOptions", e.Message);
    }
}
