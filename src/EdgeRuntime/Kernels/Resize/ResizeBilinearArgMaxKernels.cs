using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;

namespace EdgeRuntime.Kernels.Resize;

/// <summary>
/// Fused RESIZE_BILINEAR + ARG_MAX over channels, uint8/int8 -> int32/int64 class ids, bit-identical to
/// <see cref="ResizeBilinearArgMaxReference"/> (and so to the two kernels run one after the other).
/// Vectorised over output columns (8 per Vector256, 4 per Vector128) with a loop over channels (<see cref="ResizeArgMaxRows"/>):
/// no horizontal reduction, and any channel count fills the lanes (DeepLab's 21 would waste 3 of 24 channel lanes). Each
/// source row is gathered once at the left (x0) and the right (x1) source column of every output column into channel-major
/// planes [C, outW], kept in one of two slots while output rows use it (16 rows when upsampling 33 -> 513). When the plan
/// is separable (<see cref="ResizeBilinearArgMaxPlan.Separable"/>) the gathered row is interpolated horizontally right away
/// and each output pixel costs two products per channel instead of four.
/// Variants: Portable (Vector128), Avx2 (Vector256), AdvSimd (the Vector128 code, separable uint8 rows with 16-bit keys).
/// </summary>
internal static class ResizeBilinearArgMaxKernels
{
    /// <summary>AdvSimd runs the Vector128 code plus <see cref="ResizeArgMaxRows.TwoTapFloatAdvSimd"/> for separable uint8 rows.</summary>
    public static SimdVariant Select(KernelIsa isa) => KernelDispatcher.Select(isa, hasAvx2Path: true, hasAdvSimdPath: true);

    /// <summary>True when <paramref name="variant"/>'s vector code runs; otherwise the reference does (single part).</summary>
    public static bool IsVectorized(SimdVariant variant, ResizeBilinearArgMaxPlan plan) =>
        variant != SimdVariant.Reference && plan.Resize.AllInside && plan.Resize.Output.W >= Lanes(variant) && plan.Resize.Input.C <= 65536;

    private static int Lanes(SimdVariant variant) => variant == SimdVariant.Avx2 ? 8 : 4;

    /// <summary>Scratch for one part: the planes of the vector code, or one pixel of codes for the reference.</summary>
    public static long ScratchBytes(SimdVariant variant, ResizeBilinearArgMaxPlan plan) =>
        IsVectorized(variant, plan) ? plan.ScratchBytesPerPart : plan.Resize.Input.C;

    /// <summary>The whole op. <paramref name="scratch"/>: <see cref="ScratchBytes"/>.</summary>
    public static void Run<TIndex>(SimdVariant variant, ResizeBilinearArgMaxPlan plan, ReadOnlySpan<byte> input, Span<byte> scratch, Span<TIndex> output)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        ResizeBilinearPlan r = plan.Resize;
        if (input.Length != r.Input.FlatSize) throw new ArgumentException($"input has {input.Length} codes, shape {r.Input} needs {r.Input.FlatSize}");
        if (output.Length != r.Output.N * r.Output.H * r.Output.W) throw new ArgumentException($"output has {output.Length} ids, {r.Output} needs {r.Output.N * r.Output.H * r.Output.W}");
        if (IsVectorized(variant, plan))
        {
            Rows(variant, plan, input, scratch, output, 0, r.Output.N * r.Output.H);
            return;
        }
        if (plan.Int8)
            ResizeBilinearArgMaxReference.Int8(r.Params, r.Input, MemoryMarshal.Cast<byte, sbyte>(input), r.Output.H, r.Output.W, MemoryMarshal.Cast<byte, sbyte>(scratch), output);
        else
            ResizeBilinearArgMaxReference.UInt8(r.Params, r.Input, input, r.Output.H, r.Output.W, scratch, output);
    }

    /// <summary>
    /// Output rows [rowStart, rowStart + rowCount) of the flattened (batch, y) rows, vector code only (parts of one op run
    /// disjoint row ranges with scratch of their own). <paramref name="scratch"/>: <see cref="ResizeBilinearArgMaxPlan.ScratchBytesPerPart"/>.
    /// </summary>
    public static void Rows<TIndex>(SimdVariant variant, ResizeBilinearArgMaxPlan plan, ReadOnlySpan<byte> input, Span<byte> scratch, Span<TIndex> output, int rowStart, int rowCount)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        if (!IsVectorized(variant, plan)) throw new InvalidOperationException($"{KernelDispatcher.Name(variant)} does not vectorise this resize; run it whole");
        if (typeof(TIndex) != typeof(int) && typeof(TIndex) != typeof(long)) throw new NotSupportedException($"ARG_MAX to {typeof(TIndex).Name}");
        KernelDispatcher.AssertSupported(variant);
        if (scratch.Length < plan.ScratchBytesPerPart) throw new ArgumentException("scratch is smaller than one part needs", nameof(scratch));
        if (variant == SimdVariant.AdvSimd && plan.KxLeft16 is not null && ResizeArgMaxRows.TwoTapFloatAdvSimdApplies(plan))
            RunRowsU16(plan, input, MemoryMarshal.Cast<byte, ushort>(scratch), output, rowStart, rowCount);
        else if (plan.Int8) RunRows<sbyte, int, TIndex>(variant, plan, MemoryMarshal.Cast<byte, sbyte>(input), MemoryMarshal.Cast<byte, int>(scratch), output, rowStart, rowCount);
        else RunRows<byte, float, TIndex>(variant, plan, input, MemoryMarshal.Cast<byte, float>(scratch), output, rowStart, rowCount);
    }

    private static void RunRows<TIn, T, TIndex>(SimdVariant variant, ResizeBilinearArgMaxPlan plan, ReadOnlySpan<TIn> input, Span<T> planes, Span<TIndex> output, int rowStart, int rowCount)
        where TIn : unmanaged, INumberBase<TIn>
        where T : unmanaged, INumberBase<T>
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        ResizeBilinearPlan r = plan.Resize;
        Shape4 ins = r.Input, outs = r.Output;
        int plane = plan.PlaneLength, rowLength = ins.W * ins.C, outW = outs.W;
        bool int8 = plan.Int8, avx2 = variant == SimdVariant.Avx2;
        bool advSimd = variant == SimdVariant.AdvSimd && ResizeArgMaxRows.TwoTapFloatAdvSimdApplies(plan);
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > outs.N * outs.H) throw new ArgumentOutOfRangeException(nameof(rowCount));
        // Two slots of two planes each; slot k holds global source row keys[k] (batch * H + y).
        Span<int> keys = stackalloc int[] { -1, -1 };
        for (int row = rowStart; row < rowStart + rowCount; row++)
        {
            int b = row / outs.H, y = row % outs.H;
            int s0 = b * ins.H + (int8 ? r.Y0i[y] : r.Y0[y]), s1 = b * ins.H + (int8 ? r.Y1i[y] : r.Y1[y]);
            int top = keys[0] == s0 ? 0 : keys[1] == s0 ? 1 : -1;
            if (top < 0)
            {
                top = keys[0] == s1 ? 1 : 0; // keep the slot that already holds the bottom row
                Gather(plan, input.Slice(s0 * rowLength, rowLength), planes.Slice(top * 2 * plane, 2 * plane));
                keys[top] = s0;
            }
            int bottom = s1 == s0 ? top : keys[1 - top] == s1 ? 1 - top : -1;
            if (bottom < 0)
            {
                bottom = 1 - top;
                Gather(plan, input.Slice(s1 * rowLength, rowLength), planes.Slice(bottom * 2 * plane, 2 * plane));
                keys[bottom] = s1;
            }
            ref T t0 = ref planes[top * 2 * plane];
            ref T b0 = ref planes[bottom * 2 * plane];
            ref TIndex dst = ref output[row * outW];
            if (int8)
            {
                ref int ti = ref Unsafe.As<T, int>(ref t0), bi = ref Unsafe.As<T, int>(ref b0);
                if (avx2) ResizeArgMaxRows.TwoTapIntAvx2(plan, ref ti, ref bi, r.YFrac10[y], ref dst);
                else ResizeArgMaxRows.TwoTapInt128(plan, ref ti, ref bi, r.YFrac10[y], ref dst);
                continue;
            }
            float dy = r.YScaled[y] - r.Y0[y];
            ref float tf = ref Unsafe.As<T, float>(ref t0), bf = ref Unsafe.As<T, float>(ref b0);
            if (plan.Separable)
            {
                if (avx2) ResizeArgMaxRows.TwoTapFloatAvx2(plan, ref tf, ref bf, dy, ref dst);
                else if (advSimd) ResizeArgMaxRows.TwoTapFloatAdvSimd(plan, ref tf, ref bf, dy, ref dst);
                else ResizeArgMaxRows.TwoTapFloat128(plan, ref tf, ref bf, dy, ref dst);
                continue;
            }
            ref float t1 = ref Unsafe.Add(ref tf, plane), b1 = ref Unsafe.Add(ref bf, plane);
            if (avx2) ResizeArgMaxRows.FourTapFloatAvx2(plan, ref tf, ref t1, ref bf, ref b1, dy, ref dst);
            else ResizeArgMaxRows.FourTapFloat128(plan, ref tf, ref t1, ref bf, ref b1, dy, ref dst);
        }
    }

    /// <summary>AdvSimd, uint8 with 16-bit weights (<see cref="ResizeBilinearArgMaxPlan.KxLeft16"/>): the same two-slot row cache on ushort planes.</summary>
    private static void RunRowsU16<TIndex>(ResizeBilinearArgMaxPlan plan, ReadOnlySpan<byte> input, Span<ushort> planes, Span<TIndex> output, int rowStart, int rowCount)
        where TIndex : unmanaged
    {
        ResizeBilinearPlan r = plan.Resize;
        Shape4 ins = r.Input, outs = r.Output;
        int plane = plan.PlaneLength, rowLength = ins.W * ins.C, outW = outs.W, depth = ins.C;
        if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > outs.N * outs.H) throw new ArgumentOutOfRangeException(nameof(rowCount));
        Span<int> keys = stackalloc int[] { -1, -1 };
        for (int row = rowStart; row < rowStart + rowCount; row++)
        {
            int b = row / outs.H, y = row % outs.H;
            int s0 = b * ins.H + r.Y0[y], s1 = b * ins.H + r.Y1[y];
            for (int k = 0; k < 2; k++)
            {
                int src = k == 0 ? s0 : s1;
                if (keys[0] == src || keys[1] == src) continue;
                // Keep the slot holding the other row this output row needs.
                int other = k == 0 ? s1 : s0, slot = keys[0] == other ? 1 : 0;
                Span<ushort> dst = planes.Slice(slot * 2 * plane, 2 * plane);
                ReadOnlySpan<byte> pixels = input.Slice(src * rowLength, rowLength);
                for (int p = 0; p < 2; p++)
                {
                    int[] runs = p == 0 ? plan.Runs0 : plan.Runs1;
                    ref ushort d = ref dst[p * plane];
                    for (int i = 0; i < runs.Length; i += 3)
                    {
                        ReadOnlySpan<byte> pixel = pixels.Slice(runs[i + 2] * depth, depth);
                        for (int c = 0; c < depth; c++) Fill(ref Unsafe.Add(ref d, c * outW + runs[i]), runs[i + 1], (ushort)pixel[c]);
                    }
                }
                for (int c = 0; c < depth; c++) ResizeArgMaxRows.HorizontalU16(plan, ref dst[c * outW], ref dst[plane + c * outW]);
                keys[slot] = src;
            }
            int top = keys[0] == s0 ? 0 : 1, bottom = keys[0] == s1 ? 0 : 1;
            ResizeArgMaxRows.TwoTapU16AdvSimd(plan, ref planes[top * 2 * plane], ref planes[bottom * 2 * plane], plan.KyTop16![y], plan.KyBottom16![y], ref output[row * outW]);
        }
    }

    /// <summary>
    /// Source row <paramref name="row"/> gathered at every output column's left (plane 0) and right (plane 1) source column,
    /// channel-major; for a separable plan then interpolated horizontally into plane 0.
    /// </summary>
    private static void Gather<TIn, T>(ResizeBilinearArgMaxPlan plan, ReadOnlySpan<TIn> row, Span<T> planes)
        where TIn : unmanaged, INumberBase<TIn>
        where T : unmanaged, INumberBase<T>
    {
        int depth = plan.Resize.Input.C, outW = plan.Resize.Output.W;
        for (int p = 0; p < 2; p++)
        {
            int[] runs = p == 0 ? plan.Runs0 : plan.Runs1;
            ref T dst = ref planes[p * plan.PlaneLength];
            for (int k = 0; k < runs.Length; k += 3)
            {
                int start = runs[k], length = runs[k + 1];
                ReadOnlySpan<TIn> pixel = row.Slice(runs[k + 2] * depth, depth);
                // byte -> float and sbyte -> int are exact.
                for (int c = 0; c < depth; c++)
                    Fill(ref Unsafe.Add(ref dst, c * outW + start), length, T.CreateTruncating(pixel[c]));
            }
        }
        if (!plan.Separable) return;
        ref T left = ref planes[0], right = ref planes[plan.PlaneLength];
        for (int c = 0; c < depth; c++)
        {
            ref T l = ref Unsafe.Add(ref left, c * outW), r = ref Unsafe.Add(ref right, c * outW);
            if (typeof(T) == typeof(int)) ResizeArgMaxRows.HorizontalInt(plan, ref Unsafe.As<T, int>(ref l), ref Unsafe.As<T, int>(ref r));
            else ResizeArgMaxRows.HorizontalFloat(plan, ref Unsafe.As<T, float>(ref l), ref Unsafe.As<T, float>(ref r));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill<T>(ref T dst, int length, T value) where T : unmanaged
    {
        if (length < Vector128<T>.Count)
        {
            for (int i = 0; i < length; i++) Unsafe.Add(ref dst, i) = value;
            return;
        }
        Vector128<T> v = Vector128.Create(value);
        for (int i = 0; i < length - Vector128<T>.Count; i += Vector128<T>.Count) v.StoreUnsafe(ref dst, (nuint)i);
        v.StoreUnsafe(ref dst, (nuint)(length - Vector128<T>.Count));
    }
}
