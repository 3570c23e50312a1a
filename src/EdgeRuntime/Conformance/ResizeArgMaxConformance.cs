using System.Numerics;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Resize;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Conformance;

internal static partial class SimdOpsConformance
{
    /// <summary>
    /// The fused RESIZE_BILINEAR+ARG_MAX (uint8/int8 -> int32/int64) against the two references run one after the other:
    /// random up/down scales and exact (separable) ones, align_corners / half_pixel_centers / neither, channel counts below and above 8/16/32, widths
    /// below one vector (reference fallback), few distinct codes (ties), the vector code split into parts, and DeepLab's
    /// 33x33x21 -> 513x513. Under <see cref="KernelIsa.Reference"/> it checks the fused reference itself.
    /// </summary>
    public static IEnumerable<string> RunResizeArgMaxConformance(KernelIsa isa, int seed, int cases)
    {
        SimdVariant v = ResizeBilinearArgMaxKernels.Select(isa);
        int[] depths = [1, 3, 7, 8, 9, 15, 16, 17, 21, 31, 32, 33, 64];
        var rng = new Random(seed + 5);
        for (int k = 0; k < cases + 2; k++)
        {
            Shape4 inShape;
            int oh, ow;
            ResizeBilinearParams p = (k % 3) switch
            {
                0 => new ResizeBilinearParams(false, false),
                1 => new ResizeBilinearParams(true, false),
                _ => new ResizeBilinearParams(false, true),
            };
            if (k >= cases)
            {
                inShape = new Shape4(1, 33, 33, 21);
                oh = ow = 513;
                p = new ResizeBilinearParams(true, false);
            }
            else
            {
                int depth = k % 2 == 0 ? depths[k / 2 % depths.Length] : rng.Next(1, 80);
                inShape = new Shape4(rng.Next(1, 3), rng.Next(1, 10), rng.Next(1, 10), depth);
                // Power-of-two scales and align_corners (n-1)*2^j+1 sizes take the separable uint8 path (exact float fractions).
                if (k % 5 == 0) { oh = 2 * inShape.H; ow = 2 * inShape.W; }
                else if (k % 7 == 3) { oh = 4 * inShape.H; ow = 4 * inShape.W; }
                else if (k % 7 == 5) { oh = (inShape.H - 1) * 4 + 1; ow = (inShape.W - 1) * 8 + 1; }
                else if (k % 11 == 1) { oh = (inShape.H - 1) * 32 + 1; ow = (inShape.W - 1) * 32 + 1; } // align_corners k/32: separable, too fine for 16-bit
                else { oh = rng.Next(1, 30); ow = rng.Next(1, 30); }
            }
            var outShape = new Shape4(inShape.N, oh, ow, inShape.C);
            var resize = ResizeBilinearPlan.Create(p, inShape, outShape);
            // Few distinct codes make many equal interpolated values: the first channel must win.
            int levels = rng.Next(3) == 0 ? 2 : 256;
            string what = $"case {k} {inShape}->{outShape} align_corners={p.AlignCorners} half_pixel={p.HalfPixelCenters} levels={levels}";
            bool wide = k % 2 == 0;
            if (!ResizeBilinearReference.IsUInt8EightfoldFastPath(p, inShape, oh, ow))
            {
                byte[] x = new byte[inShape.FlatSize];
                for (int i = 0; i < x.Length; i++) x[i] = (byte)(levels == 256 ? rng.Next(256) : 200 + rng.Next(levels));
                string? f = wide
                    ? CompareResizeArgMax<long>($"RESIZE_BILINEAR+ARG_MAX uint8->int64 {what}", v, resize, x, int8: false, rng)
                    : CompareResizeArgMax<int>($"RESIZE_BILINEAR+ARG_MAX uint8->int32 {what}", v, resize, x, int8: false, rng);
                if (f is not null) yield return f;
            }
            {
                byte[] x = new byte[inShape.FlatSize];
                for (int i = 0; i < x.Length; i++) x[i] = (byte)(sbyte)(levels == 256 ? rng.Next(-128, 128) : -20 + rng.Next(levels));
                string? f = wide
                    ? CompareResizeArgMax<int>($"RESIZE_BILINEAR+ARG_MAX int8->int32 {what}", v, resize, x, int8: true, rng)
                    : CompareResizeArgMax<long>($"RESIZE_BILINEAR+ARG_MAX int8->int64 {what}", v, resize, x, int8: true, rng);
                if (f is not null) yield return f;
            }
        }
    }

    /// <summary>Reference = resize into a tensor, then ARG_MAX over channels; fused = the whole op, and the vector code again in 1-3 parts.</summary>
    private static string? CompareResizeArgMax<TIndex>(string what, SimdVariant v, ResizeBilinearPlan resize, byte[] input, bool int8, Random rng)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        Shape4 ins = resize.Input, outs = resize.Output;
        int pixels = outs.N * outs.H * outs.W;
        Fill<TIndex> reference = o =>
        {
            if (int8)
            {
                var resized = new sbyte[outs.FlatSize];
                ResizeBilinearReference.Int8(resize.Params, ins, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(input), outs, resized);
                ArgMaxReference.ArgMax<sbyte, TIndex>(resized, pixels, outs.C, 1, o);
            }
            else
            {
                var resized = new byte[outs.FlatSize];
                ResizeBilinearReference.UInt8(resize.Params, ins, input, outs, resized);
                ArgMaxReference.ArgMax<byte, TIndex>(resized, pixels, outs.C, 1, o);
            }
        };
        long advSimdRows = ResizeArgMaxRows.AdvSimdRows, u16Rows = ResizeArgMaxRows.U16Rows;
        string? f = Compare(what, reference, o =>
        {
            var plan = new ResizeBilinearArgMaxPlan(resize, int8);
            ResizeBilinearArgMaxKernels.Run(v, plan, input, new byte[ResizeBilinearArgMaxKernels.ScratchBytes(v, plan)], o);
        }, pixels);
        if (f is not null) return f;
        var check = new ResizeBilinearArgMaxPlan(resize, int8);
        // AdvSimd must have run its 16-bit-key rows wherever they apply (a silent fallback fails).
        if (v == SimdVariant.AdvSimd && !int8 && check.Separable && ResizeBilinearArgMaxKernels.IsVectorized(v, check) && ResizeArgMaxRows.TwoTapFloatAdvSimdApplies(check))
        {
            if (check.KxLeft16 is not null && ResizeArgMaxRows.U16Rows == u16Rows) return what + ": the AdvSimd 16-bit rows did not run";
            if (check.KxLeft16 is null && ResizeArgMaxRows.AdvSimdRows == advSimdRows) return what + ": the AdvSimd float rows did not run";
        }
        var split = new ResizeBilinearArgMaxPlan(resize, int8);
        if (!ResizeBilinearArgMaxKernels.IsVectorized(v, split)) return null;
        int parts = rng.Next(1, 4), rows = outs.N * outs.H;
        return Compare(what + $" in {parts} parts", reference, o =>
        {
            for (int part = 0; part < parts; part++)
            {
                var (start, count) = Runtime.WorkerPool.Split(rows, part, parts);
                ResizeBilinearArgMaxKernels.Rows(v, split, input, new byte[split.ScratchBytesPerPart], o, start, count);
            }
        }, pixels);
    }
}
