namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// TILE (internal TileOneDimension in tensorflow/lite/kernels/tile.cc): output dim d = input dim d * multiples[d].
/// Works on raw bytes with an element size, any rank. Allocation-free (recursion over dimensions).
/// </summary>
internal static class TileReference
{
    public static void Tile(ReadOnlySpan<byte> input, ReadOnlySpan<int> inputDims, ReadOnlySpan<int> multiples, int elementSize, Span<byte> output)
    {
        if (inputDims.Length == 0)
        {
            input[..elementSize].CopyTo(output);
            return;
        }
        int written = TileDimension(input, inputDims, multiples, elementSize, output);
        if (written != output.Length) throw new ArgumentException($"output has {output.Length} bytes, tiling produces {written}");
    }

    // Tiles the block described by dims (innermost last) into output; returns bytes written.
    private static int TileDimension(ReadOnlySpan<byte> input, ReadOnlySpan<int> dims, ReadOnlySpan<int> multiples, int elementSize, Span<byte> output)
    {
        int dim = dims[0];
        int written = 0;
        if (dims.Length == 1)
        {
            int rowBytes = dim * elementSize;
            for (int m = 0; m < multiples[0]; m++)
                input[..rowBytes].CopyTo(output.Slice(m * rowBytes, rowBytes));
            return rowBytes * multiples[0];
        }
        int inputStride = elementSize;
        for (int i = 1; i < dims.Length; i++) inputStride *= dims[i];
        for (int i = 0; i < dim; i++)
            written += TileDimension(input.Slice(i * inputStride, inputStride), dims[1..], multiples[1..], elementSize, output[written..]);
        // Repeat the whole tiled block multiples[0] - 1 more times.
        for (int m = 1; m < multiples[0]; m++)
            output[..written].CopyTo(output.Slice(m * written, written));
        return written * multiples[0];
    }
}
