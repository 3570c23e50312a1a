using System.Diagnostics;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Segmentation;

/// <summary>What an evaluation measured.</summary>
internal sealed record EvaluationResult(
    SegmentationMetrics Metrics,
    int Images,
    double SecondsPerImage,
    double InferenceMsMean,
    long AgreementPixels,
    long ComparedPixels)
{
    /// <summary>Fraction of pixels equal to the reference class maps (NaN when none were compared).</summary>
    public double Agreement => ComparedPixels == 0 ? double.NaN : (double)AgreementPixels / ComparedPixels;
}

/// <summary>
/// Runs a segmenter over a dataset and accumulates ONE confusion matrix over all images (DeepLab's own protocol:
/// mIoU is not an average of per-image IoUs). Optionally compares each class map with reference maps
/// (e.g. TensorFlow Lite's in ../shared/golden/tflite/&lt;model&gt;/&lt;id&gt;.png).
/// </summary>
internal static class Evaluator
{
    public static EvaluationResult Run(ISegmenter segmenter, VocDataset dataset, string? compareDir = null,
        Action<int, int>? progress = null, Action<string, ReadOnlySpan<byte>, int, int>? onPrediction = null)
    {
        var matrix = new ConfusionMatrix(Math.Max(segmenter.ClassCount, 21));
        var image = new RgbImage();
        var label = new LabelImage();
        var reference = new LabelImage();
        byte[] classMap = [];
        long agree = 0, compared = 0;
        double inferenceMs = 0;
        var clock = Stopwatch.StartNew();

        for (int i = 0; i < dataset.Ids.Count; i++)
        {
            string id = dataset.Ids[i];
            ImageDecoder.Decode(File.ReadAllBytes(dataset.ImagePath(id)), image);
            LabelImageReader.Read(File.ReadAllBytes(dataset.LabelPath(id)), label);
            if (label.Width != image.Width || label.Height != image.Height)
                throw new InvalidDataException($"{id}: label {label.Width}x{label.Height} does not match image {image.Width}x{image.Height}");
            int n = image.Width * image.Height;
            if (classMap.Length < n) classMap = new byte[n];
            Span<byte> prediction = classMap.AsSpan(0, n);

            inferenceMs += segmenter.Segment(image, prediction).InferenceMs;
            matrix.Add(prediction, label.Labels);
            onPrediction?.Invoke(id, prediction, image.Width, image.Height);

            if (compareDir is not null)
            {
                LabelImageReader.Read(File.ReadAllBytes(Path.Combine(compareDir, id + ".png")), reference);
                if (reference.Width != image.Width || reference.Height != image.Height)
                    throw new InvalidDataException($"{id}: reference map size differs from the image");
                agree += PixelAgreement.CountEqual(prediction, reference.Labels);
                compared += n;
            }
            progress?.Invoke(i + 1, dataset.Ids.Count);
        }
        int count = dataset.Ids.Count;
        return new EvaluationResult(matrix.Compute(), count, count == 0 ? 0 : clock.Elapsed.TotalSeconds / count,
            count == 0 ? 0 : inferenceMs / count, agree, compared);
    }
}
