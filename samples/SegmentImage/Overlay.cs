namespace SegmentImage;

/// <summary>Tints each pixel of a non-background class with that class's PASCAL VOC colour, half and half.</summary>
internal static class Overlay
{
    public static byte[] Tint(RgbFrame image, ReadOnlySpan<byte> classMap)
    {
        byte[] result = (byte[])image.Pixels.Clone();
        for (int p = 0; p < classMap.Length; p++)
        {
            int cls = classMap[p];
            if (cls == 0) continue; // background stays as photographed
            (byte r, byte g, byte b) = VocColor(cls);
            int o = 3 * p;
            result[o] = (byte)((result[o] + r) / 2);
            result[o + 1] = (byte)((result[o + 1] + g) / 2);
            result[o + 2] = (byte)((result[o + 2] + b) / 2);
        }
        return result;
    }

    /// <summary>The PASCAL VOC palette: the bits of the class id spread over the high bits of R, G and B.</summary>
    public static (byte R, byte G, byte B) VocColor(int cls)
    {
        int r = 0, g = 0, b = 0;
        for (int shift = 7; cls > 0; shift--, cls >>= 3)
        {
            r |= (cls & 1) << shift;
            g |= ((cls >> 1) & 1) << shift;
            b |= ((cls >> 2) & 1) << shift;
        }
        return ((byte)r, (byte)g, (byte)b);
    }
}
