using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Graph;
using EdgeRuntime.Imaging;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Api;

/// <summary>
/// The public facade (what the NuGet package offers) must describe and run a model exactly as the internal
/// interpreter does, and refuse bad input with the documented exceptions.
/// </summary>
public class PublicFacadeTests
{
    private static string Model => SharedData.Model(SharedData.CoralDm05);
    private static string VocImage => SharedData.Path("data", "voc2012_val", "JPEGImages", "2007_000033.jpg");

    [Fact]
    public void DescribesInputsAndOutputsAsTheModelFileDoes()
    {
        ModelGraph graph = TfliteModelReader.Load(Model);
        using var model = EdgeModel.Load(Model);

        Assert.Equal(graph.Inputs.Length, model.Inputs.Count);
        Assert.Equal(graph.Outputs.Length, model.Outputs.Count);
        TensorInfo input = graph.Input();
        TensorDescription described = model.Inputs[0];
        Assert.Equal(input.Name, described.Name);
        Assert.Equal(input.Shape, described.Shape);
        Assert.Equal(input.Type, described.DataType);
        Assert.Equal(input.ByteSize, described.ByteSize);
        Assert.NotNull(described.Quantization);
        Assert.Equal(input.Quantization!.Scale, described.Quantization!.Scale);
        Assert.Equal(input.Quantization.ZeroPoint, described.Quantization.ZeroPoint);
        Assert.Equal(graph.Output().Shape, model.Outputs[0].Shape);
        Assert.True(model.ArenaBytes > 0);
    }

    [Fact]
    public void InvokeGivesTheInterpretersOutputByteForByte()
    {
        byte[] file = File.ReadAllBytes(Model);
        using var model = EdgeModel.Load(file);
        using var interpreter = Interpreter.Create(TfliteModelReader.Read(file));
        new Random(12).NextBytes(model.InputBytes());
        model.InputBytes().CopyTo(interpreter.InputBytes());

        model.Invoke();
        interpreter.Invoke();

        Assert.Equal(interpreter.OutputBytes().ToArray(), model.OutputBytes().ToArray());
        Assert.Equal(KernelVariantMapping.FromIsa(interpreter.Isa), model.Kernels);
    }

    [Fact]
    public void SegmenterMatchesTheInternalSegmenterAndNamesVocClasses()
    {
        var frame = new RgbImage();
        ImageDecoder.DecodeFile(VocImage, frame);
        using var internalSegmenter = DeepLabSegmenter.Load(Model);
        var expected = new byte[frame.Width * frame.Height];
        internalSegmenter.Segment(frame, expected);

        using var segmenter = ImageSegmenter.Load(Model, new ModelOptions { Threads = 2 });
        byte[] actual = segmenter.Segment(frame.Pixels.ToArray(), frame.Width, frame.Height);

        Assert.Equal(expected, actual);
        Assert.Equal(internalSegmenter.ClassCount, segmenter.ClassCount);
        var labels = LabelMap.Load(SharedData.Model("coral/pascal_voc_segmentation_labels.txt"), segmenter.ClassCount);
        Assert.Equal(labels.Names, segmenter.Labels);
        Assert.Equal(segmenter.Input.Shape[1], internalSegmenter.Model.Input.Height);
    }

    [Fact]
    public void SetLabelsTakesTheFirstClassCountLines()
    {
        using var segmenter = ImageSegmenter.Load(Model);
        string text = string.Join('\n', Enumerable.Range(0, segmenter.ClassCount).Select(i => $"c{i}")) + "\n\nprose, not a label";
        segmenter.SetLabels(text);
        Assert.Equal($"c{segmenter.ClassCount - 1}", segmenter.Labels[^1]);
        Assert.Throws<InvalidDataException>(() => segmenter.SetLabels("only\ntwo"));
    }

    [Fact]
    public void RefusesBadInputWithTheDocumentedExceptions()
    {
        string readme = Path.Combine(SharedData.Root, "data", "voc2012_val", "README.md");
        Assert.Throws<ModelFormatException>(() => EdgeModel.Load(readme));
        Assert.Throws<ModelFormatException>(() => EdgeModel.Load(Model, new ModelOptions { MemoryBudgetBytes = 1 << 20 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EdgeModel.Load(Model, new ModelOptions { Threads = 0 }));
        KernelVariant foreign = Avx2.IsSupported || !System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? KernelVariant.AdvSimd : KernelVariant.Avx2;
        Assert.Throws<PlatformNotSupportedException>(() => EdgeModel.Load(Model, new ModelOptions { Kernels = foreign }));

        using var model = EdgeModel.Load(Model);
        Assert.Throws<ArgumentException>(() => model.Input<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => model.OutputBytes(model.Outputs.Count));
        using var segmenter = ImageSegmenter.Load(Model);
        Assert.Throws<ArgumentException>(() => segmenter.Segment(new byte[10], 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => segmenter.Segment(new byte[10], 0, 4));
    }
}
