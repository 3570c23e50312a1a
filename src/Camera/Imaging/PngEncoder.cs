using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.Compression;

namespace EdgeRuntime.Camera.Imaging;

/// <summary>PNG colour formats <see cref="PngEncoder"/> writes.</summary>
public enum PngColorFormat
{
    /// <summary>8-bit grayscale (colour type 0): one byte per pixel, e.g. a class map.</summary>
    Gray8 = 0,
    /// <summary>8-bit RGB (colour type 2): three interleaved bytes per pixel.</summary>
    Rgb8 = 2,
}

/// <summary>
/// Writes 8-bit grayscale and RGB PNGs (filter "None", zlib via <see cref="ZLibStream"/>, CRC-32 from System.IO.Hashing).
/// An instance keeps its scratch buffers between calls, so repeated encodes of same-sized images allocate only
/// the deflater state. Not thread-safe: use one instance per thread.
/// </summary>
public sealed class PngEncoder
{
    private readonly CompressionLevel _level;
    private readonly ScratchStream _idat = new();
    private byte[] _row = [];
    private byte[] _png = [];
    private int _pngLength;

    public PngEncoder(CompressionLevel level = CompressionLevel.Fastest) => _level = level;

    /// <summary>
    /// Encodes into the encoder's internal buffer and returns it. The span stays valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColorFormat format)
    {
        int channels = format switch
        {
            PngColorFormat.Gray8 => 1,
            PngColorFormat.Rgb8 => 3,
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is invalid");
        long rowBytes = (long)width * channels;
        if (pixels.Length < rowBytes * height)
            throw new ArgumentException($"pixel buffer holds {pixels.Length} bytes, {rowBytes * height} needed", nameof(pixels));

        // Compress the filtered scanlines into the reusable IDAT scratch.
        _idat.Reset();
        if (_row.Length < rowBytes + 1) _row = new byte[rowBytes + 1];
        using (var z = new ZLibStream(_idat, _level, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                _row[0] = 0; // filter: None
                pixels.Slice((int)(y * rowBytes), (int)rowBytes).CopyTo(_row.AsSpan(1));
                z.Write(_row, 0, (int)rowBytes + 1);
            }
        }
        ReadOnlySpan<byte> idat = _idat.WrittenSpan;

        int total = 8 + (12 + 13) + (12 + idat.Length) + 12;
        if (_png.Length < total) _png = new byte[Math.Max(total, _png.Length * 2)];
        _pngLength = 0;
        Append(PngFile.Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8;                // bit depth
        ihdr[9] = (byte)format;     // colour type
        ihdr[10] = ihdr[11] = ihdr[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk("IHDR"u8, ihdr);
        WriteChunk("IDAT"u8, idat);
        WriteChunk("IEND"u8, default);
        return _png.AsSpan(0, _pngLength);
    }

    /// <summary>Encodes and writes the PNG to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColorFormat format, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Encode(pixels, width, height, format));
    }

    /// <summary>Encodes and writes the PNG to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColorFormat format, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ReadOnlySpan<byte> png = Encode(pixels, width, height, format);
        png.CopyTo(output.GetSpan(png.Length));
        output.Advance(png.Length);
    }

    /// <summary>Encodes to a new file (convenience; allocates the file stream).</summary>
    public void EncodeFile(string path, ReadOnlySpan<byte> pixels, int width, int height, PngColorFormat format)
    {
        using var file = File.Create(path);
        Encode(pixels, width, height, format, file);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_png.AsSpan(_pngLength));
        _pngLength += bytes.Length;
    }

    private void WriteChunk(ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)body.Length);
        Append(word);
        int crcStart = _pngLength;
        Append(type);
        Append(body);
        // The CRC covers type and body, which now lie side by side in the output: one pass, no allocation.
        uint crc = Crc32.HashToUInt32(_png.AsSpan(crcStart, _pngLength - crcStart));
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        Append(word);
    }

    /// <summary>A write-only growable memory stream whose buffer survives <see cref="Reset"/>.</summary>
    private sealed class ScratchStream : Stream
    {
        private byte[] _buffer = new byte[4096];
        private int _length;

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);
        public void Reset() => _length = 0;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_buffer.Length - _length < buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_length + buffer.Length, _buffer.Length * 2));
            buffer.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void WriteByte(byte value) => Write([value]);
    }
}
