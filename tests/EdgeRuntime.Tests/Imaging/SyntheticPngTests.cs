using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.Compression;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Tests.Imaging;

/// <summary>
/// Label PNGs in the formats our encoder never writes (1/2/4-bit, palette, Adam7 interlaced, every row filter),
/// cross-checked against StbImageSharp's independent decoder.
/// </summary>
public class SyntheticPngTests
{
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private static byte[] BuildPng(byte[] samples, int w, int h, int depth, int colorType, bool interlaced)
    {
        var raw = new MemoryStream();
        int filterCycle = 0;
        void EmitPass(int x0, int y0, int dx, int dy)
        {
            int pw = (w - x0 + dx - 1) / dx, ph = (h - y0 + dy - 1) / dy;
            if (pw <= 0 || ph <= 0) return;
            int rowBytes = (pw * depth + 7) / 8;
            byte[] prev = new byte[rowBytes];
            for (int py = 0; py < ph; py++)
            {
                var row = new byte[rowBytes];
                for (int px = 0; px < pw; px++)
                {
                    int v = samples[(y0 + py * dy) * w + x0 + px * dx];
                    int bit = px * depth;
                    row[bit >> 3] |= (byte)(v << (8 - depth - (bit & 7)));
                }
                int filter = filterCycle++ % 5;
                raw.WriteByte((byte)filter);
                for (int i = 0; i < rowBytes; i++)
                {
                    int a = i > 0 ? row[i - 1] : 0, b = prev[i], c = i > 0 ? prev[i - 1] : 0;
                    int pred = filter switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        _ => Paeth(a, b, c),
                    };
                    raw.WriteByte((byte)(row[i] - pred));
                }
                prev = row;
            }
        }
        if (interlaced) foreach (var (x0, y0, dx, dy) in Adam7) EmitPass(x0, y0, dx, dy);
        else EmitPass(0, 0, 1, 1);

        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw.ToArray());
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)depth;
        ihdr[9] = (byte)colorType;
        ihdr[12] = (byte)(interlaced ? 1 : 0);
        Chunk(png, "IHDR", ihdr);
        if (colorType == 3)
        {
            var plte = new byte[(1 << depth) * 3];
            for (int i = 0; i < plte.Length; i++) plte[i] = (byte)(i * 7);
            Chunk(png, "PLTE", plte);
        }
        // Split the image data over two IDAT chunks.
        byte[] data = z.ToArray();
        Chunk(png, "IDAT", data[..(data.Length / 2)]);
        Chunk(png, "IDAT", data[(data.Length / 2)..]);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void Chunk(Stream s, string type, byte[] body)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
        s.Write(len);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32([.. typeBytes, .. body]));
        s.Write(crc);
    }

    [Theory]
    [InlineData(1, 0, false)]
    [InlineData(2, 0, true)]
    [InlineData(4, 0, true)]
    [InlineData(8, 0, true)]
    [InlineData(1, 3, true)]
    [InlineData(4, 3, false)]
    [InlineData(8, 3, true)]
    public void LabelReaderReturnsRawSamples(int depth, int colorType, bool interlaced)
    {
        var rng = new Random(depth * 10 + colorType);
        foreach (var (w, h) in new[] { (1, 1), (3, 2), (13, 11), (33, 17) })
        {
            var samples = new byte[w * h];
            for (int i = 0; i < samples.Length; i++) samples[i] = (byte)rng.Next(1 << depth);
            byte[] png = BuildPng(samples, w, h, depth, colorType, interlaced);

            var label = new LabelImage();
            LabelImageReader.Read(png, label);
            Assert.Equal((w, h), (label.Width, label.Height));
            Assert.Equal(samples, label.Labels.ToArray());

            // Independent decoder: gray samples scaled to 8 bits, palette entries = index * 7 per byte.
            var rgb = new RgbImage();
            ImageDecoder.Decode(png, rgb);
            for (int i = 0; i < samples.Length; i++)
            {
                int expected = colorType == 0 ? samples[i] * (255 / ((1 << depth) - 1)) : samples[i] * 3 * 7 % 256;
                Assert.Equal((byte)expected, rgb.Pixels[i * 3]);
            }
        }
    }
}
