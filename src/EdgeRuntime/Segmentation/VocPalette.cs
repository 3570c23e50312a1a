namespace EdgeRuntime.Segmentation;

/// <summary>
/// The standard PASCAL VOC colour map (VOCdevkit's labelcolormap / bitget generator): class i's colour spreads
/// the bits of i over the high bits of R, G and B. 0 = black, 1 = (128,0,0), ..., 255 = (224,224,192).
/// </summary>
internal static class VocPalette
{
    private static readonly byte[] Table = Build();

    /// <summary>256 colours as interleaved R,G,B (768 bytes).</summary>
    public static ReadOnlySpan<byte> Colors => Table;

    public static (byte R, byte G, byte B) GetColor(int classId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classId, 255);
        return (Table[classId * 3], Table[classId * 3 + 1], Table[classId * 3 + 2]);
    }

    private static byte[] Build()
    {
        var table = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; j++)
            {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            table[i * 3] = (byte)r;
            table[i * 3 + 1] = (byte)g;
            table[i * 3 + 2] = (byte)b;
        }
        return table;
    }
}
