using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Tests.Quantization;

public class QuantizerTests
{
    private static QuantizationResult Quantize(ModelGraph g, QuantizationOptions? o = null, int samples = 16) =>
        PostTrainingQuantizer.Quantize(g, new ArrayCalibrationSource(TinyModels.Samples(samples, (int)g.Input().ElementCount, 7)), o ?? new QuantizationOptions());

    /// <summary>RMS error of the int8 model's float output relative to the float model's RMS, over held-out inputs.</summary>
    private static (double RelRms, double ArgMaxAgreement) Compare(ModelGraph f, ModelGraph q, int classes)
    {
        double err = 0, sig = 0;
        long agree = 0, total = 0;
        foreach (float[] x in TinyModels.Samples(4, (int)f.Input().ElementCount, 99))
        {
            float[] a = TinyModels.RunFloat(f, x), b = TinyModels.RunFloat(q, x);
            for (int i = 0; i < a.Length; i++)
            {
                err += (a[i] - b[i]) * (double)(a[i] - b[i]);
                sig += a[i] * (double)a[i];
            }
            for (int p = 0; p < a.Length; p += classes)
            {
                total++;
                if (ArgMax(a, p, classes) == ArgMax(b, p, classes)) agree++;
            }
        }
        return (Math.Sqrt(err / sig), (double)agree / total);
    }

    private static int ArgMax(float[] v, int start, int n)
    {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[start + i] > v[start + best]) best = i;
        return best;
    }

    [Theory]
    [InlineData(CalibrationMethod.MinMax, false)]
    [InlineData(CalibrationMethod.Ema, false)]
    [InlineData(CalibrationMethod.Percentile, false)]
    [InlineData(CalibrationMethod.Kl, false)]
    [InlineData(CalibrationMethod.MinMax, true)]
    public void TinyModelInt8OutputsStayCloseToFloat(CalibrationMethod method, bool perTensor)
    {
        ModelGraph f = TinyModels.Mixed();
        QuantizationResult r = Quantize(f, new QuantizationOptions { Calibration = method, PerTensorWeights = perTensor });
        var (rel, agree) = Compare(f, r.QuantizedModel, 5);
        Assert.True(rel < 0.06, $"relative RMS error {rel:F4}");
        Assert.True(agree > 0.9, $"argmax agreement {agree:P1}");
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void OutputFileFollowsTheInt8Spec()
    {
        ModelGraph q = Quantize(TinyModels.Mixed()).QuantizedModel;
        Assert.Equal(TensorType.Float32, q.Input().Type);
        Assert.Equal(TensorType.Float32, q.Output().Type);
        Assert.Equal(BuiltinOperator.Quantize, q.Operators[0].Op);
        Assert.Equal(BuiltinOperator.Dequantize, q.Operators[^1].Op);
        foreach (OperatorNode op in q.Operators)
        {
            TensorInfo Tensor(int i) => q.Tensors[op.Inputs[i]];
            TensorInfo output = q.Tensors[op.Outputs[0]];
            if (op.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D)
            {
                Assert.Equal(3, op.Version);
                TensorInfo input = Tensor(0), filter = Tensor(1), bias = Tensor(2);
                Assert.Equal(TensorType.Int8, input.Type);
                Assert.Equal(TensorType.Int8, filter.Type);
                Assert.Equal(TensorType.Int32, bias.Type);
                int axis = op.Op == BuiltinOperator.Conv2D ? 0 : 3;
                QuantizationInfo fq = filter.Quantization!;
                Assert.Equal(axis, fq.Axis);
                Assert.Equal(filter.Shape[axis], fq.Scales.Length);
                Assert.All(fq.ZeroPoints, z => Assert.Equal(0, z));
                Assert.All(filter.ConstantData.ToArray(), v => Assert.InRange((sbyte)v, -127, 127));
                QuantizationInfo bq = bias.Quantization!;
                for (int c = 0; c < fq.Scales.Length; c++)
                    Assert.Equal(input.Quantization!.Scale * fq.Scales[c], bq.Scales[c], 1e-6f * bq.Scales[c]);
                Assert.All(bq.ZeroPoints, z => Assert.Equal(0, z));
            }
            if (op.Op is BuiltinOperator.Concatenation or BuiltinOperator.AveragePool2D or BuiltinOperator.ResizeBilinear)
            {
                Assert.Equal(2, op.Version);
                foreach (int t in op.Inputs.Where(t => !q.Tensors[t].IsConstant))
                {
                    Assert.Equal(output.Quantization!.Scale, q.Tensors[t].Quantization!.Scale);
                    Assert.Equal(output.Quantization.ZeroPoint, q.Tensors[t].Quantization!.ZeroPoint);
                }
            }
            if (output.Type == TensorType.Int8)
            {
                QuantizationInfo oq = output.Quantization!;
                Assert.False(oq.IsPerChannel);
                Assert.InRange(oq.ZeroPoint, -128, 127);
                Assert.True(oq.Scale > 0);
            }
        }
        // Operators after a fused ReLU6 never need codes above 6.0 nor below 0.0.
        TensorInfo conv1 = q.Tensors[q.Operators[1].Outputs[0]];
        Assert.True(conv1.Quantization!.Scale * (127 - conv1.Quantization.ZeroPoint) <= 6.0001f);
        Assert.Equal(-128, conv1.Quantization.ZeroPoint);
    }

    [Fact]
    public void SameInputsGiveByteIdenticalFiles()
    {
        byte[] a = Quantize(TinyModels.Mixed(), new QuantizationOptions { Calibration = CalibrationMethod.Kl }).Bytes;
        byte[] b = Quantize(TinyModels.Mixed(), new QuantizationOptions { Calibration = CalibrationMethod.Kl }).Bytes;
        Assert.Equal(a, b);
    }

    [Fact]
    public void QuantizedFileRoundTripsThroughReaderAndWriter()
    {
        byte[] bytes = Quantize(TinyModels.Mixed()).Bytes;
        Assert.Equal(bytes, TfliteModelWriter.Write(TfliteModelReader.Read(bytes)));
    }

    [Fact]
    public void QuantizedModelExportsToOnnx()
    {
        byte[] onnx = EdgeRuntime.Onnx.OnnxExporter.Export(Quantize(TinyModels.Mixed()).QuantizedModel);
        Assert.True(onnx.Length > 1000);
    }

    [Theory]
    [InlineData(IoType.UInt8, TensorType.UInt8, 128)]
    [InlineData(IoType.Int8, TensorType.Int8, 0)]
    public void QuantizedInputMapsPixelsToCodes(IoType io, TensorType type, int zeroPoint)
    {
        ModelGraph f = TinyModels.Mixed();
        QuantizationResult r = Quantize(f, new QuantizationOptions { InputType = io, OutputType = IoType.Int8 });
        TensorInfo input = r.QuantizedModel.Input();
        Assert.Equal(type, input.Type);
        Assert.Equal(1 / 127.5f, input.Quantization!.Scale, 1e-7f);
        Assert.Equal(zeroPoint, input.Quantization.ZeroPoint);
        Assert.Equal(TensorType.Int8, r.QuantizedModel.Output().Type);

        // Feed the quantized image, dequantize the int8 logits: still close to float.
        float[] x = TinyModels.Samples(1, (int)f.Input().ElementCount, 5)[0];
        var it = Interpreter.Create(r.QuantizedModel);
        ErrorReport.QuantizeInput(x, input, it.InputBytes());
        it.Invoke();
        QuantizationInfo oq = r.QuantizedModel.Output().Quantization!;
        float[] got = it.Output<sbyte>().ToArray().Select(v => oq.Scale * (v - oq.ZeroPoint)).ToArray();
        float[] want = TinyModels.RunFloat(f, x);
        double err = got.Zip(want, (a, b) => (a - b) * (double)(a - b)).Sum(), sig = want.Sum(v => v * (double)v);
        Assert.True(Math.Sqrt(err / sig) < 0.08, $"relative RMS {Math.Sqrt(err / sig):F4}");
    }

    [Fact]
    public void KeepFloatLeavesTheOperatorInFloatWithConversions()
    {
        ModelGraph f = TinyModels.Mixed();
        int pool = Array.FindIndex(f.Operators, o => o.Op == BuiltinOperator.AveragePool2D);
        QuantizationResult r = Quantize(f, new QuantizationOptions { KeepFloat = new HashSet<int> { pool } });
        ModelGraph q = r.QuantizedModel;
        OperatorNode p = q.Operators.Single(o => o.Op == BuiltinOperator.AveragePool2D);
        Assert.Equal(TensorType.Float32, q.Tensors[p.Inputs[0]].Type);
        Assert.Contains(q.Operators, o => o.Op == BuiltinOperator.Dequantize && o.Outputs[0] == p.Inputs[0]);
        Assert.Contains(q.Operators, o => o.Op == BuiltinOperator.Quantize && o.Inputs[0] == p.Outputs[0]);
        Assert.Contains(r.Warnings, w => w.Contains("kept in float32"));
        Assert.True(Compare(f, q, 5).RelRms < 0.06);
    }

    [Fact]
    public void BiasCorrectionKeepsTheModelAccurate()
    {
        ModelGraph f = TinyModels.Mixed();
        QuantizationResult r = Quantize(f, new QuantizationOptions { BiasCorrection = true, PerTensorWeights = true });
        Assert.True(Compare(f, r.QuantizedModel, 5).RelRms < 0.06);
    }

    [Fact]
    public void ReportListsEveryInt8ActivationWorstFirst()
    {
        ModelGraph f = TinyModels.Mixed();
        var source = new ArrayCalibrationSource(TinyModels.Samples(3, (int)f.Input().ElementCount, 3));
        QuantizationResult r = PostTrainingQuantizer.Quantize(f, source, new QuantizationOptions());
        List<LayerError> rows = ErrorReport.Measure(r, source, 2);
        Assert.Equal(r.QuantizedActivations.Count, rows.Count);
        Assert.Contains(rows, e => e.Tensor == "logits");
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.SqnrDb <= p.Second.SqnrDb));
        Assert.All(rows, e => Assert.True(e.SqnrDb > 15, $"{e.Tensor}: {e.SqnrDb:F1} dB"));
    }
}
