namespace EdgeRuntime.Quantization;

/// <summary>
/// Empirical bias correction (Nagel et al. 2019, "data-free quantization", empirical variant): weight rounding
/// shifts each output channel's mean by (W - W_q) . E[x]. E[x] is the per-channel mean of the convolution's float
/// input over the calibration images, so adding the shift to the bias restores the float model's mean output
/// (exact for 1x1 convolutions; padding at borders is ignored).
/// </summary>
public static class BiasCorrection
{
    /// <param name="w">Float filter: CONV_2D [O, H, W, I], DEPTHWISE_CONV_2D [1, H, W, C*M].</param>
    /// <param name="wq">The dequantized int8 filter, same layout.</param>
    public static float[] OutputShift(float[] w, float[] wq, int[] shape, bool depthwise, TensorStatistics input)
    {
        int inC = input.Channels;
        if (depthwise)
        {
            int outC = shape[3];
            int multiplier = Math.Max(1, outC / inC);
            var shift = new double[outC];
            for (int i = 0; i < w.Length; i++)
            {
                int oc = i % outC;
                shift[oc] += (w[i] - wq[i]) * input.ChannelMean(oc / multiplier);
            }
            return shift.Select(s => (float)s).ToArray();
        }
        else
        {
            int outC = shape[0], per = w.Length / outC;
            var shift = new double[outC];
            for (int i = 0; i < w.Length; i++)
                shift[i / per] += (w[i] - wq[i]) * input.ChannelMean(i % inC);
            return shift.Select(s => (float)s).ToArray();
        }
    }
}
