namespace EdgeRuntime.Quantization;

/// <summary>
/// TensorRT's entropy calibration on a magnitude histogram: for each candidate threshold i (in bins), P is the
/// histogram up to i with the clipped tail added to its last bin, Q the same bins merged into
/// <c>levels</c> quantization levels and spread back evenly over the non-empty bins; the threshold with the
/// smallest KL(P || Q) wins.
/// </summary>
public static class EntropyCalibration
{
    public static double Threshold(MagnitudeHistogram h, int levels, int stride = 1)
    {
        if (h.Total == 0 || h.Range == 0) return 0;
        // KL on a sparse histogram (few values per bin) mistakes sampling noise for structure and clips far too
        // much: merge bins until they hold on average at least 16 values (never below 2 * levels bins).
        long[] hist = h.Counts;
        int factor = 1;
        while (hist.Length / (factor * 2) >= 2 * levels && h.Total < 16L * hist.Length / factor) factor *= 2;
        if (factor > 1)
        {
            var coarse = new long[hist.Length / factor];
            for (int i = 0; i < hist.Length; i++) coarse[i / factor] += hist[i];
            hist = coarse;
        }
        double binWidth = h.Range / hist.Length;
        int bins = hist.Length;
        int last = bins - 1;
        while (last > 0 && hist[last] == 0) last--;
        int used = last + 1;
        if (used <= levels) return used * binWidth;

        var p = new double[used];
        var q = new double[used];
        double bestKl = double.PositiveInfinity;
        int best = used;
        long[] suffix = new long[bins + 1];
        for (int i = bins - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + hist[i];

        for (int i = levels; i <= used; i += stride)
        {
            double pSum = 0;
            for (int j = 0; j < i; j++) { p[j] = hist[j]; pSum += p[j]; }
            p[i - 1] += suffix[i];
            pSum += suffix[i];

            double merged = (double)i / levels;
            double qSum = 0;
            for (int k = 0; k < levels; k++)
            {
                int start = (int)(k * merged);
                int end = k == levels - 1 ? i : (int)((k + 1) * merged);
                double total = 0;
                int nonZero = 0;
                for (int j = start; j < end; j++)
                {
                    total += hist[j];
                    if (hist[j] != 0) nonZero++;
                }
                double v = nonZero > 0 ? total / nonZero : 0;
                for (int j = start; j < end; j++)
                {
                    q[j] = hist[j] != 0 ? v : 0;
                    qSum += q[j];
                }
            }
            if (qSum == 0) continue;
            double kl = 0;
            for (int j = 0; j < i; j++)
            {
                if (p[j] == 0) continue;
                double pj = p[j] / pSum;
                double qj = q[j] / qSum;
                // The clipped tail lands in a bin Q may hold nothing for: smooth instead of an infinite divergence.
                if (qj == 0) qj = 1e-12;
                kl += pj * Math.Log(pj / qj);
            }
            if (kl < bestKl)
            {
                bestKl = kl;
                best = i;
            }
        }
        return best * binWidth;
    }
}
