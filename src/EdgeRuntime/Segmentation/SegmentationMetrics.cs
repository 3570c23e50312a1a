namespace EdgeRuntime.Segmentation;

/// <summary>
/// Confusion matrix accumulated over many images (rows = ground truth, columns = prediction). Ground-truth pixels equal
/// to the ignore label (255 for PASCAL VOC) are skipped. Metrics follow DeepLab / tf.metrics.mean_iou: one matrix over
/// the whole set, IoU = TP / (TP + FP + FN), mIoU = mean over classes with a non-zero union.
/// </summary>
internal sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(int classCount, int ignoreLabel = 255)
    {
        if (classCount is <= 0 or > 256) throw new ArgumentOutOfRangeException(nameof(classCount), "class count must be 1..256");
        ClassCount = classCount;
        IgnoreLabel = ignoreLabel;
        _counts = new long[classCount * classCount];
    }

    public int ClassCount { get; }
    public int IgnoreLabel { get; }

    /// <summary>Pixels counted (ignored ones excluded).</summary>
    public long Total { get; private set; }

    /// <summary>Pixels of ground-truth class <paramref name="truth"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int truth, int predicted] => _counts[truth * ClassCount + predicted];

    /// <summary>Adds one image. Throws if a counted pixel's class is out of range.</summary>
    public void Add(ReadOnlySpan<byte> prediction, ReadOnlySpan<byte> groundTruth)
    {
        if (prediction.Length != groundTruth.Length)
            throw new ArgumentException($"prediction has {prediction.Length} pixels, ground truth {groundTruth.Length}");
        int n = ClassCount;
        long added = 0;
        for (int i = 0; i < groundTruth.Length; i++)
        {
            int gt = groundTruth[i];
            if (gt == IgnoreLabel) continue;
            int pr = prediction[i];
            if (gt >= n) throw new ArgumentOutOfRangeException(nameof(groundTruth), $"ground-truth class {gt} at pixel {i} is not below {n} and not the ignore label");
            if (pr >= n) throw new ArgumentOutOfRangeException(nameof(prediction), $"predicted class {pr} at pixel {i} is not below {n}");
            _counts[gt * n + pr]++;
            added++;
        }
        Total += added;
    }

    /// <summary>Adds another matrix of the same class count (e.g. from another thread).</summary>
    public void Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.ClassCount != ClassCount) throw new ArgumentException("class counts differ", nameof(other));
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Total += other.Total;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Total = 0;
    }

    /// <summary>IoU of one class, or NaN when the class appears in neither ground truth nor prediction.</summary>
    public double IoU(int classId)
    {
        int n = ClassCount;
        long tp = _counts[classId * n + classId], rowSum = 0, colSum = 0;
        for (int j = 0; j < n; j++)
        {
            rowSum += _counts[classId * n + j];
            colSum += _counts[j * n + classId];
        }
        long union = rowSum + colSum - tp;
        return union == 0 ? double.NaN : (double)tp / union;
    }

    public SegmentationMetrics Compute()
    {
        var iou = new double[ClassCount];
        double sum = 0;
        int present = 0;
        long correct = 0;
        for (int c = 0; c < ClassCount; c++)
        {
            iou[c] = IoU(c);
            if (!double.IsNaN(iou[c])) { sum += iou[c]; present++; }
            correct += _counts[c * ClassCount + c];
        }
        return new SegmentationMetrics(
            present == 0 ? double.NaN : sum / present,
            Total == 0 ? double.NaN : (double)correct / Total,
            iou,
            Total);
    }
}

/// <summary>Summary of a <see cref="ConfusionMatrix"/>. PerClassIoU holds NaN for classes absent from both sides.</summary>
internal sealed record SegmentationMetrics(double MeanIoU, double PixelAccuracy, IReadOnlyList<double> PerClassIoU, long Pixels);

/// <summary>Agreement between two class maps of the same size.</summary>
internal static class PixelAgreement
{
    /// <summary>Number of positions where the maps are equal.</summary>
    public static long CountEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"maps differ in size: {a.Length} vs {b.Length}");
        long common = 0;
        for (int i = 0; i < a.Length; i++) if (a[i] == b[i]) common++;
        return common;
    }

    /// <summary>Fraction of equal pixels.</summary>
    public static double Fraction(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        a.Length == 0 ? double.NaN : (double)CountEqual(a, b) / a.Length;

    /// <summary>
    /// Coral's segmentation test "IoU": common / (2N - common), i.e. equal pixels over the union of the two maps seen
    /// as sets of (position, class) pairs. Not class mIoU.
    /// </summary>
    public static double CoralAgreement(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long common = CountEqual(a, b);
        long n = a.Length;
        return n == 0 ? double.NaN : (double)common / (2 * n - common);
    }
}
