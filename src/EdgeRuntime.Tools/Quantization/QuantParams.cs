using EdgeRuntime.Graph;

namespace EdgeRuntime.Quantization;

/// <summary>Per-tensor affine parameters of an int8/uint8 activation: real = Scale * (q - ZeroPoint).</summary>
internal readonly record struct QParams(float Scale, int ZeroPoint)
{
    public QuantizationInfo ToInfo() => QuantizationInfo.PerTensor(Scale, ZeroPoint);

    /// <summary>
    /// Asymmetric int8 parameters for [min, max] as TFLite chooses them: the range is first widened to include 0
    /// (so 0.0 is exact), scale = (max - min) / 255, zero point = round(-128 - min / scale) clamped to [-128, 127].
    /// </summary>
    public static QParams Asymmetric(float min, float max, int qmin = -128, int qmax = 127)
    {
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        if (!(max - min > 1e-8f)) max = min + 1e-8f; // constant-zero tensor: any tiny positive scale
        float scale = (max - min) / (qmax - qmin);
        double zp = qmin - min / (double)scale;
        int z = (int)Math.Clamp(Math.Round(zp, MidpointRounding.AwayFromZero), qmin, qmax);
        return new QParams(scale, z);
    }

    /// <summary>The range [min, max] clipped by a fused activation (ReLU outputs are never negative, ReLU6 never above 6).</summary>
    public static (float Min, float Max) ClipToActivation(float min, float max, FusedActivation act) => act switch
    {
        FusedActivation.Relu => (Math.Max(min, 0f), Math.Max(max, 0f)),
        FusedActivation.Relu6 => (Math.Clamp(min, 0f, 6f), Math.Clamp(max, 0f, 6f)),
        FusedActivation.ReluN1To1 => (Math.Clamp(min, -1f, 1f), Math.Clamp(max, -1f, 1f)),
        _ => (min, max),
    };
}

/// <summary>Quantization of constants: symmetric int8 weights (per channel or per tensor), int32 biases, int8 operands.</summary>
public static class ConstantQuantizer
{
    public static sbyte Round8(float v, float scale, int zeroPoint, int qmin, int qmax) =>
        (sbyte)Math.Clamp((int)MathF.Round(v / scale, MidpointRounding.AwayFromZero) + zeroPoint, qmin, qmax);

    /// <summary>
    /// Symmetric int8 weights in [-127, 127]: one scale per index of <paramref name="axis"/> (max |w| / 127) or, when
    /// <paramref name="perChannel"/> is false, one for the whole tensor. All-zero channels get scale 1/127.
    /// <paramref name="minScales"/> (optional, per channel) raises scales so that a bias fits in int32.
    /// </summary>
    public static (sbyte[] Values, float[] Scales) SymmetricWeights(ReadOnlySpan<float> w, int[] shape, int axis, bool perChannel, float[]? minScales = null)
    {
        int channels = shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        var maxAbs = new float[channels];
        for (int i = 0; i < w.Length; i++)
        {
            int c = i / inner % channels;
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(w[i]));
        }
        float[] scales;
        if (perChannel)
        {
            scales = new float[channels];
            for (int c = 0; c < channels; c++) scales[c] = maxAbs[c] > 0 ? maxAbs[c] / 127f : 1f / 127f;
            if (minScales is not null)
                for (int c = 0; c < channels; c++) scales[c] = Math.Max(scales[c], minScales[c]);
        }
        else
        {
            float m = maxAbs.Length == 0 ? 0 : maxAbs.Max();
            float s = m > 0 ? m / 127f : 1f / 127f;
            if (minScales is not null) s = Math.Max(s, minScales.Max());
            scales = [s];
        }
        var q = new sbyte[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            float s = perChannel ? scales[i / inner % channels] : scales[0];
            q[i] = Round8(w[i], s, 0, -127, 127);
        }
        return (q, scales);
    }

    /// <summary>The float values the int8 weights stand for.</summary>
    public static float[] Dequantize(ReadOnlySpan<sbyte> q, float[] scales, int[] shape, int axis)
    {
        int channels = shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        var r = new float[q.Length];
        for (int i = 0; i < q.Length; i++)
            r[i] = q[i] * (scales.Length == 1 ? scales[0] : scales[i / inner % channels]);
        return r;
    }

    /// <summary>int32 bias with scale input_scale * weight_scale[c] (zero point 0), rounded half away from zero, saturated.</summary>
    public static (int[] Values, float[] Scales) Bias(ReadOnlySpan<float> b, float inputScale, float[] weightScales)
    {
        var q = new int[b.Length];
        var scales = new float[b.Length];
        for (int c = 0; c < b.Length; c++)
        {
            float s = inputScale * (weightScales.Length == 1 ? weightScales[0] : weightScales[c]);
            scales[c] = s;
            double v = Math.Round(b[c] / (double)s, MidpointRounding.AwayFromZero);
            q[c] = (int)Math.Clamp(v, int.MinValue, int.MaxValue);
        }
        return (q, scales);
    }

    /// <summary>Smallest weight scale per channel for which bias / (input_scale * scale) stays well inside int32.</summary>
    public static float[] MinScalesForBias(ReadOnlySpan<float> b, float inputScale)
    {
        var m = new float[b.Length];
        for (int c = 0; c < b.Length; c++) m[c] = (float)(Math.Abs(b[c]) / (inputScale * (double)(1 << 30)));
        return m;
    }
}
