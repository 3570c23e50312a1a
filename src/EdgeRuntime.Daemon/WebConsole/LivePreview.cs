using System.Diagnostics;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Privacy;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Daemon;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// The latest frame and class map for the console's preview. The frame loop calls <see cref="Offer"/> on every frame;
/// it returns at once (no copy, no allocation) unless a stream is open or a still was asked for recently, and even then
/// copies at most StreamFps frames a second into buffers kept between frames. Encoding (redaction, overlay, JPEG) runs
/// on the HTTP side, once per new frame however many viewers there are.
/// </summary>
internal sealed class LivePreview : IFramePreview, IDisposable
{
    private static readonly long WantStillTicks = Stopwatch.Frequency * 5;
    private readonly object _frameLock = new();
    private readonly object _encodeLock = new();
    private readonly long _minOfferTicks;
    private readonly int _quality;
    private readonly bool[]? _redactClass;
    private readonly bool _pixelate;
    private readonly int _blockSize;
    private int _streams;
    private long _wantUntil;
    private long _nextOffer;

    // Written by the frame loop under _frameLock.
    private byte[] _rgb = [];
    private byte[] _classes = [];
    private int _width, _height;
    private long _frameId = -1, _version;

    // Encoder side, under _encodeLock.
    private byte[] _work = [], _overlay = [], _jpeg = [];
    private nint _compressor;
    private long _encodedVersion = -1, _encodedStill = -1;
    private byte[]? _lastOverlayJpeg, _lastStillJpeg;

    public LivePreview(ConsoleOptions options, AutomationOptions? automation = null, ZoneSet? zones = null)
    {
        _minOfferTicks = (long)(Stopwatch.Frequency / options.StreamFps);
        _quality = options.JpegQuality;
        var snapshot = automation?.Snapshot;
        if (snapshot is not null && (snapshot.Enabled || options.Redact))
        {
            // The same classes, mode and block size as the MQTT snapshots (docs/mqtt.md): a frame that would be redacted there is redacted here.
            var labels = zones?.Labels ?? ZoneSet.PascalVocLabels;
            _redactClass = new bool[256];
            foreach (var name in snapshot.EffectiveClasses)
                for (int i = 0; i < labels.Count; i++)
                    if (string.Equals(labels[i], name, StringComparison.OrdinalIgnoreCase)) _redactClass[i] = true;
            _pixelate = snapshot.Mode == "pixelate";
            _blockSize = Math.Max(2, snapshot.BlockSize);
        }
    }

    /// <summary>Whether the preview redacts (the status page says so).</summary>
    public bool Redacting => _redactClass is not null;

    /// <summary>Open MJPEG streams.</summary>
    public int Streams => Volatile.Read(ref _streams);

    public long FrameId { get { lock (_frameLock) return _frameId; } }

    /// <summary>Fast check for the frame loop: does anybody want frames now?</summary>
    public bool Wanted => Volatile.Read(ref _streams) > 0 || Stopwatch.GetTimestamp() < Volatile.Read(ref _wantUntil);

    /// <summary>A stream opens; returns false (and counts nothing) when <paramref name="max"/> are open already.</summary>
    public bool TryOpenStream(int max)
    {
        while (true)
        {
            int n = Volatile.Read(ref _streams);
            if (n >= max) return false;
            if (Interlocked.CompareExchange(ref _streams, n + 1, n) == n) return true;
        }
    }

    public void CloseStream() => Interlocked.Decrement(ref _streams);

    /// <summary>Someone wants a still: keep offering frames for a few seconds.</summary>
    public void WantStill() => Volatile.Write(ref _wantUntil, Stopwatch.GetTimestamp() + WantStillTicks);

    /// <summary>Called by the frame loop after segmentation.</summary>
    public void Offer(RgbImage image, ReadOnlySpan<byte> classMap, long frameId)
    {
        if (!Wanted) return;
        long now = Stopwatch.GetTimestamp();
        if (now < _nextOffer) return;
        _nextOffer = now + _minOfferTicks;
        int pixels = image.Width * image.Height;
        if (pixels <= 0 || classMap.Length < pixels) return;
        lock (_frameLock)
        {
            if (_rgb.Length < pixels * 3) _rgb = new byte[pixels * 3];
            if (_classes.Length < pixels) _classes = new byte[pixels];
            image.Pixels[..(pixels * 3)].CopyTo(_rgb);
            classMap[..pixels].CopyTo(_classes);
            _width = image.Width;
            _height = image.Height;
            _frameId = frameId;
            _version++;
        }
    }

    /// <summary>The latest frame as JPEG (redacted when configured; with the class overlay when <paramref name="overlay"/>), or null before the first frame.</summary>
    public byte[]? Jpeg(bool overlay, out long version)
    {
        lock (_encodeLock)
        {
            int w, h;
            lock (_frameLock)
            {
                version = _version;
                if (_frameId < 0) return null;
                if (overlay ? version == _encodedVersion : version == _encodedStill) return overlay ? _lastOverlayJpeg : _lastStillJpeg;
                w = _width;
                h = _height;
                if (_work.Length < w * h * 3) _work = new byte[w * h * 3];
                if (_overlay.Length < w * h) _overlay = new byte[w * h];
                _rgb.AsSpan(0, w * h * 3).CopyTo(_work);
                _classes.AsSpan(0, w * h).CopyTo(_overlay);
            }
            var rgb = _work.AsSpan(0, w * h * 3);
            var classes = _overlay.AsSpan(0, w * h);
            if (_redactClass is not null) SnapshotRedactor.Redact(rgb, classes, w, h, _redactClass, _pixelate, _blockSize);
            if (overlay) Overlay.Blend(rgb, classes, w, h, rgb); // in place (Blend allows it)
            int n = TurboJpeg.Encode(rgb, w, h, _quality, ref _jpeg, ref _compressor);
            byte[] result = _jpeg.AsSpan(0, n).ToArray(); // handed to several writers: its own array
            if (overlay) { _lastOverlayJpeg = result; _encodedVersion = version; }
            else { _lastStillJpeg = result; _encodedStill = version; }
            return result;
        }
    }

    public void Dispose()
    {
        lock (_encodeLock) TurboJpeg.DestroyCompressor(ref _compressor);
    }
}
