using EdgeRuntime.Imaging;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Takes each processed frame and its class map for a live view (the local console, WebConsole/LivePreview). Called on
/// the frame loop's thread for every frame: an implementation must return at once, without copying or allocating,
/// while nobody is watching. Lives here so the frame loop does not depend on the console built on top of it.
/// </summary>
internal interface IFramePreview
{
    void Offer(RgbImage image, ReadOnlySpan<byte> classMap, long frameId);
}
