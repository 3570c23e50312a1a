namespace EdgeRuntime.Camera.Sources;

/// <summary>A frame source could not be opened or failed while running (missing program/device, bad settings, child process died).</summary>
public sealed class FrameSourceException : IOException
{
    public FrameSourceException(string message) : base(message) { }

    public FrameSourceException(string message, Exception? inner) : base(message, inner) { }
}
