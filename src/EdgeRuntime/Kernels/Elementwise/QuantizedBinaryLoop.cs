using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Elementwise;

/// <summary>
/// One quantized binary op on int32 lanes (codes widened from uint8/int8), at every width. Scalar must be the
/// reference arithmetic; the vector forms must equal it lane for lane.
/// </summary>
internal interface IQuantizedBinaryOp
{
    int Scalar(int a, int b);
    Vector128<int> Invoke<TMath>(Vector128<int> a, Vector128<int> b) where TMath : struct, IFixedPoint128;
    Vector256<int> InvokeAvx2(Vector256<int> a, Vector256<int> b);
}

/// <summary>
/// The loop shared by quantized ADD and MUL: 4-D numpy broadcasting split into contiguous rows over the
/// innermost dimension, each row run 32 (AVX2) / 16 (Vector128) codes at a time, scalar tail.
/// An operand whose innermost stride is 0 (e.g. [N,H,W,1]) is splatted. The output may alias an operand of its own shape.
/// </summary>
internal static class QuantizedBinaryLoop
{
    public static void Run<TOp, T>(SimdVariant variant, in TOp op, Shape4 shape1, ReadOnlySpan<T> input1, Shape4 shape2, ReadOnlySpan<T> input2, Shape4 outputShape, Span<T> output)
        where TOp : struct, IQuantizedBinaryOp
        where T : unmanaged, IBinaryInteger<T>
    {
        KernelDispatcher.AssertSupported(variant);
        if (output.Length != outputShape.FlatSize) throw new ArgumentException($"output has {output.Length} elements, shape {outputShape} needs {outputShape.FlatSize}");
        if (shape1 == outputShape && shape2 == outputShape)
        {
            Row(variant, op, input1[..output.Length], false, input2[..output.Length], false, output);
            return;
        }
        if (shape1.FlatSize == 1 && shape2 == outputShape) { Row(variant, op, input1, true, input2[..output.Length], false, output); return; }
        if (shape2.FlatSize == 1 && shape1 == outputShape) { Row(variant, op, input1[..output.Length], false, input2, true, output); return; }

        Broadcast4 b1 = Broadcast4.For(shape1, outputShape), b2 = Broadcast4.For(shape2, outputShape);
        int depth = outputShape.C;
        bool splat1 = b1.C == 0, splat2 = b2.C == 0;
        int o = 0;
        for (int n = 0; n < outputShape.N; n++)
            for (int h = 0; h < outputShape.H; h++)
                for (int w = 0; w < outputShape.W; w++, o += depth)
                {
                    int o1 = b1.Offset(n, h, w, 0), o2 = b2.Offset(n, h, w, 0);
                    Row(variant, op, input1.Slice(o1, splat1 ? 1 : depth), splat1, input2.Slice(o2, splat2 ? 1 : depth), splat2, output.Slice(o, depth));
                }
    }

    private static void Row<TOp, T>(SimdVariant variant, in TOp op, ReadOnlySpan<T> a, bool splatA, ReadOnlySpan<T> b, bool splatB, Span<T> output)
        where TOp : struct, IQuantizedBinaryOp
        where T : unmanaged, IBinaryInteger<T>
    {
        int n = output.Length;
        int i = 0;
        if (variant == SimdVariant.Avx2 && n >= Vector256<T>.Count) i = RowAvx2(op, a, splatA, b, splatB, output);
        else if (variant == SimdVariant.AdvSimd) i = Row128<TOp, AdvSimdFixedPoint, T>(op, a, splatA, b, splatB, output);
        else i = Row128<TOp, PortableFixedPoint, T>(op, a, splatA, b, splatB, output);
        for (; i < n; i++)
            output[i] = T.CreateTruncating(op.Scalar(int.CreateTruncating(a[splatA ? 0 : i]), int.CreateTruncating(b[splatB ? 0 : i])));
    }

    private static int Row128<TOp, TMath, T>(in TOp op, ReadOnlySpan<T> a, bool splatA, ReadOnlySpan<T> b, bool splatB, Span<T> output)
        where TOp : struct, IQuantizedBinaryOp
        where TMath : struct, IFixedPoint128
        where T : unmanaged
    {
        int n = output.Length;
        int step = Vector128<T>.Count;
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T ro = ref MemoryMarshal.GetReference(output);
        Vector128<T> va = splatA ? Vector128.Create(a[0]) : default;
        Vector128<T> vb = splatB ? Vector128.Create(b[0]) : default;
        int i = 0;
        for (; i <= n - step; i += step)
        {
            if (!splatA) va = Vector128.LoadUnsafe(ref ra, (nuint)i);
            if (!splatB) vb = Vector128.LoadUnsafe(ref rb, (nuint)i);
            Codes.Widen(va, out var a0, out var a1, out var a2, out var a3);
            Codes.Widen(vb, out var b0, out var b1, out var b2, out var b3);
            Codes.Narrow<T>(
                op.Invoke<TMath>(a0, b0), op.Invoke<TMath>(a1, b1),
                op.Invoke<TMath>(a2, b2), op.Invoke<TMath>(a3, b3)).StoreUnsafe(ref ro, (nuint)i);
        }
        return i;
    }

    private static int RowAvx2<TOp, T>(in TOp op, ReadOnlySpan<T> a, bool splatA, ReadOnlySpan<T> b, bool splatB, Span<T> output)
        where TOp : struct, IQuantizedBinaryOp
        where T : unmanaged
    {
        int n = output.Length;
        int step = Vector256<T>.Count;
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T ro = ref MemoryMarshal.GetReference(output);
        Vector256<T> va = splatA ? Vector256.Create(a[0]) : default;
        Vector256<T> vb = splatB ? Vector256.Create(b[0]) : default;
        int i = 0;
        for (; i <= n - step; i += step)
        {
            if (!splatA) va = Vector256.LoadUnsafe(ref ra, (nuint)i);
            if (!splatB) vb = Vector256.LoadUnsafe(ref rb, (nuint)i);
            Codes.Widen(va, out var a0, out var a1, out var a2, out var a3);
            Codes.Widen(vb, out var b0, out var b1, out var b2, out var b3);
            Codes.Narrow<T>(op.InvokeAvx2(a0, b0), op.InvokeAvx2(a1, b1), op.InvokeAvx2(a2, b2), op.InvokeAvx2(a3, b3)).StoreUnsafe(ref ro, (nuint)i);
        }
        // A 16..31 code remainder still runs on Vector128 before the scalar tail.
        return i + Row128<TOp, PortableFixedPoint, T>(op, splatA ? a : a[i..], splatA, splatB ? b : b[i..], splatB, output[i..]);
    }
}
