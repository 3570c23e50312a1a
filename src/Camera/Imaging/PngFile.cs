using System.Buffers.Binary;
using System.IO.Hashing;

namespace EdgeRuntime.Camera.Imaging;

/// <summary>PNG container structure: signature, chunks with CRCs, IHDR, IDAT ranges, IEND.</summary>
internal readonly struct PngHeader
{
    public int Width { get; init; }
    public int Height { get; init; }
    public int BitDepth { get; init; }
    public int ColorType { get; init; }
    public bool Interlaced { get; init; }
    /// <summary>Total IDAT payload bytes.</summary>
    public int IdatBytes { get; init; }

    public int Channels => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
}

internal static class PngFile
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    /// <summary>
    /// Walks every chunk, checks lengths and CRCs, the IHDR fields and the presence of IDAT and IEND.
    /// Throws <see cref="InvalidDataException"/> for anything corrupt or truncated.
    /// </summary>
    public static PngHeader Validate(ReadOnlySpan<byte> data)
    {
        if (!HasSignature(data)) throw new InvalidDataException("not a PNG file (bad signature)");
        int pos = 8;
        bool first = true, sawIend = false;
        PngHeader header = default;
        long idat = 0;
        while (pos < data.Length)
        {
            if (data.Length - pos < 12) throw new InvalidDataException($"truncated PNG: incomplete chunk header at byte {pos}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            if (length > int.MaxValue || length > (uint)(data.Length - pos - 12))
                throw new InvalidDataException($"truncated PNG: chunk at byte {pos} claims {length} bytes, only {data.Length - pos - 12} remain");
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            ReadOnlySpan<byte> body = data.Slice(pos + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            if (Crc32.HashToUInt32(data.Slice(pos + 4, 4 + (int)length)) != crc)
                throw new InvalidDataException($"corrupt PNG: CRC mismatch in chunk '{TypeName(type)}' at byte {pos}");
            if (first)
            {
                if (!type.SequenceEqual("IHDR"u8) || length != 13) throw new InvalidDataException("corrupt PNG: first chunk is not a 13-byte IHDR");
                header = ParseIhdr(body);
                first = false;
            }
            else if (type.SequenceEqual("IDAT"u8)) idat += length;
            else if (type.SequenceEqual("IEND"u8)) { sawIend = true; break; }
            pos += 12 + (int)length;
        }
        if (first) throw new InvalidDataException("truncated PNG: no IHDR chunk");
        if (!sawIend) throw new InvalidDataException("truncated PNG: IEND chunk missing");
        if (idat == 0) throw new InvalidDataException("corrupt PNG: no IDAT data");
        if (idat > int.MaxValue) throw new InvalidDataException("PNG image data too large");
        return header with { IdatBytes = (int)idat };
    }

    /// <summary>Copies the concatenated IDAT payloads of a validated PNG into <paramref name="into"/>.</summary>
    public static void CopyIdat(ReadOnlySpan<byte> data, Span<byte> into)
    {
        int pos = 8, written = 0;
        while (pos + 12 <= data.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            if (type.SequenceEqual("IDAT"u8))
            {
                data.Slice(pos + 8, length).CopyTo(into[written..]);
                written += length;
            }
            else if (type.SequenceEqual("IEND"u8)) break;
            pos += 12 + length;
        }
    }

    private static PngHeader ParseIhdr(ReadOnlySpan<byte> b)
    {
        uint w = BinaryPrimitives.ReadUInt32BigEndian(b);
        uint h = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        int depth = b[8], color = b[9], compression = b[10], filter = b[11], interlace = b[12];
        if (w == 0 || h == 0 || w > 16384 || h > 16384) throw new InvalidDataException($"PNG size {w}x{h} is out of range (1..16384)");
        bool depthOk = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!depthOk) throw new InvalidDataException($"corrupt PNG: colour type {color} with bit depth {depth} is invalid");
        if (compression != 0 || filter != 0 || interlace > 1) throw new InvalidDataException("corrupt PNG: unknown compression, filter or interlace method");
        return new PngHeader { Width = (int)w, Height = (int)h, BitDepth = depth, ColorType = color, Interlaced = interlace == 1 };
    }

    private static string TypeName(ReadOnlySpan<byte> type)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = type[i] is >= 0x20 and < 0x7F ? (char)type[i] : '?';
        return new string(c);
    }
}
