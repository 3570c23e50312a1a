using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Graph;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Models;

/// <summary>Every model in ../shared/models loads, plans into one tight arena and runs.</summary>
public class AllModelsTests(ITestOutputHelper output)
{
    public static TheoryData<string> Runnable() => new(SharedData.RunnableModels);

    [Theory]
    [MemberData(nameof(Runnable))]
    public void LoadsPlansAndRuns(string model)
    {
        using var segmenter = DeepLabSegmenter.Load(SharedData.Model(model));
        var layout = segmenter.Interpreter.Layout;
        output.WriteLine($"{model}: arena {layout.ArenaBytes:N0}, naive {layout.NaiveBytes:N0}, lower bound {layout.LowerBoundBytes:N0}, ratio {layout.RatioToLowerBound:F3}");
        Assert.True(layout.ArenaBytes <= layout.LowerBoundBytes * 1.05, $"arena {layout.ArenaBytes} exceeds 1.05 x lower bound {layout.LowerBoundBytes}");
        Assert.True(layout.ArenaBytes < layout.NaiveBytes);

        // A real photo (a bird on a railing) must come out as more than one class: not all zeros.
        var image = new RgbImage();
        ImageDecoder.DecodeFile(SharedData.Path("data", "coral_test_data", "bird_segmentation.bmp"), image);
        var classMap = new byte[image.Width * image.Height];
        segmenter.Segment(image, classMap);
        int classes = classMap.Distinct().Count();
        output.WriteLine($"{model}: {classes} classes in the bird photo");
        Assert.True(classes >= 2, $"{model} predicted a single class for the whole photo");
    }

    [Theory]
    [InlineData(SharedData.CoralDm05)]
    [InlineData(SharedData.HubInt8Dm05)]
    public void InvokeAllocatesNothingAfterWarmUp(string model)
    {
        var interpreter = Interpreter.Create(TfliteModelReader.Load(SharedData.Model(model)));
        FillDeterministic(interpreter);
        interpreter.Invoke(); // warm-up: JIT, tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        interpreter.Invoke();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void MediapipeFailsWithTheUnsupportedOpNamed()
    {
        var graph = TfliteModelReader.Load(SharedData.Model(SharedData.MediapipeSelfie));
        var e = Assert.Throws<UnsupportedOperatorException>(() => Interpreter.Create(graph));
        output.WriteLine(e.Message);
        Assert.Matches(@"node \d+", e.Message);
        Assert.Contains("version", e.Message);
    }

    internal static void FillDeterministic(Interpreter interpreter)
    {
        Span<byte> input = interpreter.InputBytes();
        var rng = new Random(7);
        if (interpreter.Graph.Input().Type == TensorType.Float32)
        {
            Span<float> f = interpreter.Input<float>();
            for (int i = 0; i < f.Length; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        else
        {
            rng.NextBytes(input);
        }
    }
}
