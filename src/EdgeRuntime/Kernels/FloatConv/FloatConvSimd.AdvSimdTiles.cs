using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeRuntime.Kernels.FloatConv;

// Generated shape (written out, not looped: FMLA's lane index must be a constant). Keep the two tiles in step.
internal static unsafe partial class FloatConvSimd
{
    private static long s_tile6Runs;

    /// <summary>ConvRows calls that ran the AdvSimd 6-pixel tiles (the ARM conformance checks they, not the 4-pixel tiles, ran).</summary>
    internal static long Tile6AdvSimdRuns => Volatile.Read(ref s_tile6Runs);

    /// <summary>
    /// AdvSimd (fused) interior tile: 6 output pixels x 8 output channels in 12 accumulators (XNNPACK's aarch64 f32 GEMM
    /// shape: 12 of 32 NEON registers, plus 6 input and 2 weight vectors). Four input channels of each pixel come in one
    /// 128-bit load and enter the multiply-adds by lane (FMLA by element), so per four input channels there are 6 + 8 loads
    /// for 48 FMLAs instead of the 4-pixel tile's 4 scalar loads + 4 DUPs + 2 loads per 8 FMLAs. Each accumulator is still
    /// one fused multiply-add per tap in (fy, fx, ic) order from +0, then + bias, then the clamp: the fused reference exactly.
    /// </summary>
    private static void Tile6x8AdvSimd(in ConvArgs<Vector128<float>> k, float* px, int pixStep, int fyLo, int fyHi, float* w, float* bias, float* dst, int oc0)
    {
        int inC = k.InC, fW = k.FW;
        Vector128<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        for (int fy = fyLo; fy < fyHi; fy++)
        {
            for (int fx = 0; fx < fW; fx++)
            {
                float* x0 = px + (long)fy * k.RowStep + (long)fx * k.ColStep;
                float* x1 = x0 + pixStep, x2 = x1 + pixStep, x3 = x2 + pixStep, x4 = x3 + pixStep, x5 = x4 + pixStep;
                long tap = (long)(fy * fW + fx) * inC * 4;
                float* w0 = w + tap, w1 = w + 1 * (long)k.BlockStride + tap;
                int ic = 0;
                for (; ic + 4 <= inC; ic += 4)
                {
                    Vector128<float> v0 = AdvSimd.LoadVector128(x0 + ic), v1 = AdvSimd.LoadVector128(x1 + ic), v2 = AdvSimd.LoadVector128(x2 + ic), v3 = AdvSimd.LoadVector128(x3 + ic), v4 = AdvSimd.LoadVector128(x4 + ic), v5 = AdvSimd.LoadVector128(x5 + ic);
                    Vector128<float> b0 = AdvSimd.LoadVector128(w0), b1 = AdvSimd.LoadVector128(w1);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 0); a01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a01, b1, v0, 0);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 0); a11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a11, b1, v1, 0);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 0); a21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a21, b1, v2, 0);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 0); a31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a31, b1, v3, 0);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 0); a41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a41, b1, v4, 0);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 0); a51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a51, b1, v5, 0);
                    b0 = AdvSimd.LoadVector128(w0 + 4); b1 = AdvSimd.LoadVector128(w1 + 4);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 1); a01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a01, b1, v0, 1);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 1); a11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a11, b1, v1, 1);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 1); a21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a21, b1, v2, 1);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 1); a31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a31, b1, v3, 1);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 1); a41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a41, b1, v4, 1);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 1); a51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a51, b1, v5, 1);
                    b0 = AdvSimd.LoadVector128(w0 + 8); b1 = AdvSimd.LoadVector128(w1 + 8);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 2); a01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a01, b1, v0, 2);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 2); a11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a11, b1, v1, 2);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 2); a21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a21, b1, v2, 2);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 2); a31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a31, b1, v3, 2);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 2); a41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a41, b1, v4, 2);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 2); a51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a51, b1, v5, 2);
                    b0 = AdvSimd.LoadVector128(w0 + 12); b1 = AdvSimd.LoadVector128(w1 + 12);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 3); a01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a01, b1, v0, 3);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 3); a11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a11, b1, v1, 3);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 3); a21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a21, b1, v2, 3);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 3); a31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a31, b1, v3, 3);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 3); a41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a41, b1, v4, 3);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 3); a51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a51, b1, v5, 3);
                    w0 += 16; w1 += 16;
                }
                for (; ic < inC; ic++)
                {
                    Vector128<float> b0 = AdvSimd.LoadVector128(w0), b1 = AdvSimd.LoadVector128(w1);
                    w0 += 4; w1 += 4;
                    Vector128<float> s0 = Vector128.Create(x0[ic]);
                    a00 = AdvSimd.FusedMultiplyAdd(a00, b0, s0); a01 = AdvSimd.FusedMultiplyAdd(a01, b1, s0);
                    Vector128<float> s1 = Vector128.Create(x1[ic]);
                    a10 = AdvSimd.FusedMultiplyAdd(a10, b0, s1); a11 = AdvSimd.FusedMultiplyAdd(a11, b1, s1);
                    Vector128<float> s2 = Vector128.Create(x2[ic]);
                    a20 = AdvSimd.FusedMultiplyAdd(a20, b0, s2); a21 = AdvSimd.FusedMultiplyAdd(a21, b1, s2);
                    Vector128<float> s3 = Vector128.Create(x3[ic]);
                    a30 = AdvSimd.FusedMultiplyAdd(a30, b0, s3); a31 = AdvSimd.FusedMultiplyAdd(a31, b1, s3);
                    Vector128<float> s4 = Vector128.Create(x4[ic]);
                    a40 = AdvSimd.FusedMultiplyAdd(a40, b0, s4); a41 = AdvSimd.FusedMultiplyAdd(a41, b1, s4);
                    Vector128<float> s5 = Vector128.Create(x5[ic]);
                    a50 = AdvSimd.FusedMultiplyAdd(a50, b0, s5); a51 = AdvSimd.FusedMultiplyAdd(a51, b1, s5);
                }
            }
        }
        int outC = k.OutC;
        int c0 = Math.Min(4, outC - oc0 - 0);
        int c1 = Math.Min(4, outC - oc0 - 4);
        Finish<Vector128<float>, Float128Fma>(a00, bias + 0, k.Min, k.Max, dst + 0 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a01, bias + 4, k.Min, k.Max, dst + 0 * outC + oc0 + 4, c1);
        Finish<Vector128<float>, Float128Fma>(a10, bias + 0, k.Min, k.Max, dst + 1 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a11, bias + 4, k.Min, k.Max, dst + 1 * outC + oc0 + 4, c1);
        Finish<Vector128<float>, Float128Fma>(a20, bias + 0, k.Min, k.Max, dst + 2 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a21, bias + 4, k.Min, k.Max, dst + 2 * outC + oc0 + 4, c1);
        Finish<Vector128<float>, Float128Fma>(a30, bias + 0, k.Min, k.Max, dst + 3 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a31, bias + 4, k.Min, k.Max, dst + 3 * outC + oc0 + 4, c1);
        Finish<Vector128<float>, Float128Fma>(a40, bias + 0, k.Min, k.Max, dst + 4 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a41, bias + 4, k.Min, k.Max, dst + 4 * outC + oc0 + 4, c1);
        Finish<Vector128<float>, Float128Fma>(a50, bias + 0, k.Min, k.Max, dst + 5 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a51, bias + 4, k.Min, k.Max, dst + 5 * outC + oc0 + 4, c1);
    }

    /// <summary>The same for the odd last block: 6 output pixels x 4 output channels.</summary>
    private static void Tile6x4AdvSimd(in ConvArgs<Vector128<float>> k, float* px, int pixStep, int fyLo, int fyHi, float* w, float* bias, float* dst, int oc0)
    {
        int inC = k.InC, fW = k.FW;
        Vector128<float> a00 = default, a10 = default, a20 = default, a30 = default, a40 = default, a50 = default;
        for (int fy = fyLo; fy < fyHi; fy++)
        {
            for (int fx = 0; fx < fW; fx++)
            {
                float* x0 = px + (long)fy * k.RowStep + (long)fx * k.ColStep;
                float* x1 = x0 + pixStep, x2 = x1 + pixStep, x3 = x2 + pixStep, x4 = x3 + pixStep, x5 = x4 + pixStep;
                long tap = (long)(fy * fW + fx) * inC * 4;
                float* w0 = w + tap;
                int ic = 0;
                for (; ic + 4 <= inC; ic += 4)
                {
                    Vector128<float> v0 = AdvSimd.LoadVector128(x0 + ic), v1 = AdvSimd.LoadVector128(x1 + ic), v2 = AdvSimd.LoadVector128(x2 + ic), v3 = AdvSimd.LoadVector128(x3 + ic), v4 = AdvSimd.LoadVector128(x4 + ic), v5 = AdvSimd.LoadVector128(x5 + ic);
                    Vector128<float> b0 = AdvSimd.LoadVector128(w0);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 0);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 0);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 0);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 0);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 0);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 0);
                    b0 = AdvSimd.LoadVector128(w0 + 4);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 1);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 1);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 1);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 1);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 1);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 1);
                    b0 = AdvSimd.LoadVector128(w0 + 8);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 2);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 2);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 2);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 2);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 2);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 2);
                    b0 = AdvSimd.LoadVector128(w0 + 12);
                    a00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a00, b0, v0, 3);
                    a10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a10, b0, v1, 3);
                    a20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a20, b0, v2, 3);
                    a30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a30, b0, v3, 3);
                    a40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a40, b0, v4, 3);
                    a50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(a50, b0, v5, 3);
                    w0 += 16;
                }
                for (; ic < inC; ic++)
                {
                    Vector128<float> b0 = AdvSimd.LoadVector128(w0);
                    w0 += 4;
                    Vector128<float> s0 = Vector128.Create(x0[ic]);
                    a00 = AdvSimd.FusedMultiplyAdd(a00, b0, s0);
                    Vector128<float> s1 = Vector128.Create(x1[ic]);
                    a10 = AdvSimd.FusedMultiplyAdd(a10, b0, s1);
                    Vector128<float> s2 = Vector128.Create(x2[ic]);
                    a20 = AdvSimd.FusedMultiplyAdd(a20, b0, s2);
                    Vector128<float> s3 = Vector128.Create(x3[ic]);
                    a30 = AdvSimd.FusedMultiplyAdd(a30, b0, s3);
                    Vector128<float> s4 = Vector128.Create(x4[ic]);
                    a40 = AdvSimd.FusedMultiplyAdd(a40, b0, s4);
                    Vector128<float> s5 = Vector128.Create(x5[ic]);
                    a50 = AdvSimd.FusedMultiplyAdd(a50, b0, s5);
                }
            }
        }
        int outC = k.OutC;
        int c0 = Math.Min(4, outC - oc0 - 0);
        Finish<Vector128<float>, Float128Fma>(a00, bias + 0, k.Min, k.Max, dst + 0 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a10, bias + 0, k.Min, k.Max, dst + 1 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a20, bias + 0, k.Min, k.Max, dst + 2 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a30, bias + 0, k.Min, k.Max, dst + 3 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a40, bias + 0, k.Min, k.Max, dst + 4 * outC + oc0 + 0, c0);
        Finish<Vector128<float>, Float128Fma>(a50, bias + 0, k.Min, k.Max, dst + 5 * outC + oc0 + 0, c0);
    }
}
