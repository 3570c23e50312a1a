using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Support;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Models;

/// <summary>
/// Bit-exactness against TensorFlow Lite itself: fed the exact input tensors TFLite was fed
/// (../shared/golden/raw), our tensors must equal TFLite's byte for byte.
/// </summary>
public class GoldenRawTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("deeplabv3_mnv2_pascal_quant", SharedData.CoralDm1, "2007_000033")]
    [InlineData("deeplabv3_mnv2_pascal_quant", SharedData.CoralDm1, "bird_segmentation")]
    [InlineData("deeplabv3_mnv2_dm05_pascal_quant", SharedData.CoralDm05, "2007_000033")]
    [InlineData("deeplabv3_mnv2_dm05_pascal_quant", SharedData.CoralDm05, "bird_segmentation")]
    public void CoralLogitsEnteringArgMaxEqualTflite(string goldenDir, string model, string sample)
    {
        ModelGraph graph = TfliteModelReader.Load(SharedData.Model(model));
        // Unfused, so the upsampled logits exist as a tensor (fused, RESIZE_BILINEAR+ARG_MAX never stores them).
        var interpreter = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = false });
        Feed(interpreter, goldenDir, sample);
        interpreter.Invoke();

        OperatorNode argMax = interpreter.Graph.Operators.Single(n => n.Op == BuiltinOperator.ArgMax);
        ReadOnlySpan<byte> logits = interpreter.TensorBytes(argMax.Inputs[0]);
        byte[] expected = File.ReadAllBytes(Raw(goldenDir, sample + ".logits.bin"));
        AssertBytesEqual(expected, logits, "uint8 logits (input of ARG_MAX)");

        byte[] expectedIds = File.ReadAllBytes(Raw(goldenDir, sample + ".output.bin"));
        AssertBytesEqual(expectedIds, interpreter.OutputBytes(), "int64 class ids");

        var fused = Interpreter.Create(graph, new InterpreterOptions { FuseOperators = true });
        Assert.Contains(fused.Operators, op => op.Node.DisplayName == "RESIZE_BILINEAR+ARG_MAX");
        Feed(fused, goldenDir, sample);
        fused.Invoke();
        AssertBytesEqual(expectedIds, fused.OutputBytes(), "int64 class ids, fused RESIZE_BILINEAR+ARG_MAX");
    }

    [Fact]
    public void HubInt8OutputEqualsTflite()
    {
        const string goldenDir = "lite-model_deeplabv3-mobilenetv2-int8_1_default_1";
        var interpreter = Interpreter.Create(TfliteModelReader.Load(SharedData.Model(SharedData.HubInt8)));
        Feed(interpreter, goldenDir, "2007_000033");
        interpreter.Invoke();
        byte[] expected = File.ReadAllBytes(Raw(goldenDir, "2007_000033.output.bin"));
        AssertBytesEqual(expected, interpreter.OutputBytes(), "float32 logits after DEQUANTIZE");
    }

    private static string Raw(string dir, string file) => SharedData.Path("golden", "raw", dir, file);

    private static void Feed(Interpreter interpreter, string goldenDir, string sample)
    {
        byte[] input = File.ReadAllBytes(Raw(goldenDir, sample + ".input.bin"));
        Assert.Equal(interpreter.InputBytes().Length, input.Length);
        input.CopyTo(interpreter.InputBytes());
    }

    private void AssertBytesEqual(byte[] expected, ReadOnlySpan<byte> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            if (first < 0) first = i;
            mismatches++;
        }
        output.WriteLine($"{what}: {mismatches} of {expected.Length} bytes differ");
        Assert.True(mismatches == 0, $"{what}: {mismatches} of {expected.Length} bytes differ, first at {first} (expected {(first >= 0 ? expected[first] : 0)}, got {(first >= 0 ? actual[first] : 0)})");
    }
}
