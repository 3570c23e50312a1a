using System.Buffers.Binary;

namespace EdgeRuntime.Telemetry;

/// <summary>
/// Compact run-length encoding of a class map (one class byte per pixel, row-major).
/// <code>
/// offset size  field
/// 0      4     magic "ERLE" (0x45 0x52 0x4C 0x45)
/// 4      1     version = 1
/// 5      1     flags = 0 (reserved)
/// 6      2     width, uint16 little-endian (1..65535)
/// 8      2     height, uint16 little-endian (1..65535)
/// 10     ...   runs: (class: 1 byte, length: unsigned LEB128 varint &gt;= 1) pairs
/// </code>
/// Runs follow the pixels in row-major order and may cross row ends; the run lengths add up to
/// exactly width * height and nothing follows the last run. Adjacent runs have different classes
/// (the encoder merges them; the decoder accepts unmerged runs too).
/// Worst case size: 10 + 2 * width * height bytes; a typical 513x513 VOC mask is a few KB.
/// </summary>
public static class RunLengthMaskCodec
{
    public const int HeaderSize = 10;
    public const byte Version = 1;
    public const string ContentType = "application/vnd.edgert.rle";
    private static ReadOnlySpan<byte> Magic => "ERLE"u8;

    /// <summary>An upper bound of the encoded size of a <paramref name="width"/> x <paramref name="height"/> map.</summary>
    public static int MaxEncodedLength(int width, int height) => checked(HeaderSize + 2 * width * height);

    /// <summary>Encodes into <paramref name="destination"/> (at least <see cref="MaxEncodedLength"/> bytes) and returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<byte> classMap, int width, int height, Span<byte> destination)
    {
        if (width is < 1 or > ushort.MaxValue || height is < 1 or > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(width), $"mask size {width}x{height} is out of range");
        int pixels = checked(width * height);
        if (classMap.Length < pixels) throw new ArgumentException("class map is smaller than width * height", nameof(classMap));
        classMap = classMap[..pixels];

        int pos = WriteHeader(destination, width, height);
        int i = 0;
        while (i < pixels)
        {
            byte cls = classMap[i];
            int len = classMap[i..].IndexOfAnyExcept(cls);
            if (len < 0) len = pixels - i;
            if (pos + 1 + VarintLength((uint)len) > destination.Length)
                throw new ArgumentException("destination is too small", nameof(destination));
            destination[pos++] = cls;
            pos += WriteVarint(destination[pos..], (uint)len);
            i += len;
        }
        return pos;
    }

    /// <summary>Encodes into a new array of the exact size.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> classMap, int width, int height)
    {
        // Count first so the result is allocated once at its exact size.
        int pixels = checked(width * height);
        if (classMap.Length < pixels) throw new ArgumentException("class map is smaller than width * height", nameof(classMap));
        int size = HeaderSize;
        for (int i = 0; i < pixels;)
        {
            int len = classMap[i..pixels].IndexOfAnyExcept(classMap[i]);
            if (len < 0) len = pixels - i;
            size += 1 + VarintLength((uint)len);
            i += len;
        }
        var result = new byte[size];
        int written = Encode(classMap, width, height, result);
        return written == size ? result : throw new InvalidOperationException("RLE size mismatch");
    }

    /// <summary>Reads the header: size of the map the payload decodes to.</summary>
    public static (int Width, int Height) ReadHeader(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < HeaderSize || !encoded[..4].SequenceEqual(Magic))
            throw new InvalidDataException("not an ERLE mask (bad magic or too short)");
        if (encoded[4] != Version) throw new InvalidDataException($"ERLE version {encoded[4]} is not supported");
        int width = BinaryPrimitives.ReadUInt16LittleEndian(encoded[6..]);
        int height = BinaryPrimitives.ReadUInt16LittleEndian(encoded[8..]);
        if (width == 0 || height == 0) throw new InvalidDataException("ERLE mask has a zero dimension");
        return (width, height);
    }

    /// <summary>Decodes into <paramref name="classMap"/> (at least width * height bytes); returns the size.</summary>
    public static (int Width, int Height) Decode(ReadOnlySpan<byte> encoded, Span<byte> classMap)
    {
        var (width, height) = ReadHeader(encoded);
        int pixels = width * height;
        if (classMap.Length < pixels) throw new ArgumentException("class map buffer is smaller than width * height", nameof(classMap));
        int pos = HeaderSize, filled = 0;
        while (filled < pixels)
        {
            if (pos >= encoded.Length) throw new InvalidDataException("ERLE mask ends before all pixels are covered");
            byte cls = encoded[pos++];
            uint len = ReadVarint(encoded, ref pos);
            if (len == 0 || len > (uint)(pixels - filled)) throw new InvalidDataException("ERLE run length is zero or runs past the end of the mask");
            classMap.Slice(filled, (int)len).Fill(cls);
            filled += (int)len;
        }
        if (pos != encoded.Length) throw new InvalidDataException("ERLE mask has trailing bytes");
        return (width, height);
    }

    /// <summary>Decodes into a new array.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded, out int width, out int height)
    {
        (width, height) = ReadHeader(encoded);
        var map = new byte[width * height];
        Decode(encoded, map);
        return map;
    }

    private static int WriteHeader(Span<byte> destination, int width, int height)
    {
        if (destination.Length < HeaderSize) throw new ArgumentException("destination is too small", nameof(destination));
        Magic.CopyTo(destination);
        destination[4] = Version;
        destination[5] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)height);
        return HeaderSize;
    }

    internal static int VarintLength(uint value)
    {
        int n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    internal static int WriteVarint(Span<byte> destination, uint value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[n++] = (byte)value;
        return n;
    }

    internal static uint ReadVarint(ReadOnlySpan<byte> source, ref int pos)
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= source.Length) throw new InvalidDataException("ERLE varint is truncated");
            byte b = source[pos++];
            if (shift == 28 && b > 0x0F) throw new InvalidDataException("ERLE varint overflows 32 bits");
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("ERLE varint is too long");
    }
}
