using System.Buffers.Binary;
using System.Text;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Tflite;

/// <summary>
/// Bounds-checked access to a FlatBuffer held in memory. Model files come from disk or the network, so
/// nothing in them is trusted: every offset, vtable, vector length and string is checked against the
/// buffer before use, and every failure is a <see cref="ModelFormatException"/> naming the path of the
/// field (e.g. "subgraphs[0].tensors[17].shape"). Reads are little-endian and alignment-independent.
/// </summary>
/// <remarks>
/// A hostile file can make many tables point at the same large vector or string, which would make the
/// total work (and allocation) quadratic in the file size even though each single access is in bounds.
/// So the reader carries a work budget, charged per table opened and per element copied out, and gives
/// up once it is spent.
/// </remarks>
internal sealed class FlatBufferReader
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private long _budget;

    public FlatBufferReader(ReadOnlyMemory<byte> bytes, long workBudget)
    {
        _bytes = bytes;
        _budget = workBudget;
    }

    public int Length => _bytes.Length;

    public ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>The table the root offset (the first 4 bytes) points at.</summary>
    public FbTable Root(string path)
    {
        if (Length < 8)
            throw Fail(path, $"file is {Length} bytes, too short for a FlatBuffer header (8 bytes)");
        return TableAt(ReadU32(0), path);
    }

    /// <summary>The 4 bytes after the root offset, where a file identifier sits if the writer put one there.</summary>
    public ReadOnlySpan<byte> IdentifierBytes => Length >= 8 ? _bytes.Span.Slice(4, 4) : default;

    public FbTable TableAt(long pos, string path)
    {
        Charge(8, path);
        if (pos < 0 || pos + 4 > Length) throw Fail(path, $"table offset {pos} points outside the file ({Length} bytes)");
        long vt = pos - ReadI32(pos);
        if (vt < 0 || vt + 4 > Length) throw Fail(path, $"vtable offset {vt} points outside the file");
        int vtSize = ReadU16(vt);
        int tableSize = ReadU16(vt + 2);
        if (vtSize < 4 || (vtSize & 1) != 0) throw Fail(path, $"invalid vtable size {vtSize}");
        if (vt + vtSize > Length) throw Fail(path, "vtable runs past end of file");
        if (tableSize < 4) throw Fail(path, $"invalid table size {tableSize}");
        if (pos + tableSize > Length) throw Fail(path, "table runs past end of file");
        return new FbTable(this, (int)pos, (int)vt, vtSize, tableSize, path);
    }

    /// <summary>Follows the unsigned offset stored at <paramref name="fieldPos"/>; the target is relative to the field.</summary>
    public long Deref(int fieldPos) => (long)fieldPos + ReadU32(fieldPos);

    public FbVector VectorAt(long pos, int elemSize, string parentPath, string name)
    {
        if (pos + 4 > Length) throw Fail(Join(parentPath, name), $"vector offset {pos} points outside the file");
        uint count = ReadU32(pos);
        // Checked before anything is allocated: a length of 0x7fffffff in a small file fails here.
        if ((long)count * elemSize > Length - pos - 4)
            throw Fail(Join(parentPath, name), $"vector of {count} elements runs past end of file");
        return new FbVector(this, (int)pos + 4, (int)count, elemSize, parentPath, name);
    }

    public string StringAt(long pos, string path)
    {
        if (pos + 4 > Length) throw Fail(path, $"string offset {pos} points outside the file");
        uint len = ReadU32(pos);
        // The FlatBuffers format stores a NUL after the bytes, so len + 1 must fit.
        if ((long)len + 1 > Length - pos - 4) throw Fail(path, $"string of {len} bytes runs past end of file");
        if (_bytes.Span[(int)(pos + 4 + len)] != 0) throw Fail(path, "string is not NUL-terminated");
        Charge(len, path);
        return Encoding.UTF8.GetString(_bytes.Span.Slice((int)pos + 4, (int)len));
    }

    /// <summary>Spends <paramref name="units"/> of the work budget (see remarks on the class).</summary>
    public void Charge(long units, string path)
    {
        _budget -= units;
        if (_budget < 0)
            throw Fail(path, $"model structure is implausibly large for a {Length}-byte file (shared or overlapping data?)");
    }

    public byte ReadU8(long pos) => _bytes.Span[(int)pos];
    public ushort ReadU16(long pos) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.Span.Slice((int)pos, 2));
    public int ReadI32(long pos) => BinaryPrimitives.ReadInt32LittleEndian(_bytes.Span.Slice((int)pos, 4));
    public uint ReadU32(long pos) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.Span.Slice((int)pos, 4));
    public long ReadI64(long pos) => BinaryPrimitives.ReadInt64LittleEndian(_bytes.Span.Slice((int)pos, 8));
    public ulong ReadU64(long pos) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.Span.Slice((int)pos, 8));
    public float ReadF32(long pos) => BinaryPrimitives.ReadSingleLittleEndian(_bytes.Span.Slice((int)pos, 4));

    /// <summary>The path of a child field; the root table's path is empty so children read "subgraphs[0]...".</summary>
    public static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static ModelFormatException Fail(string path, string problem) =>
        new($"{(path.Length == 0 ? "model" : path)}: {problem}");
}
