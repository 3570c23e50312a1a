using EdgeRuntime.Imaging;

namespace EdgeRuntime.Segmentation;

/// <summary>
/// A model ready to segment frames: preprocessing, inference and the fused upsample+argmax.
/// One instance serves one thread; after the first frame, <see cref="Segment"/> allocates nothing.
/// </summary>
internal interface ISegmenter : IDisposable
{
    /// <summary>Model identity for telemetry.</summary>
    string ModelName { get; }
    string ModelSha256 { get; }

    /// <summary>Number of classes the model predicts (21 for PASCAL VOC).</summary>
    int ClassCount { get; }

    /// <summary>Segments <paramref name="frame"/> into <paramref name="classMap"/> (one byte per pixel, frame.Width * frame.Height bytes).</summary>
    SegmentationTimings Segment(RgbImage frame, Span<byte> classMap);
}

/// <summary>Time per stage of one <see cref="ISegmenter.Segment"/> call, in milliseconds.</summary>
internal readonly record struct SegmentationTimings(double PreprocessMs, double InferenceMs, double PostprocessMs);
