using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// Where every tensor's bytes are during a run: activations at planned offsets in one arena,
/// constants as slices of the model file. Built once; handing out spans allocates nothing.
/// </summary>
internal sealed class TensorMemory
{
    private readonly byte[] _arena;
    private readonly long[] _offsets;
    private readonly long[] _sizes;
    private readonly ReadOnlyMemory<byte>[] _constants;

    public TensorMemory(byte[] arena, long[] offsets, long[] sizes, ReadOnlyMemory<byte>[] constants)
    {
        _arena = arena;
        _offsets = offsets;
        _sizes = sizes;
        _constants = constants;
    }

    /// <summary>The arena itself (for diagnostics and tests).</summary>
    public byte[] Arena => _arena;

    public bool IsConstant(int tensor) => !_constants[tensor].IsEmpty;

    /// <summary>Arena offset of a non-constant tensor.</summary>
    public long OffsetOf(int tensor) => _offsets[tensor];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Bytes(int tensor)
    {
        if (!_constants[tensor].IsEmpty)
            throw new InvalidOperationException($"tensor {tensor} is a constant and cannot be written");
        return _arena.AsSpan((int)_offsets[tensor], (int)_sizes[tensor]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ReadOnlyBytes(int tensor)
    {
        ReadOnlyMemory<byte> constant = _constants[tensor];
        return constant.IsEmpty ? _arena.AsSpan((int)_offsets[tensor], (int)_sizes[tensor]) : constant.Span;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Span<T>(int tensor) where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes(tensor));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<T> ReadOnly<T>(int tensor) where T : unmanaged => MemoryMarshal.Cast<byte, T>(ReadOnlyBytes(tensor));

    /// <summary>A scratch region of the arena reserved for one operator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Scratch(long offset, long size) => _arena.AsSpan((int)offset, (int)size);
}
