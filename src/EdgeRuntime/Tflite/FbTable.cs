namespace EdgeRuntime.Tflite;

/// <summary>
/// One FlatBuffer table whose vtable and inline bytes were checked to lie inside the file.
/// Field ids are the schema's declaration order (a union takes two ids: its type, then its value).
/// Absent fields yield the schema default; present fields must lie inside the table's inline size.
/// </summary>
internal readonly struct FbTable
{
    private readonly FlatBufferReader _r;
    private readonly int _pos;
    private readonly int _vt;
    private readonly int _vtSize;
    private readonly int _tableSize;

    public FbTable(FlatBufferReader reader, int pos, int vt, int vtSize, int tableSize, string path)
    {
        _r = reader;
        _pos = pos;
        _vt = vt;
        _vtSize = vtSize;
        _tableSize = tableSize;
        Path = path;
    }

    /// <summary>Where this table sits in the model, for error messages (e.g. "subgraphs[0].operators[3]").</summary>
    public string Path { get; }

    /// <summary>Absolute position of field <paramref name="id"/>, or -1 when the vtable says it is absent.</summary>
    private int FieldPos(int id, int size, string name)
    {
        int entry = 4 + 2 * id;
        if (entry + 2 > _vtSize) return -1; // vtables written by older schemas are shorter: field absent
        int off = _r.ReadU16(_vt + entry);
        if (off == 0) return -1;
        if (off < 4 || off + size > _tableSize)
            throw FlatBufferReader.Fail(FlatBufferReader.Join(Path, name), $"field offset {off} lies outside its {_tableSize}-byte table");
        return _pos + off;
    }

    public bool Has(int id) => FieldPos(id, 1, "?") >= 0;

    /// <summary>Absolute position of the table (its soffset) in the file; for tools and tests that patch files.</summary>
    public int Position => _pos;

    /// <summary>Absolute position of a present field's inline value, or -1 (for tools and tests that patch files).</summary>
    public int FieldPosition(int id) => FieldPos(id, 1, "?");

    public byte U8(int id, string name, byte dflt = 0) { int p = FieldPos(id, 1, name); return p < 0 ? dflt : _r.ReadU8(p); }
    public sbyte I8(int id, string name, sbyte dflt = 0) { int p = FieldPos(id, 1, name); return p < 0 ? dflt : (sbyte)_r.ReadU8(p); }
    public bool Bool(int id, string name, bool dflt = false) { int p = FieldPos(id, 1, name); return p < 0 ? dflt : _r.ReadU8(p) != 0; }
    public int I32(int id, string name, int dflt = 0) { int p = FieldPos(id, 4, name); return p < 0 ? dflt : _r.ReadI32(p); }
    public uint U32(int id, string name, uint dflt = 0) { int p = FieldPos(id, 4, name); return p < 0 ? dflt : _r.ReadU32(p); }
    public ulong U64(int id, string name, ulong dflt = 0) { int p = FieldPos(id, 8, name); return p < 0 ? dflt : _r.ReadU64(p); }
    public float F32(int id, string name, float dflt = 0) { int p = FieldPos(id, 4, name); return p < 0 ? dflt : _r.ReadF32(p); }

    /// <summary>A sub-table, or null when the field is absent.</summary>
    public FbTable? Table(int id, string name)
    {
        int p = FieldPos(id, 4, name);
        return p < 0 ? null : _r.TableAt(_r.Deref(p), FlatBufferReader.Join(Path, name));
    }

    /// <summary>A vector of <paramref name="elemSize"/>-byte elements; absent reads as an empty vector with IsPresent false.</summary>
    public FbVector Vector(int id, string name, int elemSize)
    {
        int p = FieldPos(id, 4, name);
        return p < 0 ? FbVector.Absent(_r, Path, name) : _r.VectorAt(_r.Deref(p), elemSize, Path, name);
    }

    public string? String(int id, string name)
    {
        int p = FieldPos(id, 4, name);
        return p < 0 ? null : _r.StringAt(_r.Deref(p), FlatBufferReader.Join(Path, name));
    }
}

/// <summary>A vector whose whole extent (count * element size) was checked to fit in the file.</summary>
internal readonly struct FbVector
{
    private readonly FlatBufferReader _r;
    private readonly int _start;
    private readonly int _elemSize;
    private readonly string _parentPath;
    private readonly string _name;

    public FbVector(FlatBufferReader reader, int start, int count, int elemSize, string parentPath, string name, bool present = true)
    {
        _r = reader;
        _start = start;
        Count = count;
        _elemSize = elemSize;
        _parentPath = parentPath;
        _name = name;
        IsPresent = present;
    }

    public static FbVector Absent(FlatBufferReader reader, string parentPath, string name) =>
        new(reader, 0, 0, 1, parentPath, name, present: false);

    public int Count { get; }
    public bool IsPresent { get; }

    /// <summary>Absolute position of element 0; the 4-byte length sits just before it.</summary>
    public int Start => _start;
    public string Path => FlatBufferReader.Join(_parentPath, _name);

    public string ElementPath(int i) => $"{Path}[{i}]";

    // Element reads need no further checks: the constructor proved the whole vector is in bounds.
    public int I32(int i) => _r.ReadI32(_start + (long)i * 4);
    public long I64(int i) => _r.ReadI64(_start + (long)i * 8);
    public float F32(int i) => _r.ReadF32(_start + (long)i * 4);

    public FbTable Table(int i)
    {
        int fieldPos = _start + i * 4;
        return _r.TableAt(_r.Deref(fieldPos), ElementPath(i));
    }

    /// <summary>The raw bytes of the vector (a slice of the file, not a copy).</summary>
    public ReadOnlyMemory<byte> Bytes => _r.Memory.Slice(_start, Count * _elemSize);

    public int[] ToInt32Array()
    {
        _r.Charge(Count, Path);
        var a = new int[Count];
        for (int i = 0; i < a.Length; i++) a[i] = I32(i);
        return a;
    }

    public float[] ToFloatArray()
    {
        _r.Charge(Count, Path);
        var a = new float[Count];
        for (int i = 0; i < a.Length; i++) a[i] = F32(i);
        return a;
    }

    public long[] ToInt64Array()
    {
        _r.Charge(Count, Path);
        var a = new long[Count];
        for (int i = 0; i < a.Length; i++) a[i] = I64(i);
        return a;
    }
}
