using System.Runtime.CompilerServices;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// A single image file as an encoded frame: once, or repeated (optionally paced to a frame rate) so a
/// still image can stand in for a camera. The file is read again for every frame, so edits show up.
/// </summary>
public sealed class FileFrameSource : IFrameSource
{
    private readonly string _path;
    private readonly bool _loop;
    private readonly FramePacer _pacer;
    private long _frameId;

    /// <param name="path">The image (JPEG, PNG or BMP).</param>
    /// <param name="loop">Return the image again and again instead of once.</param>
    /// <param name="fps">Frames per second when looping, or 0 for as fast as the consumer asks.</param>
    public FileFrameSource(string path, bool loop = false, double fps = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FrameSourceException($"image file '{path}' does not exist");
        _path = path;
        _loop = loop;
        _pacer = new FramePacer(fps);
        Description = $"file:{path}{(loop ? " (loop)" : "")}";
    }

    public string Description { get; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!_loop && _frameId > 0) return false;
        await _pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        FolderFrameSource.ReadFile(_path, frame, ++_frameId);
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _pacer.Dispose();
        return default;
    }
}
