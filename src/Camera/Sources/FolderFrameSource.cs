using System.Runtime.CompilerServices;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// The images of a folder (.jpg, .jpeg, .png, .bmp; ordinal order of file names) as encoded frames,
/// optionally looping and paced to a frame rate. Files are read straight into the frame buffer.
/// </summary>
public sealed class FolderFrameSource : IFrameSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp"];

    private readonly string[] _files;
    private readonly bool _loop;
    private readonly FramePacer _pacer;
    private int _next;
    private long _frameId;

    /// <param name="folder">Folder to read; its images are listed once, here.</param>
    /// <param name="loop">Start again at the first image after the last one.</param>
    /// <param name="fps">Frames per second, or 0 to read as fast as the consumer asks.</param>
    public FolderFrameSource(string folder, bool loop = false, double fps = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new FrameSourceException($"image folder '{folder}' does not exist");
        _files = Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (_files.Length == 0) throw new FrameSourceException($"image folder '{folder}' has no .jpg/.jpeg/.png/.bmp files");
        _loop = loop;
        _pacer = new FramePacer(fps);
        Description = $"folder:{folder} ({_files.Length} images{(loop ? ", loop" : "")}{(fps > 0 ? $", {fps:0.##} fps" : "")})";
    }

    public string Description { get; }

    /// <summary>The images, in the order they are returned.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>Path of the image in the last frame read.</summary>
    public string? CurrentFile { get; private set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_next >= _files.Length)
        {
            if (!_loop) return false;
            _next = 0;
        }
        await _pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        string path = _files[_next++];
        ReadFile(path, frame, ++_frameId);
        CurrentFile = path;
        return true;
    }

    /// <summary>Reads a whole file into <paramref name="frame"/> as an encoded frame.</summary>
    internal static void ReadFile(string path, FrameBuffer frame, long frameId)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        long length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue) throw new FrameSourceException($"'{path}' is too large for a frame ({length} bytes)");
        Span<byte> target = frame.Prepare((int)length);
        int total = 0;
        while (total < target.Length)
        {
            int read = RandomAccess.Read(handle, target[total..], total);
            if (read == 0) break;
            total += read;
        }
        if (total != target.Length) frame.Prepare(total); // the file shrank while being read
        frame.Format = FrameFormat.Encoded;
        frame.Width = 0;
        frame.Height = 0;
        frame.FrameId = frameId;
        frame.Timestamp = DateTimeOffset.UtcNow;
    }

    public ValueTask DisposeAsync()
    {
        _pacer.Dispose();
        return default;
    }
}
