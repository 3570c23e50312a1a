using EdgeRuntime.Graph;
using EdgeRuntime.Quantization;

namespace EdgeRuntime.Tests.Quantization;

public class FoldingAndCalibrationTests
{
    [Fact]
    public void BatchNormFoldsThroughBatchToSpaceWithSameNumerics()
    {
        ModelGraph f = TinyModels.BatchNormChain();
        ModelGraph folded = PostTrainingQuantizer.PrepareFloat(f);
        Assert.DoesNotContain(folded.Operators, o => o.Op is BuiltinOperator.Mul or BuiltinOperator.Add);
        var dw = folded.Operators.Single(o => o.Op == BuiltinOperator.DepthwiseConv2D);
        Assert.Equal(FusedActivation.Relu6, ((DepthwiseConv2DOptions)dw.Options!).Activation);
        foreach (float[] x in TinyModels.Samples(3, 256, 4))
        {
            float[] a = TinyModels.RunFloat(f, x), b = TinyModels.RunFloat(folded, x);
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-4f);
        }
        ModelGraph kept = PostTrainingQuantizer.PrepareFloat(f, foldBatchNorm: false);
        Assert.Contains(kept.Operators, o => o.Op == BuiltinOperator.Mul);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormChainQuantizesWithAndWithoutFolding(bool fold)
    {
        ModelGraph f = TinyModels.BatchNormChain();
        var src = new ArrayCalibrationSource(TinyModels.Samples(8, 256, 1));
        QuantizationResult r = PostTrainingQuantizer.Quantize(f, src, new QuantizationOptions { FoldBatchNorm = fold });
        Assert.Equal(fold, !r.QuantizedModel.Operators.Any(o => o.Op == BuiltinOperator.Mul));
        Assert.Contains(r.QuantizedModel.Operators, o => o.Op == BuiltinOperator.SpaceToBatchND && o.Version == 2);
        float[] x = TinyModels.Samples(1, 256, 77)[0];
        float[] a = TinyModels.RunFloat(f, x), b = TinyModels.RunFloat(r.QuantizedModel, x);
        double err = a.Zip(b, (p, q) => (p - q) * (double)(p - q)).Sum(), sig = a.Sum(v => v * (double)v);
        Assert.True(Math.Sqrt(err / sig) < 0.06, $"relative RMS {Math.Sqrt(err / sig):F4}");
    }

    [Fact]
    public void DynamicRangeWeightsAreDequantizedBeforeCalibration()
    {
        var b = new EdgeRuntime.Tflite.ModelGraphBuilder();
        int x = b.AddTensor("x", TensorType.Float32, [1, 2, 2, 2]);
        int wq = b.AddConstant<sbyte>("wq", TensorType.Int8, [2, 1, 1, 2], [10, -20, 30, 127], new QuantizationInfo([0.01f, 0.02f], [0, 0], 0));
        int w = b.AddTensor("w", TensorType.Float32, [2, 1, 1, 2]);
        b.AddOperator(BuiltinOperator.Dequantize, [wq], [w], version: 2);
        int y = b.AddTensor("y", TensorType.Float32, [1, 2, 2, 2]);
        b.AddOperator(BuiltinOperator.Conv2D, [x, w], [y], new Conv2DOptions(Padding.Same, 1, 1, FusedActivation.None, 1, 1));
        b.SetInputs(x).SetOutputs(y);
        ModelGraph prepared = PostTrainingQuantizer.PrepareFloat(b.Build());
        Assert.Single(prepared.Operators);
        float[] got = TinyModels.RunFloat(prepared, [1, 0, 0, 1, 1, 1, 0, 0]);
        Assert.Equal([0.1f, 0.6f, -0.2f, 2.54f, -0.1f, 3.14f, 0f, 0f], got, (p, q) => Math.Abs(p - q) < 1e-5f);
    }

    [Fact]
    public void HistogramDoublingKeepsCountsAndRanges()
    {
        var s = new TensorStatistics(channels: 1, bins: 64);
        s.Add([0f, 0.5f, 1f, -0.25f], 0.9f);
        s.Add([3f, -5f], 0.9f);
        Assert.Equal(-5f, s.Min);
        Assert.Equal(3f, s.Max);
        Assert.Equal(4, s.Positive.Total);
        Assert.Equal(2, s.Negative.Total);
        Assert.Equal(4, s.Positive.Counts.Sum());
        Assert.True(s.Positive.Range >= 3 && s.Negative.Range >= 5);
        Assert.Equal(0.9f * 1f + 0.1f * 3f, s.EmaMax, 1e-6f);
        Assert.Equal(0.9f * -0.25f + 0.1f * -5f, s.EmaMin, 1e-6f);
        Assert.Equal((0 + 0.5 + 1 - 0.25 + 3 - 5) / 6, s.ChannelMean(0), 1e-9);
    }

    [Fact]
    public void PercentileAndKlClipOutliersButMinMaxDoesNot()
    {
        var rng = new Random(3);
        var s = new TensorStatistics(1);
        for (int img = 0; img < 4; img++)
        {
            var v = new float[20000];
            for (int i = 0; i < v.Length; i++)
            {
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                v[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
            v[0] = 40f; // a single outlier
            s.Add(v, 0.9f);
        }
        Assert.Equal(40f, RangeSelection.Select(s, CalibrationMethod.MinMax).Max);
        float p = RangeSelection.Select(s, CalibrationMethod.Percentile, 99.9).Max;
        float kl = RangeSelection.Select(s, CalibrationMethod.Kl).Max;
        Assert.InRange(p, 2.5f, 5f);
        Assert.InRange(kl, 2f, 20f);
        var (lo, hi) = RangeSelection.Select(s, CalibrationMethod.Kl);
        Assert.True(lo < 0 && lo >= s.Min && hi <= s.Max);
    }

    [Fact]
    public void AsymmetricParamsIncludeZeroExactly()
    {
        QParams p = QParams.Asymmetric(0.5f, 6f);
        Assert.Equal(6f / 255f, p.Scale, 1e-7f);
        Assert.Equal(-128, p.ZeroPoint);
        QParams q = QParams.Asymmetric(-1f, 1f);
        Assert.Equal(2f / 255f, q.Scale, 1e-7f);
        Assert.InRange(q.ZeroPoint, -1, 0);
        QParams z = QParams.Asymmetric(0f, 0f);
        Assert.True(z.Scale > 0);
    }

    [Fact]
    public void SymmetricWeightsUseTheRightAxis()
    {
        // Depthwise [1, 1, 2, 3]: channel = last axis.
        float[] w = [1f, -2f, 0f, -0.5f, 1f, 0f];
        var (q, scales) = ConstantQuantizer.SymmetricWeights(w, [1, 1, 2, 3], axis: 3, perChannel: true);
        Assert.Equal([1f / 127, 2f / 127, 1f / 127], scales);
        Assert.Equal(new sbyte[] { 127, -127, 0, -64, 64, 0 }, q);
    }
}
