using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace EdgeRuntime.Onnx;

/// <summary>
/// Minimal protobuf wire-format writer (varints, 32-bit fixed, length-delimited fields).
/// Only what the ONNX messages need; output depends only on the call sequence, so it is deterministic.
/// Nested messages are written into a child writer and then copied in with their length prefix.
/// </summary>
public sealed class ProtoWriter
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer;

    public ProtoWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(Math.Max(1, initialCapacity));

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Raw base-128 varint (little-endian groups of 7 bits, high bit = more). Negative int64 takes 10 bytes.</summary>
    public void WriteRawVarint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _buffer.Advance(n);
    }

    public static int VarintSize(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    public void WriteTag(int field, int wireType)
    {
        if (field <= 0) throw new ArgumentOutOfRangeException(nameof(field), field, "protobuf field numbers start at 1");
        WriteRawVarint(((ulong)(uint)field << 3) | (uint)wireType);
    }

    /// <summary>int32/int64/enum field: negative values are sign-extended to 64 bits (10-byte varint), as protobuf does.</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteRawVarint(unchecked((ulong)value));
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        Span<byte> span = _buffer.GetSpan(4);
        BinaryPrimitives.WriteSingleLittleEndian(span, value);
        _buffer.Advance(4);
    }

    public void WriteBytes(int field, ReadOnlySpan<byte> bytes)
    {
        WriteTag(field, WireLengthDelimited);
        WriteRawVarint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    public void WriteString(int field, string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> scratch = max <= 256 ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        int n = Encoding.UTF8.GetBytes(value, scratch);
        WriteBytes(field, scratch[..n]);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>Embedded message: the body is written to a child writer, then copied in as a length-delimited field.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> body)
    {
        var child = new ProtoWriter();
        body(child);
        WriteBytes(field, child.WrittenSpan);
    }

    /// <summary>Embedded message from an object that knows how to write itself.</summary>
    public void WriteMessage(int field, IProtoMessage message)
    {
        var child = new ProtoWriter();
        message.WriteTo(child);
        WriteBytes(field, child.WrittenSpan);
    }
}

/// <summary>A message that can serialize its fields.</summary>
public interface IProtoMessage
{
    void WriteTo(ProtoWriter writer);
}
