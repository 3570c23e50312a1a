using System.Runtime.InteropServices;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Tests.Onnx;

/// <summary>Builds small ModelGraphs in code, the way the TFLite reader would hand them over.</summary>
internal sealed class TestGraph
{
    private readonly List<TensorInfo> _tensors = [];
    private readonly List<OperatorNode> _ops = [];

    public int Tensor(string name, TensorType type, int[] shape, QuantizationInfo? q = null, byte[]? data = null)
    {
        int index = _tensors.Count;
        _tensors.Add(new TensorInfo(index, name, type, shape, q, data ?? ReadOnlyMemory<byte>.Empty));
        return index;
    }

    public int U8(string name, int[] shape, float scale, int zp, byte[]? data = null) =>
        Tensor(name, TensorType.UInt8, shape, QuantizationInfo.PerTensor(scale, zp), data);

    public int I8(string name, int[] shape, float scale, int zp, sbyte[]? data = null) =>
        Tensor(name, TensorType.Int8, shape, QuantizationInfo.PerTensor(scale, zp), data is null ? null : MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public int F32(string name, int[] shape, float[]? data = null) =>
        Tensor(name, TensorType.Float32, shape, null, data is null ? null : MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public int I32Const(string name, int[] shape, int[] data, QuantizationInfo? q = null) =>
        Tensor(name, TensorType.Int32, shape, q, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public TensorInfo this[int index] => _tensors[index];

    public void Op(BuiltinOperator op, int[] inputs, int[] outputs, OperatorOptions? options = null) =>
        _ops.Add(new OperatorNode(_ops.Count, op, 1, null, inputs, outputs, options));

    public ModelGraph Build(int[] inputs, int[] outputs) =>
        new([.. _tensors], [.. _ops], inputs, outputs, "test graph", 3, ReadOnlyMemory<byte>.Empty);
}

/// <summary>Float reference math in NHWC, TFLite semantics.</summary>
internal static class Reference
{
    public static float[] Dequantize(ReadOnlySpan<byte> q, float scale, int zp)
    {
        var r = new float[q.Length];
        for (int i = 0; i < q.Length; i++) r[i] = scale * (q[i] - zp);
        return r;
    }

    public static float[] Dequantize(ReadOnlySpan<sbyte> q, float scale, int zp)
    {
        var r = new float[q.Length];
        for (int i = 0; i < q.Length; i++) r[i] = scale * (q[i] - zp);
        return r;
    }

    public static int Quantize(float v, float scale, int zp, int qmin, int qmax) =>
        Math.Clamp((int)MathF.Round(v / scale) + zp, qmin, qmax);

    /// <summary>Conv or depthwise conv, NHWC input [1,H,W,C]; filter given per output channel as w(o, ky, kx, ci).</summary>
    public static float[] Conv(float[] x, int h, int w, int c, Func<int, int, int, int, float> filter, float[] bias,
        int outC, int kh, int kw, int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int outH, int outW,
        bool depthwise, int multiplier = 1)
    {
        var y = new float[outH * outW * outC];
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
                for (int o = 0; o < outC; o++)
                {
                    double acc = bias[o];
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int iy = oy * strideH - padTop + ky * dilH, ix = ox * strideW - padLeft + kx * dilW;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            if (depthwise)
                            {
                                int ci = o / multiplier;
                                acc += x[(iy * w + ix) * c + ci] * filter(o, ky, kx, 0);
                            }
                            else
                            {
                                for (int ci = 0; ci < c; ci++) acc += x[(iy * w + ix) * c + ci] * filter(o, ky, kx, ci);
                            }
                        }
                    y[(oy * outW + ox) * outC + o] = (float)acc;
                }
        return y;
    }
}
