namespace EdgeRuntime;

/// <summary>Where the time of one <see cref="ImageSegmenter.Segment(ReadOnlySpan{byte}, int, int, Span{byte})"/> call went, in milliseconds.</summary>
/// <param name="PreprocessMs">Resizing or padding the image into the model's input tensor.</param>
/// <param name="InferenceMs">Running the model.</param>
/// <param name="PostprocessMs">Upsampling the scores to the image size and picking each pixel's class.</param>
public readonly record struct SegmentTimings(double PreprocessMs, double InferenceMs, double PostprocessMs)
{
    /// <summary>The sum of the three steps.</summary>
    public double TotalMs => PreprocessMs + InferenceMs + PostprocessMs;
}
