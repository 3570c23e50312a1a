using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class MjpegStreamReaderTests
{
    private static async Task<List<byte[]>> ReadAll(MjpegStreamReader reader)
    {
        var frames = new List<byte[]>();
        var frame = new FrameBuffer(16);
        while (await reader.ReadFrameAsync(frame))
        {
            Assert.Equal(FrameFormat.Encoded, frame.Format);
            frames.Add(frame.Bytes.ToArray());
        }
        return frames;
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(4099)]
    [InlineData(7)]
    public async Task SplitsRealJpegsWithGarbageAndATruncatedFrame(int chunk)
    {
        byte[] pets = File.ReadAllBytes(CameraTestData.PetsJpg);   // embedded thumbnails: 3 SOI/EOI pairs
        byte[] kite = File.ReadAllBytes(CameraTestData.KiteJpg);   // restart markers
        byte[] voc = File.ReadAllBytes(CameraTestData.VocJpg(0));

        using var stream = new MemoryStream();
        stream.Write(CameraTestData.Garbage(1000, 1));
        stream.Write(pets);
        stream.Write(kite);
        stream.Write(CameraTestData.Garbage(333, 2));
        stream.Write(voc.AsSpan(0, voc.Length / 2));               // truncated in the entropy data...
        stream.Write(voc);                                         // ...directly followed by a full frame
        stream.Write(CameraTestData.Garbage(10, 3));
        stream.Write(pets.AsSpan(0, 400));                          // truncated inside the APP segments
        stream.Write(CameraTestData.Garbage(50, 4));
        stream.Write(kite);
        stream.Write(voc.AsSpan(0, 5000));                          // truncated at the end of the stream

        var reader = new MjpegStreamReader(new ChunkedStream(stream.ToArray(), chunk));
        List<byte[]> frames = await ReadAll(reader);

        Assert.Equal(4, frames.Count);
        Assert.Equal(pets, frames[0]);
        Assert.Equal(kite, frames[1]);
        Assert.Equal(voc, frames[2]);
        Assert.Equal(kite, frames[3]);
        Assert.Equal(4, reader.FramesRead);
        Assert.Equal(3, reader.CorruptFrames);
        Assert.True(reader.GarbageBytes >= 1000 + 333 + 10, $"garbage {reader.GarbageBytes}");
    }

    [Fact]
    public async Task ManyVocFramesBackToBack()
    {
        byte[][] jpegs = Enumerable.Range(0, 20).Select(i => File.ReadAllBytes(CameraTestData.VocJpg(i))).ToArray();
        byte[] all = jpegs.SelectMany(j => j).ToArray();
        var reader = new MjpegStreamReader(new ChunkedStream(all, 65536));
        List<byte[]> frames = await ReadAll(reader);
        Assert.Equal(jpegs.Length, frames.Count);
        for (int i = 0; i < jpegs.Length; i++) Assert.Equal(jpegs[i], frames[i]);
        Assert.Equal(0, reader.CorruptFrames);
        Assert.Equal(0, reader.GarbageBytes);
    }

    /// <summary>A minimal marker-valid JPEG (contents are not a decodable image; the splitter does not decode).</summary>
    private static byte[] FakeJpeg(byte fill, int entropyBytes, bool thumbnail = false, bool restartMarkers = false)
    {
        var b = new List<byte> { 0xFF, 0xD8 };
        b.AddRange([0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        if (thumbnail)
        {
            byte[] thumb = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x04, 1, 2, 0xFF, 0xDA, 0x00, 0x02, 9, 9, 0xFF, 0xD9];
            int len = 2 + 6 + thumb.Length;
            b.AddRange([0xFF, 0xE1, (byte)(len >> 8), (byte)len, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0]);
            b.AddRange(thumb);
        }
        b.AddRange([0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0]);
        for (int i = 0; i < entropyBytes; i++)
        {
            b.Add(fill);
            if (i % 50 == 10) b.AddRange([0xFF, 0x00]);                      // stuffed FF
            if (restartMarkers && i % 100 == 99) b.AddRange([0xFF, (byte)(0xD0 + i / 100 % 8)]);
        }
        b.AddRange([0xFF, 0xFF, 0xD9]);                                        // fill byte before EOI
        return b.ToArray();
    }

    [Fact]
    public async Task HandlesThumbnailsRestartMarkersAndFillBytes()
    {
        byte[] a = FakeJpeg(0x11, 1000, thumbnail: true);
        byte[] b = FakeJpeg(0x22, 1000, restartMarkers: true);
        byte[] all = [.. a, 0x00, 0xFF, 0xD9, 0xFF, .. b, 0xFF];
        var reader = new MjpegStreamReader(new ChunkedStream(all, 3));
        List<byte[]> frames = await ReadAll(reader);
        Assert.Equal(2, frames.Count);
        Assert.Equal(a, frames[0]);
        Assert.Equal(b, frames[1]);
        Assert.Equal(4 + 1, reader.GarbageBytes);
    }

    [Fact]
    public async Task DropsFramesAboveTheSizeLimitAndKeepsGoing()
    {
        byte[] small = FakeJpeg(0x11, 500);
        byte[] big = FakeJpeg(0x22, 20000);
        byte[] all = [.. small, .. big, .. small, .. big, .. small];
        var reader = new MjpegStreamReader(new ChunkedStream(all, 1000), maxFrameBytes: 4096);
        List<byte[]> frames = await ReadAll(reader);
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Equal(small, f));
        Assert.Equal(2, reader.CorruptFrames);
    }

    [Fact]
    public async Task EmptyAndGarbageOnlyStreamsHaveNoFrames()
    {
        Assert.Empty(await ReadAll(new MjpegStreamReader(new MemoryStream())));
        var reader = new MjpegStreamReader(new MemoryStream(CameraTestData.Garbage(100_000, 5)));
        Assert.Empty(await ReadAll(reader));
        Assert.Equal(100_000, reader.GarbageBytes);
        Assert.Equal(0, reader.CorruptFrames);
    }

    [Fact]
    public async Task MalformedSegmentResyncsToTheNextFrame()
    {
        byte[] good = FakeJpeg(0x33, 300);
        // SOI, then a byte that is not a marker where a marker must be.
        byte[] bad = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 1, 2, 0x12, 0x34, 0x56];
        byte[] all = [.. bad, .. good];
        var reader = new MjpegStreamReader(new MemoryStream(all));
        List<byte[]> frames = await ReadAll(reader);
        Assert.Single(frames);
        Assert.Equal(good, frames[0]);
        Assert.Equal(1, reader.CorruptFrames);
    }
}
