using System.Runtime.InteropServices;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Segmentation;

/// <summary>
/// Turns a segmentation model's raw output bytes into a class map of the original image's size: class ids are cropped
/// (and scaled back by nearest neighbour when the image was downscaled), logits are upsampled and arg-maxed in one
/// fused pass. Used for our interpreter's output and for ONNX Runtime's alike, so both get the same post-processing.
/// Buffers are kept between calls.
/// </summary>
internal sealed class ClassMapDecoder(SegmentationModel model)
{
    private readonly LogitsArgMax _argMax = new();
    private int[] _rowIndex = [], _colIndex = [];
    private byte[] _idCrop = [];

    public SegmentationModel Model => model;

    public void Decode(ReadOnlySpan<byte> output, ImageRegion region, int height, int width, Span<byte> classMap)
    {
        int oh = model.OutputHeight, ow = model.OutputWidth, c = model.ClassCount;
        if (model.OutputKind == SegmentationOutputKind.ClassIds)
        {
            bool sameSize = region.Width == width && region.Height == height;
            Span<byte> crop = sameSize ? classMap : Scratch(ref _idCrop, region.Width * region.Height);
            if (model.OutputType == TensorType.Int64)
                LogitsArgMax.CropClassIds(MemoryMarshal.Cast<byte, long>(output), oh, ow, region, crop);
            else
                LogitsArgMax.CropClassIds(MemoryMarshal.Cast<byte, int>(output), oh, ow, region, crop);
            if (!sameSize) NearestResize(crop, region.Width, region.Height, classMap, width, height);
            return;
        }

        int canvasH = model.Input.Height, canvasW = model.Input.Width;
        switch (model.OutputType)
        {
            case TensorType.Float32:
                _argMax.UpsampleRegion(MemoryMarshal.Cast<byte, float>(output), oh, ow, c, canvasH, canvasW, region, height, width, classMap);
                break;
            case TensorType.UInt8:
                _argMax.UpsampleRegion(output, oh, ow, c, canvasH, canvasW, region, height, width, classMap);
                break;
            default:
                _argMax.UpsampleRegion(MemoryMarshal.Cast<byte, sbyte>(output), oh, ow, c, canvasH, canvasW, region, height, width, classMap);
                break;
        }
    }

    /// <summary>Class ids are labels, not intensities: scaled back to the frame by nearest neighbour.</summary>
    private void NearestResize(ReadOnlySpan<byte> src, int sw, int sh, Span<byte> dst, int dw, int dh)
    {
        if (_colIndex.Length != dw || _rowIndex.Length != dh)
        {
            _colIndex = new int[dw];
            _rowIndex = new int[dh];
            for (int x = 0; x < dw; x++) _colIndex[x] = Math.Min(sw - 1, (int)((x + 0.5) * sw / dw));
            for (int y = 0; y < dh; y++) _rowIndex[y] = Math.Min(sh - 1, (int)((y + 0.5) * sh / dh));
        }
        for (int y = 0; y < dh; y++)
        {
            ReadOnlySpan<byte> srow = src.Slice(_rowIndex[y] * sw, sw);
            Span<byte> drow = dst.Slice(y * dw, dw);
            for (int x = 0; x < dw; x++) drow[x] = srow[_colIndex[x]];
        }
    }

    private static Span<byte> Scratch(ref byte[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new byte[size];
        return buffer.AsSpan(0, size);
    }
}
