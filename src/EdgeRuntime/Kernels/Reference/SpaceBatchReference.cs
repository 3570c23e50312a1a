namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on 4-D NHWC tensors (internal/reference/space_to_batch_nd.h,
/// batch_to_space_nd.h). Output batch b = (shiftH * blockW + shiftW) * inputBatch + inputBatchIndex.
/// </summary>
internal static class SpaceBatchReference
{
    /// <summary>
    /// Pads H and W by (padTop, padBottom) / (padLeft, padRight) with <paramref name="padValue"/> (0 for float,
    /// the output zero point for quantized types) and moves each blockH x blockW phase into its own batch.
    /// </summary>
    public static void SpaceToBatch<T>(Shape4 input, ReadOnlySpan<T> inputData, int blockH, int blockW, int padTop, int padLeft, T padValue, Shape4 output, Span<T> outputData)
        where T : unmanaged
    {
        int depth = input.C;
        for (int outB = 0; outB < output.N; outB++)
        {
            int inB = outB % input.N;
            int shiftW = outB / input.N % blockW;
            int shiftH = outB / input.N / blockW;
            for (int outH = 0; outH < output.H; outH++)
            {
                int inH = outH * blockH + shiftH - padTop;
                for (int outW = 0; outW < output.W; outW++)
                {
                    int inW = outW * blockW + shiftW - padLeft;
                    Span<T> dst = outputData.Slice(output.Offset(outB, outH, outW, 0), depth);
                    if (inH < 0 || inH >= input.H || inW < 0 || inW >= input.W)
                        dst.Fill(padValue);
                    else
                        inputData.Slice(input.Offset(inB, inH, inW, 0), depth).CopyTo(dst);
                }
            }
        }
    }

    /// <summary>The inverse: interleaves the block phases back into space and drops (cropTop, cropLeft, ...) rows/columns.</summary>
    public static void BatchToSpace<T>(Shape4 input, ReadOnlySpan<T> inputData, int blockH, int blockW, int cropTop, int cropLeft, Shape4 output, Span<T> outputData)
        where T : unmanaged
    {
        int depth = input.C;
        for (int inB = 0; inB < input.N; inB++)
        {
            int outB = inB % output.N;
            int spatial = inB / output.N;
            int offsetH = spatial / blockW;
            int offsetW = spatial % blockW;
            for (int inH = 0; inH < input.H; inH++)
            {
                int outH = inH * blockH + offsetH - cropTop;
                if (outH < 0 || outH >= output.H) continue;
                for (int inW = 0; inW < input.W; inW++)
                {
                    int outW = inW * blockW + offsetW - cropLeft;
                    if (outW < 0 || outW >= output.W) continue;
                    inputData.Slice(input.Offset(inB, inH, inW, 0), depth).CopyTo(outputData.Slice(output.Offset(outB, outH, outW, 0), depth));
                }
            }
        }
    }
}
