using System.Runtime.CompilerServices;

namespace EdgeRuntime.Camera.Sources;

/// <summary>The frames of an MJPEG file (concatenated JPEGs), optionally looping and paced to a frame rate.</summary>
public sealed class MjpegFileFrameSource : IFrameSource
{
    private readonly string _path;
    private readonly bool _loop;
    private readonly int _maxFrameBytes;
    private readonly FramePacer _pacer;
    private MjpegStreamReader _reader;
    private long _frameId;

    public MjpegFileFrameSource(string path, bool loop = false, double fps = 0, int maxFrameBytes = MjpegStreamReader.DefaultMaxFrameBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FrameSourceException($"MJPEG file '{path}' does not exist");
        _path = path;
        _loop = loop;
        _maxFrameBytes = maxFrameBytes;
        _pacer = new FramePacer(fps);
        _reader = Open();
        Description = $"mjpeg:{path}{(loop ? " (loop)" : "")}";
    }

    public string Description { get; }

    /// <summary>The splitter's counters (frames, corrupt frames, garbage bytes) for the current pass over the file.</summary>
    public MjpegStreamReader Reader => _reader;

    private MjpegStreamReader Open() =>
        new(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan), _maxFrameBytes);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        await _pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool rewound = false;
        while (!await _reader.ReadFrameAsync(frame, cancellationToken).ConfigureAwait(false))
        {
            // Rewind once per call: a file without a single complete frame must not spin forever.
            if (!_loop || rewound || _reader.FramesRead == 0) return false;
            await _reader.DisposeAsync().ConfigureAwait(false);
            _reader = Open();
            rewound = true;
        }
        frame.FrameId = ++_frameId;
        frame.Timestamp = DateTimeOffset.UtcNow;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _pacer.Dispose();
        await _reader.DisposeAsync().ConfigureAwait(false);
    }
}
