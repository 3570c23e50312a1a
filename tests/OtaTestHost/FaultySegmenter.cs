using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.OtaTestHost;

/// <summary>
/// Hostile models for the fault suite, chosen by SHA-256 in the environment: EDGERT_TEST_CRASH_SHAS (comma-separated) kill
/// the process on their first frame (Environment.FailFast, like a native crash); EDGERT_TEST_THROW_SHAS throw on every frame.
/// </summary>
internal sealed class FaultySegmenter(ISegmenter inner, bool crash, bool throws) : ISegmenter
{
    public static ISegmenter Wrap(ISegmenter inner)
    {
        static bool Listed(string variable, string sha) =>
            (Environment.GetEnvironmentVariable(variable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Contains(sha, StringComparer.OrdinalIgnoreCase);
        bool crash = Listed("EDGERT_TEST_CRASH_SHAS", inner.ModelSha256), throws = Listed("EDGERT_TEST_THROW_SHAS", inner.ModelSha256);
        return crash || throws ? new FaultySegmenter(inner, crash, throws) : inner;
    }

    public string ModelName => inner.ModelName;
    public string ModelSha256 => inner.ModelSha256;
    public int ClassCount => inner.ClassCount;

    public SegmentationTimings Segment(RgbImage frame, Span<byte> classMap)
    {
        if (crash) Environment.FailFast("EDGERT test: this model crashes the process");
        if (throws) throw new InvalidOperationException("EDGERT test: this model throws on every frame");
        return inner.Segment(frame, classMap);
    }

    public void Dispose() => inner.Dispose();
}
