using EdgeRuntime.Graph;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>Structural equality of two graphs: everything a .tflite round trip must keep.</summary>
internal static class GraphAssert
{
    public static void Equivalent(ModelGraph expected, ModelGraph actual)
    {
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Inputs, actual.Inputs);
        Assert.Equal(expected.Outputs, actual.Outputs);
        Assert.Equal(expected.Tensors.Length, actual.Tensors.Length);
        for (int i = 0; i < expected.Tensors.Length; i++)
        {
            TensorInfo e = expected.Tensors[i], a = actual.Tensors[i];
            string where = $"tensor {e}";
            Assert.True(e.Index == a.Index && e.Name == a.Name && e.Type == a.Type && e.IsVariable == a.IsVariable, where);
            Assert.True(e.Shape.AsSpan().SequenceEqual(a.Shape), where);
            Assert.True(e.ConstantData.Span.SequenceEqual(a.ConstantData.Span), $"{where}: constant bytes differ");
            Assert.Equal(e.Quantization is null, a.Quantization is null);
            if (e.Quantization is { } eq && a.Quantization is { } aq)
            {
                Assert.True(eq.Scales.AsSpan().SequenceEqual(aq.Scales), $"{where}: scales");
                Assert.True(eq.ZeroPoints.AsSpan().SequenceEqual(aq.ZeroPoints), $"{where}: zero points");
                Assert.Equal(eq.Axis, aq.Axis);
            }
        }
        Assert.Equal(expected.Operators.Length, actual.Operators.Length);
        for (int i = 0; i < expected.Operators.Length; i++)
        {
            OperatorNode e = expected.Operators[i], a = actual.Operators[i];
            string where = e.ToString();
            Assert.True(e.Index == a.Index && e.Op == a.Op && e.Version == a.Version && e.CustomCode == a.CustomCode, where);
            Assert.True(e.Inputs.AsSpan().SequenceEqual(a.Inputs), $"{where}: inputs");
            Assert.True(e.Outputs.AsSpan().SequenceEqual(a.Outputs), $"{where}: outputs");
            Assert.Equal(e.Options, a.Options);
        }
    }
}
