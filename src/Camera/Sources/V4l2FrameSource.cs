using System.Runtime.InteropServices;
using EdgeRuntime.Camera.Sources.V4l2;
using static EdgeRuntime.Camera.Sources.V4l2.V4l2Constants;

namespace EdgeRuntime.Camera.Sources;

/// <summary>Pixel formats requested from a V4L2 device.</summary>
public enum V4l2PixelFormat
{
    /// <summary>Motion-JPEG (V4L2_PIX_FMT_MJPEG); frames are <see cref="FrameFormat.Encoded"/>.</summary>
    Mjpeg,
    /// <summary>Packed YUYV 4:2:2 (V4L2_PIX_FMT_YUYV); frames are <see cref="FrameFormat.Yuyv"/>.</summary>
    Yuyv,
}

/// <summary>
/// A V4L2 capture device (/dev/videoN: USB webcams, the Pi's unicam/bcm2835-v4l2 nodes) through mmap
/// streaming I/O with our own source-generated libc P/Invoke. LP64 Linux only (x86-64, arm64).
/// </summary>
/// <remarks>
/// The device is opened and configured in the constructor (so a missing device, a busy device or an
/// unsupported format fail early with a <see cref="FrameSourceException"/>); streaming starts on the first read.
/// <see cref="ReadFrameAsync"/> blocks in poll() (in slices of 200 ms, checking cancellation) and completes
/// synchronously, so it is meant for a capture loop of its own (see <see cref="FrameCaptureLoop"/>).
/// Each frame is copied out of the driver's buffer, which is queued again at once.
/// </remarks>
public sealed unsafe class V4l2FrameSource : IFrameSource
{
    private const int PollSliceMilliseconds = 200;

    private readonly string _device;
    private int _fd = -1;
    private readonly nint[] _maps;
    private readonly nuint[] _mapLengths;
    private readonly object _io = new();   // held by a read; Release waits for it, so buffers are never unmapped mid-copy
    private volatile bool _closing;
    private bool _streaming;
    private long _frameId;

    /// <param name="device">Device node, e.g. /dev/video0.</param>
    /// <param name="width">Requested width; the driver may pick the nearest it supports (see <see cref="Width"/>).</param>
    /// <param name="height">Requested height.</param>
    /// <param name="format">Requested pixel format; the device must support it.</param>
    /// <param name="fps">Requested frame rate (0 = driver default); ignored by drivers that cannot set it.</param>
    /// <param name="bufferCount">Driver buffers to map (the driver may grant fewer, at least 2).</param>
    /// <param name="frameTimeout">How long a read waits for a frame before failing (default 5 s).</param>
    public V4l2FrameSource(string device = "/dev/video0", int width = 640, int height = 480, V4l2PixelFormat format = V4l2PixelFormat.Mjpeg,
        double fps = 0, int bufferCount = 4, TimeSpan? frameTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegative(fps);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferCount, 2);
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
            throw new PlatformNotSupportedException("V4L2 capture needs 64-bit Linux");
        _device = device;
        FrameTimeout = frameTimeout ?? TimeSpan.FromSeconds(5);

        _fd = LibC.Open(device, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (_fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new FrameSourceException(errno switch
            {
                LibC.ENOENT => $"V4L2 device {device} does not exist (is the camera connected? see ls /dev/video*)",
                LibC.EACCES => $"no permission to open V4L2 device {device} (add the user to the 'video' group)",
                LibC.EBUSY => $"V4L2 device {device} is busy (another program is using the camera)",
                _ => $"cannot open V4L2 device {device}: {LibC.Describe(errno)}",
            });
        }
        try
        {
            QueryCapabilities();
            Configure(width, height, format, fps);
            (_maps, _mapLengths) = MapBuffers(bufferCount);
        }
        catch
        {
            _maps ??= [];
            _mapLengths ??= [];
            Release();
            throw;
        }
    }

    public string Description => $"v4l2:{_device} {PixelFormat.ToString().ToUpperInvariant()} {Width}x{Height}";

    /// <summary>Driver name and card from VIDIOC_QUERYCAP.</summary>
    public string Driver { get; private set; } = "";
    public string Card { get; private set; } = "";

    /// <summary>The size and format the driver actually chose.</summary>
    public int Width { get; private set; }
    public int Height { get; private set; }
    public V4l2PixelFormat PixelFormat { get; private set; }
    public int BytesPerLine { get; private set; }

    /// <summary>Number of mmap buffers granted by the driver.</summary>
    public int BufferCount => _maps.Length;

    public TimeSpan FrameTimeout { get; }

    /// <summary>Buffers the driver flagged as erroneous (skipped).</summary>
    public long ErrorFrames { get; private set; }

    private void QueryCapabilities()
    {
        V4l2Capability cap;
        int errno = LibC.IoctlRetry(_fd, V4l2Ioctl.QueryCap, &cap);
        if (errno != 0)
            throw new FrameSourceException(errno == LibC.ENOTTY
                ? $"{_device} is not a V4L2 device"
                : $"VIDIOC_QUERYCAP failed on {_device}: {LibC.Describe(errno)}");
        Driver = CString(cap.Driver, 16);
        Card = CString(cap.Card, 32);
        uint caps = (cap.Capabilities & CapDeviceCaps) != 0 ? cap.DeviceCaps : cap.Capabilities;
        if ((caps & CapVideoCapture) == 0)
            throw new FrameSourceException($"{_device} ({Driver} {Card}) is not a single-planar video capture device");
        if ((caps & CapStreaming) == 0)
            throw new FrameSourceException($"{_device} ({Driver} {Card}) does not support streaming I/O");
    }

    private void Configure(int width, int height, V4l2PixelFormat format, double fps)
    {
        uint fourcc = format == V4l2PixelFormat.Mjpeg ? PixFmtMjpeg : PixFmtYuyv;
        V4l2Format fmt = default;
        fmt.Type = BufTypeVideoCapture;
        fmt.Pix.Width = (uint)width;
        fmt.Pix.Height = (uint)height;
        fmt.Pix.PixelFormat = fourcc;
        fmt.Pix.Field = FieldAny;
        int errno = LibC.IoctlRetry(_fd, V4l2Ioctl.SetFormat, &fmt);
        if (errno != 0)
            throw new FrameSourceException($"VIDIOC_S_FMT {V4l2Constants.FourCc(fourcc)} {width}x{height} failed on {_device}: {LibC.Describe(errno)}");
        bool jpegAlias = format == V4l2PixelFormat.Mjpeg && fmt.Pix.PixelFormat == PixFmtJpeg;
        if (fmt.Pix.PixelFormat != fourcc && !jpegAlias)
            throw new FrameSourceException($"{_device} does not offer {V4l2Constants.FourCc(fourcc)}; it chose {V4l2Constants.FourCc(fmt.Pix.PixelFormat)} (try format=yuyv or format=mjpeg)");
        Width = (int)fmt.Pix.Width;
        Height = (int)fmt.Pix.Height;
        PixelFormat = format;
        BytesPerLine = (int)fmt.Pix.BytesPerLine;
        if (format == V4l2PixelFormat.Yuyv && (BytesPerLine < Width * 2 || (Width & 1) != 0))
            throw new FrameSourceException($"{_device} reported an unusable YUYV layout ({Width}x{Height}, {BytesPerLine} bytes per line)");

        if (fps > 0)
        {
            // Best effort: many drivers (and all that lack V4L2_CAP_TIMEPERFRAME) ignore or reject it.
            V4l2StreamParm parm = default;
            parm.Type = BufTypeVideoCapture;
            parm.Capture.TimePerFrame.Numerator = 1000;
            parm.Capture.TimePerFrame.Denominator = (uint)Math.Round(fps * 1000);
            _ = LibC.IoctlRetry(_fd, V4l2Ioctl.SetParam, &parm);
        }
    }

    private (nint[] Maps, nuint[] Lengths) MapBuffers(int bufferCount)
    {
        V4l2RequestBuffers request = default;
        request.Count = (uint)bufferCount;
        request.Type = BufTypeVideoCapture;
        request.Memory = MemoryMmap;
        int errno = LibC.IoctlRetry(_fd, V4l2Ioctl.RequestBuffers, &request);
        if (errno != 0)
            throw new FrameSourceException($"VIDIOC_REQBUFS failed on {_device}: {LibC.Describe(errno)} (mmap streaming unsupported?)");
        if (request.Count < 2)
            throw new FrameSourceException($"{_device} granted only {request.Count} buffer(s)");

        var maps = new nint[request.Count];
        var lengths = new nuint[request.Count];
        Array.Fill(maps, LibC.MapFailed);
        try
        {
            for (uint i = 0; i < request.Count; i++)
            {
                V4l2Buffer buffer = default;
                buffer.Index = i;
                buffer.Type = BufTypeVideoCapture;
                buffer.Memory = MemoryMmap;
                errno = LibC.IoctlRetry(_fd, V4l2Ioctl.QueryBuffer, &buffer);
                if (errno != 0) throw new FrameSourceException($"VIDIOC_QUERYBUF {i} failed on {_device}: {LibC.Describe(errno)}");
                nint map = LibC.Mmap(0, buffer.Length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, _fd, buffer.Offset);
                if (map == LibC.MapFailed)
                    throw new FrameSourceException($"mmap of buffer {i} ({buffer.Length} bytes) failed on {_device}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                maps[i] = map;
                lengths[i] = buffer.Length;
                errno = LibC.IoctlRetry(_fd, V4l2Ioctl.QueueBuffer, &buffer);
                if (errno != 0) throw new FrameSourceException($"VIDIOC_QBUF {i} failed on {_device}: {LibC.Describe(errno)}");
            }
        }
        catch
        {
            Unmap(maps, lengths);
            throw;
        }
        return (maps, lengths);
    }

    public ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        try
        {
            lock (_io)
            {
                ObjectDisposedException.ThrowIf(_fd < 0 || _closing, this);
                ReadFrame(frame, cancellationToken);
            }
            return new ValueTask<bool>(true);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<bool>(e);
        }
    }

    private void ReadFrame(FrameBuffer frame, CancellationToken cancellationToken)
    {
        if (!_streaming)
        {
            int type = (int)BufTypeVideoCapture;
            int err = LibC.IoctlRetry(_fd, V4l2Ioctl.StreamOn, &type);
            if (err != 0) throw new FrameSourceException($"VIDIOC_STREAMON failed on {_device}: {LibC.Describe(err)}");
            _streaming = true;
        }

        long waitedMs = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_closing, this);
            V4l2Buffer buffer = default;
            buffer.Type = BufTypeVideoCapture;
            buffer.Memory = MemoryMmap;
            int errno = LibC.IoctlRetry(_fd, V4l2Ioctl.DequeueBuffer, &buffer);
            if (errno == LibC.EAGAIN)
            {
                if (waitedMs >= (long)FrameTimeout.TotalMilliseconds)
                    throw new FrameSourceException($"no frame from {_device} within {FrameTimeout.TotalSeconds:0.#} s");
                PollFd pfd = new() { Fd = _fd, Events = LibC.POLLIN };
                int ready = LibC.Poll(&pfd, 1, PollSliceMilliseconds);
                if (ready < 0)
                {
                    int pollErrno = Marshal.GetLastPInvokeError();
                    if (pollErrno != LibC.EINTR) throw new FrameSourceException($"poll failed on {_device}: {LibC.Describe(pollErrno)}");
                }
                else if (ready == 0) waitedMs += PollSliceMilliseconds;
                continue;
            }
            if (errno != 0)
                throw new FrameSourceException(errno == LibC.ENODEV
                    ? $"V4L2 device {_device} was disconnected"
                    : $"VIDIOC_DQBUF failed on {_device}: {LibC.Describe(errno)}");

            bool ok = (buffer.Flags & BufFlagError) == 0 && buffer.BytesUsed > 0 && buffer.Index < _maps.Length;
            if (ok) CopyOut(buffer, frame);
            else ErrorFrames++;
            errno = LibC.IoctlRetry(_fd, V4l2Ioctl.QueueBuffer, &buffer);
            if (errno != 0) throw new FrameSourceException($"VIDIOC_QBUF failed on {_device}: {LibC.Describe(errno)}");
            if (ok) return;
        }
    }

    private void CopyOut(in V4l2Buffer buffer, FrameBuffer frame)
    {
        byte* source = (byte*)_maps[buffer.Index];
        int used = (int)Math.Min(buffer.BytesUsed, (uint)_mapLengths[buffer.Index]);
        if (PixelFormat == V4l2PixelFormat.Mjpeg)
        {
            new ReadOnlySpan<byte>(source, used).CopyTo(frame.Prepare(used));
            frame.Format = FrameFormat.Encoded;
            frame.Width = 0;
            frame.Height = 0;
        }
        else
        {
            // Repack rows if the driver pads them, so the frame is Width * 2 bytes per row.
            int row = Width * 2;
            int rows = Math.Min(Height, used / Math.Max(1, BytesPerLine));
            if (rows < Height) { ErrorFrames++; }
            Span<byte> target = frame.Prepare(row * Height);
            for (int y = 0; y < rows; y++)
                new ReadOnlySpan<byte>(source + (long)y * BytesPerLine, row).CopyTo(target.Slice(y * row, row));
            target[(rows * row)..].Clear();
            frame.Format = FrameFormat.Yuyv;
            frame.Width = Width;
            frame.Height = Height;
        }
        frame.FrameId = ++_frameId;
        frame.Timestamp = DateTimeOffset.UtcNow;
    }

    private static string CString(byte* bytes, int max)
    {
        var span = new ReadOnlySpan<byte>(bytes, max);
        int n = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(n < 0 ? span : span[..n]);
    }

    private static void Unmap(nint[] maps, nuint[] lengths)
    {
        for (int i = 0; i < maps.Length; i++)
        {
            if (maps[i] != LibC.MapFailed && maps[i] != 0) LibC.Munmap(maps[i], lengths[i]);
            maps[i] = LibC.MapFailed;
        }
    }

    private void Release()
    {
        _closing = true;
        lock (_io) ReleaseLocked();
    }

    private void ReleaseLocked()
    {
        if (_fd < 0) return;
        if (_streaming)
        {
            int type = (int)BufTypeVideoCapture;
            _ = LibC.IoctlRetry(_fd, V4l2Ioctl.StreamOff, &type);
            _streaming = false;
        }
        Unmap(_maps, _mapLengths);
        _ = LibC.Close(_fd);
        _fd = -1;
    }

    public ValueTask DisposeAsync()
    {
        Release();
        GC.SuppressFinalize(this);
        return default;
    }

    ~V4l2FrameSource() => Release();
}
