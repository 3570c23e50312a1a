using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Resize;

/// <summary>
/// The per-row and per-column interpolation positions of one RESIZE_BILINEAR, computed once (in Prepare) with the
/// reference's own functions, so kernels only do the per-pixel weights and the per-channel arithmetic.
/// </summary>
internal sealed class ResizeBilinearPlan
{
    private ResizeBilinearPlan(ResizeBilinearParams p, Shape4 input, Shape4 output)
    {
        Params = p;
        Input = input;
        Output = output;
        float hs = ResizeBilinearReference.Scale(input.H, output.H, p.AlignCorners);
        float ws = ResizeBilinearReference.Scale(input.W, output.W, p.AlignCorners);
        int hs10 = ResizeBilinearReference.Scale10(input.H, output.H, p.AlignCorners);
        int ws10 = ResizeBilinearReference.Scale10(input.W, output.W, p.AlignCorners);
        (YScaled, Y0, Y1) = (new float[output.H], new int[output.H], new int[output.H]);
        (XScaled, X0, X1) = (new float[output.W], new int[output.W], new int[output.W]);
        (YFrac10, Y0i, Y1i) = (new int[output.H], new int[output.H], new int[output.H]);
        (XFrac10, X0i, X1i) = (new int[output.W], new int[output.W], new int[output.W]);
        bool inside = true;
        for (int y = 0; y < output.H; y++)
        {
            ResizeBilinearReference.InterpolationValues(y, hs, p.HalfPixelCenters, input.H, out YScaled[y], out Y0[y], out Y1[y]);
            ResizeBilinearReference.InterpolationValuesInteger(y, hs10, p.HalfPixelCenters, input.H, out int s, out Y0i[y], out Y1i[y]);
            YFrac10[y] = s - (1 << 10) * Y0i[y];
            inside &= In(Y0[y], input.H) && In(Y1[y], input.H) && In(Y0i[y], input.H) && In(Y1i[y], input.H) && YFrac10[y] is > -1024 and <= 1024;
        }
        for (int x = 0; x < output.W; x++)
        {
            ResizeBilinearReference.InterpolationValues(x, ws, p.HalfPixelCenters, input.W, out XScaled[x], out X0[x], out X1[x]);
            ResizeBilinearReference.InterpolationValuesInteger(x, ws10, p.HalfPixelCenters, input.W, out int s, out X0i[x], out X1i[x]);
            XFrac10[x] = s - (1 << 10) * X0i[x];
            inside &= In(X0[x], input.W) && In(X1[x], input.W) && In(X0i[x], input.W) && In(X1i[x], input.W) && XFrac10[x] is > -1024 and <= 1024;
        }
        // Degenerate scales (e.g. align_corners with a huge output) can index past the input in the reference; the SIMD
        // kernels use unchecked loads, so such plans run the (bounds-checked) reference instead.
        AllInside = inside;
        static bool In(int v, int size) => v >= 0 && v < size;
    }

    public static ResizeBilinearPlan Create(in ResizeBilinearParams p, Shape4 input, Shape4 output)
    {
        if (input.N != output.N || input.C != output.C) throw new ArgumentException($"output {output} does not match input {input} in batch/depth");
        return new ResizeBilinearPlan(p, input, output);
    }

    public ResizeBilinearParams Params { get; }
    public Shape4 Input { get; }
    public Shape4 Output { get; }
    internal bool AllInside { get; }
    internal float[] YScaled { get; }
    internal int[] Y0 { get; }
    internal int[] Y1 { get; }
    internal float[] XScaled { get; }
    internal int[] X0 { get; }
    internal int[] X1 { get; }
    internal int[] YFrac10 { get; }
    internal int[] Y0i { get; }
    internal int[] Y1i { get; }
    internal int[] XFrac10 { get; }
    internal int[] X0i { get; }
    internal int[] X1i { get; }

    internal bool IsFloat2x2 => !Params.AlignCorners && !Params.HalfPixelCenters && Output.H == 2 * Input.H && Output.W == 2 * Input.W;
}

/// <summary>
/// SIMD RESIZE_BILINEAR, bit-identical to <see cref="ResizeBilinearReference"/>: vectorised over channels, 8 codes
/// (uint8, int8) or 4/8 floats per block; a depth that is not a multiple of the block re-runs an overlapping last block
/// (the output never aliases the input), a depth below one block runs scalar.
/// uint8: float weights, ((((a*s00 + b*s01) + c*s10) + d*s11) + 0.5) truncated, no FMA. int8: 10-bit positions, int32
/// products (|sum| &lt; 2^29, so the reference's int64 is not needed), round half away from zero by 2^20.
/// Variants: Portable (Vector128), Avx2 (Vector256); AdvSimd runs the Portable code.
/// </summary>
internal static class ResizeBilinearKernels
{
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: false);

    public static void UInt8(SimdVariant variant, ResizeBilinearPlan plan, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Check(plan, input.Length, output.Length);
        if (variant == SimdVariant.Reference || !plan.AllInside)
        {
            ResizeBilinearReference.UInt8(plan.Params, plan.Input, input, plan.Output, output);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        if (ResizeBilinearReference.IsUInt8EightfoldFastPath(plan.Params, plan.Input, plan.Output.H, plan.Output.W))
            throw new NotSupportedException("TFLite's uint8 8x half-pixel fast path (ResizeBilinear888Uint8) is not reproduced");
        Shape4 ins = plan.Input, outs = plan.Output;
        int depth = ins.C;
        bool avx2 = variant == SimdVariant.Avx2;
        ref byte rin = ref MemoryMarshal.GetReference(input);
        ref byte rout = ref MemoryMarshal.GetReference(output);
        int o = 0;
        for (int b = 0; b < ins.N; b++)
            for (int y = 0; y < outs.H; y++)
            {
                int y0 = plan.Y0[y], y1 = plan.Y1[y];
                float dy = plan.YScaled[y] - y0;
                int row0 = ins.Offset(b, y0, 0, 0), row1 = ins.Offset(b, y1, 0, 0);
                for (int x = 0; x < outs.W; x++, o += depth)
                {
                    int x0 = plan.X0[x], x1 = plan.X1[x];
                    float dx = plan.XScaled[x] - x0;
                    float s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx;
                    int i00 = row0 + x0 * depth, i01 = row0 + x1 * depth, i10 = row1 + x0 * depth, i11 = row1 + x1 * depth;
                    if (depth < 8)
                    {
                        for (int c = 0; c < depth; c++)
                        {
                            float v = input[i00 + c] * s00 + input[i01 + c] * s01 + input[i10 + c] * s10 + input[i11 + c] * s11 + 0.5f;
                            output[o + c] = (byte)(int)v;
                        }
                        continue;
                    }
                    if (avx2)
                    {
                        Vector256<float> w00 = Vector256.Create(s00), w01 = Vector256.Create(s01), w10 = Vector256.Create(s10), w11 = Vector256.Create(s11);
                        for (int c = 0; ; c += 8)
                        {
                            if (c > depth - 8) c = depth - 8;
                            U8Block8Avx2(ref rin, i00 + c, i01 + c, i10 + c, i11 + c, w00, w01, w10, w11, ref rout, o + c);
                            if (c == depth - 8) break;
                        }
                    }
                    else
                    {
                        Vector128<float> w00 = Vector128.Create(s00), w01 = Vector128.Create(s01), w10 = Vector128.Create(s10), w11 = Vector128.Create(s11);
                        for (int c = 0; ; c += 8)
                        {
                            if (c > depth - 8) c = depth - 8;
                            U8Block8(ref rin, i00 + c, i01 + c, i10 + c, i11 + c, w00, w01, w10, w11, ref rout, o + c);
                            if (c == depth - 8) break;
                        }
                    }
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Load8(ref byte src, int offset) =>
        Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, offset))).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen8ToFloat(Vector128<byte> v, out Vector128<float> lo, out Vector128<float> hi)
    {
        Vector128<ushort> u = Vector128.WidenLower(v);
        lo = Vector128.ConvertToSingle(Vector128.WidenLower(u).AsInt32());
        hi = Vector128.ConvertToSingle(Vector128.WidenUpper(u).AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void U8Block8(ref byte rin, int i00, int i01, int i10, int i11,
        Vector128<float> w00, Vector128<float> w01, Vector128<float> w10, Vector128<float> w11, ref byte rout, int o)
    {
        Widen8ToFloat(Load8(ref rin, i00), out var a0, out var a1);
        Widen8ToFloat(Load8(ref rin, i01), out var b0, out var b1);
        Widen8ToFloat(Load8(ref rin, i10), out var c0, out var c1);
        Widen8ToFloat(Load8(ref rin, i11), out var d0, out var d1);
        Vector128<float> half = Vector128.Create(0.5f);
        Vector128<float> v0 = a0 * w00 + b0 * w01 + c0 * w10 + d0 * w11 + half;
        Vector128<float> v1 = a1 * w00 + b1 * w01 + c1 * w10 + d1 * w11 + half;
        // v is in [0.5, 255.5]: truncation, then a truncating narrow as (byte)(int)v.
        Vector128<ushort> s = Vector128.Narrow(Vector128.ConvertToInt32Native(v0).AsUInt32(), Vector128.ConvertToInt32Native(v1).AsUInt32());
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref rout, o), Vector128.Narrow(s, s).AsUInt64().ToScalar());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void U8Block8Avx2(ref byte rin, int i00, int i01, int i10, int i11,
        Vector256<float> w00, Vector256<float> w01, Vector256<float> w10, Vector256<float> w11, ref byte rout, int o)
    {
        Vector256<float> a = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Load8(ref rin, i00)));
        Vector256<float> b = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Load8(ref rin, i01)));
        Vector256<float> c = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Load8(ref rin, i10)));
        Vector256<float> d = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Load8(ref rin, i11)));
        Vector256<float> v = Avx.Add(Avx.Add(Avx.Add(Avx.Add(Avx.Multiply(a, w00), Avx.Multiply(b, w01)), Avx.Multiply(c, w10)), Avx.Multiply(d, w11)), Vector256.Create(0.5f));
        Vector256<int> q = Avx.ConvertToVector256Int32WithTruncation(v);
        // q is in [0, 255], so the saturating packs equal a truncating narrow.
        Vector128<short> s = Sse2.PackSignedSaturate(q.GetLower(), q.GetUpper());
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref rout, o), Sse2.PackUnsignedSaturate(s, s).AsUInt64().ToScalar());
    }

    public static void Int8(SimdVariant variant, ResizeBilinearPlan plan, ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        Check(plan, input.Length, output.Length);
        if (variant == SimdVariant.Reference || !plan.AllInside)
        {
            ResizeBilinearReference.Int8(plan.Params, plan.Input, input, plan.Output, output);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        Shape4 ins = plan.Input, outs = plan.Output;
        int depth = ins.C;
        bool avx2 = variant == SimdVariant.Avx2;
        ref byte rin = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(input));
        ref byte rout = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(output));
        int o = 0;
        for (int b = 0; b < ins.N; b++)
            for (int y = 0; y < outs.H; y++)
            {
                int y0 = plan.Y0i[y], y1 = plan.Y1i[y], fy = plan.YFrac10[y];
                int row0 = ins.Offset(b, y0, 0, 0), row1 = ins.Offset(b, y1, 0, 0);
                for (int x = 0; x < outs.W; x++, o += depth)
                {
                    int x0 = plan.X0i[x], x1 = plan.X1i[x], fx = plan.XFrac10[x];
                    // Each weight is below 1536^2 in magnitude; the four |weights| sum to at most 2048^2, so |sum| < 2^29.
                    int w00 = (1024 - fy) * (1024 - fx), w10 = fy * (1024 - fx), w01 = (1024 - fy) * fx, w11 = fy * fx;
                    int i00 = row0 + x0 * depth, i01 = row0 + x1 * depth, i10 = row1 + x0 * depth, i11 = row1 + x1 * depth;
                    if (depth < 8)
                    {
                        for (int c = 0; c < depth; c++)
                        {
                            int sum = input[i00 + c] * w00 + input[i10 + c] * w10 + input[i01 + c] * w01 + input[i11 + c] * w11;
                            int round = sum > 0 ? 1 << 19 : -(1 << 19);
                            output[o + c] = (sbyte)((sum + round) / (1 << 20));
                        }
                        continue;
                    }
                    for (int c = 0; ; c += 8)
                    {
                        if (c > depth - 8) c = depth - 8;
                        if (avx2) I8Block8Avx2(ref rin, i00 + c, i01 + c, i10 + c, i11 + c, w00, w01, w10, w11, ref rout, o + c);
                        else I8Block8(ref rin, i00 + c, i01 + c, i10 + c, i11 + c, w00, w01, w10, w11, ref rout, o + c);
                        if (c == depth - 8) break;
                    }
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void I8Block8(ref byte rin, int i00, int i01, int i10, int i11, int w00, int w01, int w10, int w11, ref byte rout, int o)
    {
        Vector128<short> a = Vector128.WidenLower(Load8(ref rin, i00).AsSByte()), b = Vector128.WidenLower(Load8(ref rin, i01).AsSByte());
        Vector128<short> c = Vector128.WidenLower(Load8(ref rin, i10).AsSByte()), d = Vector128.WidenLower(Load8(ref rin, i11).AsSByte());
        Vector128<int> v00 = Vector128.Create(w00), v01 = Vector128.Create(w01), v10 = Vector128.Create(w10), v11 = Vector128.Create(w11);
        Vector128<int> lo = Vector128.WidenLower(a) * v00 + Vector128.WidenLower(c) * v10 + Vector128.WidenLower(b) * v01 + Vector128.WidenLower(d) * v11;
        Vector128<int> hi = Vector128.WidenUpper(a) * v00 + Vector128.WidenUpper(c) * v10 + Vector128.WidenUpper(b) * v01 + Vector128.WidenUpper(d) * v11;
        Vector128<short> s = Vector128.Narrow(RoundShift20(lo), RoundShift20(hi));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref rout, o), Vector128.Narrow(s, s).AsUInt64().ToScalar());
    }

    /// <summary>(sum ± 2^19) / 2^20 truncating toward zero = sign(sum) * ((|sum| + 2^19) &gt;&gt; 20).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> RoundShift20(Vector128<int> sum)
    {
        Vector128<int> q = Vector128.ShiftRightArithmetic(Vector128.Abs(sum) + Vector128.Create(1 << 19), 20);
        return Vector128.ConditionalSelect(Vector128.LessThan(sum, Vector128<int>.Zero), -q, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void I8Block8Avx2(ref byte rin, int i00, int i01, int i10, int i11, int w00, int w01, int w10, int w11, ref byte rout, int o)
    {
        Vector256<int> a = Avx2.ConvertToVector256Int32(Load8(ref rin, i00).AsSByte()), b = Avx2.ConvertToVector256Int32(Load8(ref rin, i01).AsSByte());
        Vector256<int> c = Avx2.ConvertToVector256Int32(Load8(ref rin, i10).AsSByte()), d = Avx2.ConvertToVector256Int32(Load8(ref rin, i11).AsSByte());
        Vector256<int> sum = Avx2.Add(Avx2.Add(Avx2.MultiplyLow(a, Vector256.Create(w00)), Avx2.MultiplyLow(c, Vector256.Create(w10))),
            Avx2.Add(Avx2.MultiplyLow(b, Vector256.Create(w01)), Avx2.MultiplyLow(d, Vector256.Create(w11))));
        Vector256<int> q = Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.Abs(sum).AsInt32(), Vector256.Create(1 << 19)), 20);
        q = Avx2.Sign(q, sum); // negates where sum < 0 (q is 0 where sum is 0)
        // q is in [-128, 127]: the saturating packs equal a truncating narrow.
        Vector128<short> s = Sse2.PackSignedSaturate(q.GetLower(), q.GetUpper());
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref rout, o), Sse2.PackSignedSaturate(s, s).AsUInt64().ToScalar());
    }

    public static void Float(SimdVariant variant, ResizeBilinearPlan plan, ReadOnlySpan<float> input, Span<float> output)
    {
        Check(plan, input.Length, output.Length);
        if (variant == SimdVariant.Reference || !plan.AllInside)
        {
            ResizeBilinearReference.Float(plan.Params, plan.Input, input, plan.Output, output);
            return;
        }
        KernelDispatcher.AssertSupported(variant);
        Shape4 ins = plan.Input, outs = plan.Output;
        int depth = ins.C;
        ref float rin = ref MemoryMarshal.GetReference(input);
        ref float rout = ref MemoryMarshal.GetReference(output);
        if (depth < 4)
        {
            ResizeBilinearReference.Float(plan.Params, plan.Input, input, plan.Output, output);
            return;
        }
        if (plan.IsFloat2x2)
        {
            for (int b = 0; b < ins.N; b++)
                for (int y0 = 0, y = 0; y <= outs.H - 2; y += 2, y0++)
                    for (int x0 = 0, x = 0; x <= outs.W - 2; x += 2, x0++)
                    {
                        int x1 = Math.Min(x0 + 1, ins.W - 1), y1 = Math.Min(y0 + 1, ins.H - 1);
                        int i00 = ins.Offset(b, y0, x0, 0), i01 = ins.Offset(b, y0, x1, 0), i10 = ins.Offset(b, y1, x0, 0), i11 = ins.Offset(b, y1, x1, 0);
                        int o00 = outs.Offset(b, y, x, 0), o01 = o00 + depth, o10 = outs.Offset(b, y + 1, x, 0), o11 = o10 + depth;
                        Vector128<float> two = Vector128.Create(2f);
                        for (int c = 0; ; c += 4)
                        {
                            if (c > depth - 4) c = depth - 4;
                            Vector128<float> v00 = Vector128.LoadUnsafe(ref rin, (nuint)(i00 + c)), v01 = Vector128.LoadUnsafe(ref rin, (nuint)(i01 + c));
                            Vector128<float> v10 = Vector128.LoadUnsafe(ref rin, (nuint)(i10 + c)), v11 = Vector128.LoadUnsafe(ref rin, (nuint)(i11 + c));
                            Vector128<float> bottomLeft = (v00 + v10) / two;
                            v00.StoreUnsafe(ref rout, (nuint)(o00 + c));
                            ((v00 + v01) / two).StoreUnsafe(ref rout, (nuint)(o01 + c));
                            bottomLeft.StoreUnsafe(ref rout, (nuint)(o10 + c));
                            ((bottomLeft + (v01 + v11) / two) / two).StoreUnsafe(ref rout, (nuint)(o11 + c));
                            if (c == depth - 4) break;
                        }
                    }
            return;
        }
        bool avx2 = variant == SimdVariant.Avx2 && depth >= 8;
        int o = 0;
        for (int b = 0; b < ins.N; b++)
            for (int y = 0; y < outs.H; y++)
            {
                int y0 = plan.Y0[y], y1 = plan.Y1[y];
                float dy = plan.YScaled[y] - y0;
                int row0 = ins.Offset(b, y0, 0, 0), row1 = ins.Offset(b, y1, 0, 0);
                for (int x = 0; x < outs.W; x++, o += depth)
                {
                    int x0 = plan.X0[x], x1 = plan.X1[x];
                    float dx = plan.XScaled[x] - x0;
                    float s00 = (1 - dy) * (1 - dx), s01 = (1 - dy) * dx, s10 = dy * (1 - dx), s11 = dy * dx;
                    int i00 = row0 + x0 * depth, i01 = row0 + x1 * depth, i10 = row1 + x0 * depth, i11 = row1 + x1 * depth;
                    if (avx2)
                    {
                        Vector256<float> w00 = Vector256.Create(s00), w01 = Vector256.Create(s01), w10 = Vector256.Create(s10), w11 = Vector256.Create(s11);
                        for (int c = 0; ; c += 8)
                        {
                            if (c > depth - 8) c = depth - 8;
                            // ((((0 + a) + b) + c) + d): the zero keeps -0 products +0 as the reference's zeroed accumulator does.
                            Vector256<float> acc = Avx.Add(Vector256<float>.Zero, Avx.Multiply(Vector256.LoadUnsafe(ref rin, (nuint)(i00 + c)), w00));
                            acc = Avx.Add(acc, Avx.Multiply(Vector256.LoadUnsafe(ref rin, (nuint)(i01 + c)), w01));
                            acc = Avx.Add(acc, Avx.Multiply(Vector256.LoadUnsafe(ref rin, (nuint)(i10 + c)), w10));
                            acc = Avx.Add(acc, Avx.Multiply(Vector256.LoadUnsafe(ref rin, (nuint)(i11 + c)), w11));
                            acc.StoreUnsafe(ref rout, (nuint)(o + c));
                            if (c == depth - 8) break;
                        }
                    }
                    else
                    {
                        Vector128<float> w00 = Vector128.Create(s00), w01 = Vector128.Create(s01), w10 = Vector128.Create(s10), w11 = Vector128.Create(s11);
                        for (int c = 0; ; c += 4)
                        {
                            if (c > depth - 4) c = depth - 4;
                            Vector128<float> acc = Vector128<float>.Zero + Vector128.LoadUnsafe(ref rin, (nuint)(i00 + c)) * w00;
                            acc += Vector128.LoadUnsafe(ref rin, (nuint)(i01 + c)) * w01;
                            acc += Vector128.LoadUnsafe(ref rin, (nuint)(i10 + c)) * w10;
                            acc += Vector128.LoadUnsafe(ref rin, (nuint)(i11 + c)) * w11;
                            acc.StoreUnsafe(ref rout, (nuint)(o + c));
                            if (c == depth - 4) break;
                        }
                    }
                }
            }
    }

    private static void Check(ResizeBilinearPlan plan, int inputLength, int outputLength)
    {
        if (inputLength != plan.Input.FlatSize) throw new ArgumentException($"input has {inputLength} elements, shape {plan.Input} needs {plan.Input.FlatSize}");
        if (outputLength != plan.Output.FlatSize) throw new ArgumentException($"output has {outputLength} elements, shape {plan.Output} needs {plan.Output.FlatSize}");
    }
}
