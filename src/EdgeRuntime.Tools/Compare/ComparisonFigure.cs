using System.IO.Compression;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Compare;

/// <summary>One row of the figure: the photo, its ground truth and one class map per model (at the photo's size).</summary>
public sealed record FigureRow(string ImagePath, string LabelPath, IReadOnlyList<byte[]> Maps);

/// <summary>
/// The side-by-side figure: one row per image (photo, ground-truth overlay, each model's overlay), every tile
/// box-downscaled to <c>tileWidth</c>, a header row of column names in a 3x5 bitmap font (x2), 2-px white gaps.
/// </summary>
public static class ComparisonFigure
{
    public const int Gap = 2, FontScale = 2, HeaderHeight = 5 * FontScale + 2 * 3;

    public static byte[] Render(IReadOnlyList<FigureRow> rows, IReadOnlyList<string> columns, int tileWidth, out int width, out int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tileWidth, 16);
        var images = new List<(RgbImage Image, LabelImage Label)>();
        foreach (FigureRow r in rows)
        {
            var img = new RgbImage();
            ImageDecoder.DecodeFile(r.ImagePath, img);
            LabelImage label = LabelImageReader.ReadFile(r.LabelPath);
            if (r.Maps.Count + 2 != columns.Count) throw new ArgumentException($"{columns.Count} columns but {r.Maps.Count} maps + image + ground truth");
            images.Add((img, label));
        }
        int[] tileHeights = images.Select(i => TileHeight(i.Image.Width, i.Image.Height, tileWidth)).ToArray();
        width = Width(columns.Count, tileWidth);
        height = Height(tileHeights);
        var canvas = new byte[width * height * 3];
        canvas.AsSpan().Fill(255);

        for (int c = 0; c < columns.Count; c++)
            TinyFont.Draw(canvas, width, Gap + c * (tileWidth + Gap) + 1, Gap + 3, columns[c], FontScale, tileWidth - 1);

        int y = Gap + HeaderHeight + Gap;
        for (int r = 0; r < rows.Count; r++)
        {
            var (img, label) = images[r];
            int w = img.Width, h = img.Height, th = tileHeights[r];
            var blended = new byte[w * h * 3];
            for (int c = 0; c < columns.Count; c++)
            {
                ReadOnlySpan<byte> src = img.Pixels;
                if (c >= 1)
                {
                    ReadOnlySpan<byte> map = c == 1 ? label.Labels : rows[r].Maps[c - 2];
                    if (map.Length != w * h) throw new ArgumentException($"row {r} column {c}: map of {map.Length} pixels, image {w}x{h}");
                    Overlay.Blend(img.Pixels, map, w, h, blended, alpha: 0.6);
                    src = blended;
                }
                Downscale(src, w, h, canvas, width, Gap + c * (tileWidth + Gap), y, tileWidth, th);
            }
            y += th + Gap;
        }
        return new PngEncoder(CompressionLevel.SmallestSize).Encode(canvas, width, height, PngColorFormat.Rgb8).ToArray();
    }

    public static int TileHeight(int imageWidth, int imageHeight, int tileWidth) => Math.Max(1, (int)Math.Round((double)imageHeight * tileWidth / imageWidth));

    public static int Width(int columns, int tileWidth) => columns * tileWidth + (columns + 1) * Gap;

    public static int Height(IEnumerable<int> tileHeights) => Gap + HeaderHeight + Gap + tileHeights.Sum(h => h + Gap);

    /// <summary>Area-average (box) downscale of an RGB image into a rectangle of the canvas.</summary>
    private static void Downscale(ReadOnlySpan<byte> src, int w, int h, Span<byte> dst, int dstStride, int x0, int y0, int tw, int th)
    {
        for (int ty = 0; ty < th; ty++)
        {
            int sy0 = (int)((long)ty * h / th), sy1 = Math.Max(sy0 + 1, (int)((long)(ty + 1) * h / th));
            for (int tx = 0; tx < tw; tx++)
            {
                int sx0 = (int)((long)tx * w / tw), sx1 = Math.Max(sx0 + 1, (int)((long)(tx + 1) * w / tw));
                int r = 0, g = 0, b = 0, n = 0;
                for (int sy = sy0; sy < sy1; sy++)
                    for (int sx = sx0; sx < sx1; sx++)
                    {
                        int p = (sy * w + sx) * 3;
                        r += src[p];
                        g += src[p + 1];
                        b += src[p + 2];
                        n++;
                    }
                int d = ((y0 + ty) * dstStride + x0 + tx) * 3;
                dst[d] = (byte)((r + n / 2) / n);
                dst[d + 1] = (byte)((g + n / 2) / n);
                dst[d + 2] = (byte)((b + n / 2) / n);
            }
        }
    }
}

/// <summary>A 3x5 bitmap font: A-Z, 0-9, space and - . ( ) / (lower case is drawn as upper case).</summary>
public static class TinyFont
{
    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['A'] = "010101111101101", ['B'] = "110101110101110", ['C'] = "011100100100011", ['D'] = "110101101101110",
        ['E'] = "111100110100111", ['F'] = "111100110100100", ['G'] = "011100101101011", ['H'] = "101101111101101",
        ['I'] = "111010010010111", ['J'] = "001001001101010", ['K'] = "101101110101101", ['L'] = "100100100100111",
        ['M'] = "101111111101101", ['N'] = "110101101101101", ['O'] = "010101101101010", ['P'] = "110101110100100",
        ['Q'] = "010101101110011", ['R'] = "110101110101101", ['S'] = "011100010001110", ['T'] = "111010010010010",
        ['U'] = "101101101101111", ['V'] = "101101101101010", ['W'] = "101101111111101", ['X'] = "101101010101101",
        ['Y'] = "101101010010010", ['Z'] = "111001010100111",
        ['0'] = "111101101101111", ['1'] = "010110010010111", ['2'] = "110001010100111", ['3'] = "110001010001110",
        ['4'] = "101101111001001", ['5'] = "111100110001110", ['6'] = "011100111101111", ['7'] = "111001010010010",
        ['8'] = "111101111101111", ['9'] = "111101111001110",
        [' '] = "000000000000000", ['-'] = "000000111000000", ['.'] = "000000000000010", ['('] = "010100100100010",
        [')'] = "010001001001010", ['/'] = "001001010100100",
    };

    public const int Advance = 4; // 3 columns + 1 spacing, in font pixels

    /// <summary>Draws <paramref name="text"/> in black into an RGB canvas, clipped to <paramref name="maxWidth"/> pixels.</summary>
    public static void Draw(Span<byte> rgb, int stride, int x, int y, string text, int scale, int maxWidth)
    {
        int height = rgb.Length / 3 / stride;
        for (int i = 0; i < text.Length; i++)
        {
            if ((i + 1) * Advance * scale - scale > maxWidth) break;
            string glyph = Glyphs.GetValueOrDefault(char.ToUpperInvariant(text[i]), "111101101101111");
            for (int gy = 0; gy < 5; gy++)
                for (int gx = 0; gx < 3; gx++)
                {
                    if (glyph[gy * 3 + gx] != '1') continue;
                    for (int sy = 0; sy < scale; sy++)
                        for (int sx = 0; sx < scale; sx++)
                        {
                            int px = x + (i * Advance + gx) * scale + sx, py = y + gy * scale + sy;
                            if (px < 0 || py < 0 || px >= stride || py >= height) continue;
                            rgb.Slice((py * stride + px) * 3, 3).Clear();
                        }
                }
        }
    }
}
