using System.Runtime.CompilerServices;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Splits a byte stream of concatenated JPEG images (MJPEG as written by rpicam-vid, ffmpeg -f mjpeg,
/// or a .mjpeg file) into frames.
/// </summary>
/// <remarks>
/// A frame starts at SOI followed by a marker (FF D8 FF). The reader then walks the JPEG marker segments
/// by their lengths (so an EXIF thumbnail, which has its own SOI/EOI, is skipped as APP1 payload) and, after
/// each SOS, scans the entropy-coded data, where FF is always followed by 00, an RSTn or another marker.
/// The frame ends at EOI (FF D9). Bytes outside frames are counted as garbage and skipped. A frame that is
/// cut short by a new SOI, is malformed, or exceeds <see cref="MaxFrameBytes"/> is counted in
/// <see cref="CorruptFrames"/> and the reader resynchronises at the next SOI after its start.
/// Reading allocates nothing per frame once the internal buffer has grown to the largest frame.
/// </remarks>
public sealed class MjpegStreamReader : IAsyncDisposable, IDisposable
{
    public const int DefaultMaxFrameBytes = 16 << 20;
    private const int ReadChunk = 64 << 10;

    private enum State { Seek, Marker, Entropy }

    private enum Step { NeedMore, Complete, Corrupt }

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _end;          // valid data is [0, _end)
    private int _frameStart;   // start of the frame being parsed (State != Seek)
    private int _pos;          // parse position (may run past _end while skipping a segment)
    private int _frameEnd;     // set when a frame completes
    private State _state;
    private bool _eof;

    public MjpegStreamReader(Stream stream, int maxFrameBytes = DefaultMaxFrameBytes, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, 64);
        _stream = stream;
        _leaveOpen = leaveOpen;
        MaxFrameBytes = maxFrameBytes;
        _buffer = new byte[Math.Min(maxFrameBytes, 256 << 10) + ReadChunk];
    }

    /// <summary>Frames larger than this are dropped as corrupt.</summary>
    public int MaxFrameBytes { get; }

    /// <summary>Complete frames returned.</summary>
    public long FramesRead { get; private set; }

    /// <summary>Frames started but dropped: truncated, malformed or oversized.</summary>
    public long CorruptFrames { get; private set; }

    /// <summary>Bytes skipped outside any frame.</summary>
    public long GarbageBytes { get; private set; }

    /// <summary>
    /// Reads the next complete JPEG into <paramref name="frame"/> (format <see cref="FrameFormat.Encoded"/>,
    /// size 0x0). Returns false at the end of the stream; a trailing partial frame counts as corrupt.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        while (true)
        {
            switch (Parse())
            {
                case Step.Complete:
                    int length = _frameEnd - _frameStart;
                    if (length > MaxFrameBytes)
                    {
                        CorruptFrames++;
                        _pos = _frameEnd;
                        _state = State.Seek;
                        continue;
                    }
                    _buffer.AsSpan(_frameStart, length).CopyTo(frame.Prepare(length));
                    frame.Format = FrameFormat.Encoded;
                    frame.Width = 0;
                    frame.Height = 0;
                    FramesRead++;
                    _pos = _frameEnd;
                    _state = State.Seek;
                    return true;
                case Step.Corrupt:
                    Resync();
                    continue;
            }

            // NeedMore.
            if (_state != State.Seek && Math.Max(_end, _pos) - _frameStart > MaxFrameBytes)
            {
                Resync();
                continue;
            }
            if (_eof)
            {
                if (_state != State.Seek) CorruptFrames++;
                else GarbageBytes += Math.Max(0, _end - _pos);
                _state = State.Seek;
                _pos = _end = _frameStart = 0;
                return false;
            }
            MakeRoom();
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), cancellationToken).ConfigureAwait(false);
            if (read == 0) _eof = true;
            else _end += read;
        }
    }

    /// <summary>Drops the current frame and searches again from just after its SOI.</summary>
    private void Resync()
    {
        CorruptFrames++;
        _state = State.Seek;
        _pos = _frameStart + 2;
    }

    /// <summary>Keeps only what is still needed at the front of the buffer and grows it if a frame needs more.</summary>
    private void MakeRoom()
    {
        int keep = _state == State.Seek ? Math.Min(_pos, _end) : _frameStart;
        if (keep > 0)
        {
            _buffer.AsSpan(keep, _end - keep).CopyTo(_buffer);
            _end -= keep;
            _pos -= keep;
            _frameStart -= keep;
            if (_frameStart < 0) _frameStart = 0;
        }
        if (_buffer.Length - _end < ReadChunk / 4)
        {
            int size = (int)Math.Min((long)MaxFrameBytes + ReadChunk, Math.Max(_buffer.Length * 2L, _end + ReadChunk));
            if (size > _buffer.Length) Array.Resize(ref _buffer, size);
        }
    }

    private static ReadOnlySpan<byte> SoiPattern => [0xFF, 0xD8, 0xFF];

    private Step Parse()
    {
        byte[] b = _buffer;
        while (true)
        {
            switch (_state)
            {
                case State.Seek:
                {
                    if (_pos >= _end) return Step.NeedMore;
                    int i = b.AsSpan(_pos, _end - _pos).IndexOf(SoiPattern);
                    if (i < 0)
                    {
                        // Keep the last two bytes: they may be the start of an SOI split across reads.
                        int skip = Math.Max(0, _end - _pos - 2);
                        GarbageBytes += skip;
                        _pos += skip;
                        return Step.NeedMore;
                    }
                    GarbageBytes += i;
                    _frameStart = _pos + i;
                    _pos = _frameStart + 2;
                    _state = State.Marker;
                    continue;
                }
                case State.Marker:
                {
                    if (_pos + 2 > _end) return Step.NeedMore;
                    if (b[_pos] != 0xFF) return Step.Corrupt;
                    byte m = b[_pos + 1];
                    if (m == 0xFF) { _pos++; continue; }                 // fill byte
                    if (m == 0xD9) { _frameEnd = _pos + 2; return Step.Complete; }
                    if (m == 0xD8)
                    {
                        // A new image starts before this one ended: the previous frame was truncated.
                        CorruptFrames++;
                        _frameStart = _pos;
                        _pos += 2;
                        continue;
                    }
                    if (m == 0x00) return Step.Corrupt;
                    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { _pos += 2; continue; } // standalone markers
                    if (_pos + 4 > _end) return Step.NeedMore;
                    int length = (b[_pos + 2] << 8) | b[_pos + 3];
                    if (length < 2) return Step.Corrupt;
                    _pos += 2 + length;
                    if (m == 0xDA) _state = State.Entropy;
                    continue;
                }
                default: // Entropy-coded data after SOS.
                {
                    while (true)
                    {
                        if (_pos >= _end) return Step.NeedMore;
                        int i = b.AsSpan(_pos, _end - _pos).IndexOf((byte)0xFF);
                        if (i < 0) { _pos = _end; return Step.NeedMore; }
                        int p = _pos + i;
                        if (p + 1 >= _end) { _pos = p; return Step.NeedMore; }
                        byte next = b[p + 1];
                        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) { _pos = p + 2; continue; }
                        if (next == 0xFF) { _pos = p + 1; continue; }
                        _pos = p;
                        _state = State.Marker;
                        break;
                    }
                    continue;
                }
            }
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    public ValueTask DisposeAsync() => _leaveOpen ? default : _stream.DisposeAsync();
}
