using System.Buffers.Binary;
using System.Text;

namespace EdgeRuntime.Tflite;

/// <summary>Something stored in a FlatBuffer and referenced by an offset: a table, vector or string.</summary>
internal abstract class FbNode;

/// <summary>A position inside the output, known once the buffer is serialized (for fields patched afterwards).</summary>
internal sealed class FbSlot
{
    public int Position { get; set; } = -1;
}

/// <summary>A table under construction. Scalars equal to their schema default are left out, as flatc does.</summary>
internal sealed class FbTableNode : FbNode
{
    internal readonly record struct Field(int Id, int Size, ulong Bits, FbNode? Child, FbSlot? Slot);

    internal List<Field> Fields { get; } = [];

    private FbTableNode Scalar(int id, int size, ulong bits)
    {
        Fields.Add(new Field(id, size, bits, null, null));
        return this;
    }

    public FbTableNode I8(int id, sbyte v, sbyte dflt = 0) => v == dflt ? this : Scalar(id, 1, (byte)v);
    public FbTableNode U8(int id, byte v, byte dflt = 0) => v == dflt ? this : Scalar(id, 1, v);
    public FbTableNode Bool(int id, bool v, bool dflt = false) => v == dflt ? this : Scalar(id, 1, v ? 1u : 0u);
    public FbTableNode I32(int id, int v, int dflt = 0) => v == dflt ? this : Scalar(id, 4, (uint)v);
    public FbTableNode U32(int id, uint v, uint dflt = 0) => v == dflt ? this : Scalar(id, 4, v);
    public FbTableNode U64(int id, ulong v, ulong dflt = 0) => v == dflt ? this : Scalar(id, 8, v);

    // Compared by bits so -0.0 and NaN payloads survive a round trip.
    public FbTableNode F32(int id, float v, float dflt = 0) =>
        BitConverter.SingleToUInt32Bits(v) == BitConverter.SingleToUInt32Bits(dflt) ? this : Scalar(id, 4, BitConverter.SingleToUInt32Bits(v));

    /// <summary>An 8-byte field always written (even if 0) whose position is recorded for later patching.</summary>
    public FbTableNode U64Slot(int id, FbSlot slot)
    {
        Fields.Add(new Field(id, 8, 0, null, slot));
        return this;
    }

    public FbTableNode Ref(int id, FbNode? child)
    {
        if (child is not null) Fields.Add(new Field(id, 4, 0, child, null));
        return this;
    }
}

/// <summary>A vector of tables (or other nodes), stored as offsets.</summary>
internal sealed class FbNodeVector(IReadOnlyList<FbNode> items) : FbNode
{
    public IReadOnlyList<FbNode> Items { get; } = items;
}

/// <summary>A vector of scalars given as their little-endian bytes.</summary>
internal sealed class FbScalarVector(ReadOnlyMemory<byte> bytes, int elemSize, int forceAlign = 0) : FbNode
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;
    public int ElemSize { get; } = elemSize;
    public int Align { get; } = Math.Max(Math.Max(4, elemSize), forceAlign);

    public static FbScalarVector Of(ReadOnlySpan<int> v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(i * 4), v[i]);
        return new FbScalarVector(b, 4);
    }

    public static FbScalarVector Of(ReadOnlySpan<float> v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), v[i]);
        return new FbScalarVector(b, 4);
    }

    public static FbScalarVector Of(ReadOnlySpan<long> v)
    {
        var b = new byte[v.Length * 8];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(i * 8), v[i]);
        return new FbScalarVector(b, 8);
    }
}

internal sealed class FbStringNode(string value) : FbNode
{
    public string Value { get; } = value;
}

/// <summary>
/// Serializes a tree of <see cref="FbNode"/>s front to back: the root offset, the file identifier, then nodes
/// breadth-first, each placed after whatever refers to it (so every unsigned offset points forward).
/// Each scalar is aligned to its size in absolute file position and vectors to their element alignment
/// (or force_align), as the FlatBuffers verifier demands. Identical vtables are shared. The output depends
/// only on the tree, so it is deterministic.
/// </summary>
internal sealed class FlatBufferBuilder
{
    private byte[] _buf;
    private int _len;
    private readonly Dictionary<string, int> _vtables = new(StringComparer.Ordinal);
    private readonly Queue<(FbNode Node, int PatchAt)> _pending = new();

    public FlatBufferBuilder(int initialCapacity = 1 << 16) => _buf = new byte[Math.Max(initialCapacity, 64)];

    public int Length => _len;

    /// <summary>Writes the whole buffer; the bytes are available through <see cref="ToArray"/> and can be appended to.</summary>
    public void Finish(FbTableNode root, string fileIdentifier)
    {
        if (fileIdentifier.Length != 4) throw new ArgumentException("file identifier must be 4 characters", nameof(fileIdentifier));
        Reserve(8);
        Encoding.ASCII.GetBytes(fileIdentifier, _buf.AsSpan(4, 4));
        _len = 8;
        _pending.Enqueue((root, 0));
        while (_pending.Count > 0)
        {
            var (node, patchAt) = _pending.Dequeue();
            int pos = Place(node);
            BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(patchAt), (uint)(pos - patchAt));
        }
    }

    /// <summary>Appends raw bytes at an aligned position (for data stored after the FlatBuffer) and returns where.</summary>
    public int AppendRaw(ReadOnlySpan<byte> data, int align)
    {
        Pad(align);
        int pos = _len;
        Reserve(data.Length);
        data.CopyTo(_buf.AsSpan(_len));
        _len += data.Length;
        return pos;
    }

    public void PatchU64(int pos, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(pos, 8), value);

    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();

    private int Place(FbNode node) => node switch
    {
        FbTableNode t => PlaceTable(t),
        FbScalarVector v => PlaceScalarVector(v),
        FbNodeVector v => PlaceNodeVector(v),
        FbStringNode s => PlaceString(s),
        _ => throw new InvalidOperationException($"unknown node {node.GetType().Name}"),
    };

    private int PlaceTable(FbTableNode t)
    {
        // Layout: soffset to the vtable, then fields largest first (least padding), ties by id.
        var fields = t.Fields.OrderByDescending(f => f.Size).ThenBy(f => f.Id).ToArray();
        int maxId = -1;
        foreach (var f in fields)
        {
            if (fields.Count(g => g.Id == f.Id) > 1) throw new InvalidOperationException($"field {f.Id} set twice");
            maxId = Math.Max(maxId, f.Id);
        }
        int tableAlign = fields.Any(f => f.Size == 8) ? 8 : 4;
        var offsets = new int[fields.Length];
        int size = 4;
        for (int i = 0; i < fields.Length; i++)
        {
            size = AlignUp(size, fields[i].Size);
            offsets[i] = size;
            size += fields[i].Size;
        }
        if (size > ushort.MaxValue) throw new InvalidOperationException("table too large");

        var vt = new char[2 + maxId + 1]; // u16 entries, as chars so they can key the dedup dictionary
        vt[0] = (char)(4 + 2 * (maxId + 1));
        vt[1] = (char)size;
        for (int i = 0; i < fields.Length; i++) vt[2 + fields[i].Id] = (char)offsets[i];
        string key = new(vt);
        if (!_vtables.TryGetValue(key, out int vtPos))
        {
            Pad(2);
            vtPos = _len;
            Reserve(vt.Length * 2);
            foreach (char c in vt) { BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(_len), c); _len += 2; }
            _vtables.Add(key, vtPos);
        }

        Pad(tableAlign);
        int pos = _len;
        Reserve(size);
        _buf.AsSpan(pos, size).Clear();
        _len += size;
        BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(pos), pos - vtPos);
        // Children are queued in field-id order so the layout reads naturally.
        foreach (int i in Enumerable.Range(0, fields.Length).OrderBy(i => fields[i].Id))
        {
            var f = fields[i];
            int at = pos + offsets[i];
            if (f.Child is not null) _pending.Enqueue((f.Child, at));
            else if (f.Slot is not null) f.Slot.Position = at;
            else WriteScalar(at, f.Size, f.Bits);
        }
        return pos;
    }

    private void WriteScalar(int at, int size, ulong bits)
    {
        switch (size)
        {
            case 1: _buf[at] = (byte)bits; break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(at), (uint)bits); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(at), bits); break;
            default: throw new InvalidOperationException($"unsupported scalar size {size}");
        }
    }

    private int PlaceScalarVector(FbScalarVector v)
    {
        // The elements (not the length) must be aligned: put the length just before an aligned position.
        int start = AlignUp(_len + 4, v.Align) - 4;
        Reserve(start - _len + 4 + v.Bytes.Length);
        _buf.AsSpan(_len, start - _len).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(start), (uint)(v.Bytes.Length / v.ElemSize));
        v.Bytes.Span.CopyTo(_buf.AsSpan(start + 4));
        _len = start + 4 + v.Bytes.Length;
        return start;
    }

    private int PlaceNodeVector(FbNodeVector v)
    {
        Pad(4);
        int start = _len;
        Reserve(4 + 4 * v.Items.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(start), (uint)v.Items.Count);
        _len += 4 + 4 * v.Items.Count;
        for (int i = 0; i < v.Items.Count; i++) _pending.Enqueue((v.Items[i], start + 4 + 4 * i));
        return start;
    }

    private int PlaceString(FbStringNode s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s.Value);
        Pad(4);
        int start = _len;
        Reserve(4 + utf8.Length + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(start), (uint)utf8.Length);
        utf8.CopyTo(_buf.AsSpan(start + 4));
        _buf[start + 4 + utf8.Length] = 0;
        _len = start + 4 + utf8.Length + 1;
        return start;
    }

    private static int AlignUp(int x, int a) => (x + a - 1) & ~(a - 1);

    private void Pad(int align)
    {
        int target = AlignUp(_len, align);
        Reserve(target - _len);
        _buf.AsSpan(_len, target - _len).Clear();
        _len = target;
    }

    private void Reserve(int extra)
    {
        long need = (long)_len + extra;
        if (need > int.MaxValue - 64) throw new InvalidOperationException("model does not fit in a 2 GB FlatBuffer");
        if (need <= _buf.Length) return;
        long cap = Math.Max(need, Math.Min((long)_buf.Length * 2, int.MaxValue - 64));
        Array.Resize(ref _buf, (int)cap);
    }
}
