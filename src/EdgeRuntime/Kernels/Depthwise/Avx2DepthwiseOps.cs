using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Depthwise;

// The operator structs of the fused AVX2 depthwise kernel (Avx2DepthwiseRows): input type, multiply-add, requantization.

/// <summary>How input bytes are read (int8 as x ^ 0x80 = x + 128, so both types zero-extend) and outputs narrowed.</summary>
internal unsafe interface IDwInput
{
    static abstract Vector256<byte> Load(byte* p);
    static abstract Vector128<byte> Load128(byte* p);
    /// <summary>8 bytes zero-extended to dwords.</summary>
    static abstract Vector256<int> Load8(byte* p);
    static abstract Vector256<byte> Narrow(Vector256<short> a, Vector256<short> b, Vector256<byte> min, Vector256<byte> max);
    static abstract Vector128<byte> Narrow(Vector128<short> a, Vector128<short> b, Vector128<byte> min, Vector128<byte> max);
}

internal unsafe struct DwU8 : IDwInput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(byte* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load128(byte* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load8(byte* p) => Avx2.ConvertToVector256Int32(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Narrow(Vector256<short> a, Vector256<short> b, Vector256<byte> min, Vector256<byte> max)
        => Avx2.Min(Avx2.Max(Avx2.PackUnsignedSaturate(a, b), min), max);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> a, Vector128<short> b, Vector128<byte> min, Vector128<byte> max)
        => Sse2.Min(Sse2.Max(Sse2.PackUnsignedSaturate(a, b), min), max);
}

internal unsafe struct DwS8 : IDwInput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(byte* p) => Avx2.Xor(Vector256.Load(p), Vector256.Create((byte)0x80));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load128(byte* p) => Sse2.Xor(Vector128.Load(p), Vector128.Create((byte)0x80));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load8(byte* p) => Avx2.Xor(Avx2.ConvertToVector256Int32(p), Vector256.Create(0x80));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Narrow(Vector256<short> a, Vector256<short> b, Vector256<byte> min, Vector256<byte> max)
        => Avx2.Min(Avx2.Max(Avx2.PackSignedSaturate(a, b), min.AsSByte()), max.AsSByte()).AsByte();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Narrow(Vector128<short> a, Vector128<short> b, Vector128<byte> min, Vector128<byte> max)
        => Sse41.Min(Sse41.Max(Sse2.PackSignedSaturate(a, b), min.AsSByte()), max.AsSByte()).AsByte();
}

/// <summary>acc + the int16 pair dot products of x and w, per int32 lane (exact: |products| &lt;= 2 * 255 * 255).</summary>
internal interface IDwMac
{
    static abstract Vector256<int> Dot(Vector256<int> acc, Vector256<short> x, Vector256<short> w);
}

internal struct DwMadd : IDwMac
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<short> x, Vector256<short> w) => Avx2.Add(acc, Avx2.MultiplyAddAdjacent(x, w));
}

internal struct DwVnni : IDwMac
{
    /// <summary>vpdpwssd (non-saturating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<int> acc, Vector256<short> x, Vector256<short> w) => AvxVnni.MultiplyWideningAndAdd(acc, x, w);
}
