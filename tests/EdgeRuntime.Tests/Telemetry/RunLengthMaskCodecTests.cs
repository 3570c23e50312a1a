using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Telemetry;

public sealed class RunLengthMaskCodecTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(513, 513)]
    [InlineData(640, 480)]
    public void RoundTrip_RandomBlobs(int width, int height)
    {
        var rng = new Random(width * 31 + height);
        var map = new byte[width * height];
        // Runs of random length and class, like a segmentation map.
        for (int i = 0; i < map.Length;)
        {
            int len = rng.Next(1, 400);
            byte cls = (byte)rng.Next(0, 21);
            for (int k = 0; k < len && i < map.Length; k++) map[i++] = cls;
        }
        var encoded = RunLengthMaskCodec.Encode(map, width, height);
        Assert.True(encoded.Length <= RunLengthMaskCodec.MaxEncodedLength(width, height));
        var decoded = RunLengthMaskCodec.Decode(encoded, out int w, out int h);
        Assert.Equal((width, height), (w, h));
        Assert.Equal(map, decoded);
    }

    [Fact]
    public void WorstCase_AlternatingPixels_FitsTheBound()
    {
        var map = new byte[101 * 3];
        for (int i = 0; i < map.Length; i++) map[i] = (byte)(i & 1);
        var buffer = new byte[RunLengthMaskCodec.MaxEncodedLength(101, 3)];
        int n = RunLengthMaskCodec.Encode(map, 101, 3, buffer);
        Assert.Equal(RunLengthMaskCodec.HeaderSize + 2 * map.Length, n);
        Assert.Equal(map, RunLengthMaskCodec.Decode(buffer.AsSpan(0, n), out _, out _));
    }

    [Fact]
    public void Format_IsTheDocumentedLayout()
    {
        // 4x2: 0 0 0 15 / 15 15 15 15  -> runs (0,3) (15,5)
        byte[] map = [0, 0, 0, 15, 15, 15, 15, 15];
        var encoded = RunLengthMaskCodec.Encode(map, 4, 2);
        Assert.Equal(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 1, 0, 4, 0, 2, 0, 0, 3, 15, 5 }, encoded);
    }

    [Fact]
    public void LongRun_UsesMultiByteVarint()
    {
        var map = new byte[300 * 300]; // one run of 90000 = 0x15F90 -> 3 varint bytes
        Array.Fill(map, (byte)7);
        var encoded = RunLengthMaskCodec.Encode(map, 300, 300);
        Assert.Equal(RunLengthMaskCodec.HeaderSize + 1 + 3, encoded.Length);
        Assert.Equal(new byte[] { 7, 0x90, 0xBF, 0x05 }, encoded[10..]);
        Assert.Equal(map, RunLengthMaskCodec.Decode(encoded, out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X', (byte)'R', (byte)'L', (byte)'E', 1, 0, 1, 0, 1, 0, 0, 1 })] // magic
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 2, 0, 1, 0, 1, 0, 0, 1 })] // version
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 1, 0, 2, 0, 1, 0, 0, 1 })] // too few pixels
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 1, 0, 1, 0, 1, 0, 0, 2 })] // run past the end
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 1, 0, 1, 0, 1, 0, 0, 0 })] // zero run
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 1, 0, 1, 0, 1, 0, 0, 1, 9 })] // trailing
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L', (byte)'E', 1, 0, 1, 0, 1, 0, 0, 0x81 })] // truncated varint
    [InlineData(new byte[] { (byte)'E', (byte)'R', (byte)'L' })] // short
    public void Decode_RejectsMalformedPayloads(byte[] payload)
    {
        Assert.Throws<InvalidDataException>(() => RunLengthMaskCodec.Decode(payload, out _, out _));
    }

    [Fact]
    public void Encode_RejectsBadSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RunLengthMaskCodec.Encode(new byte[4], 0, 4));
        Assert.Throws<ArgumentException>(() => RunLengthMaskCodec.Encode(new byte[3], 2, 2));
        Assert.Throws<ArgumentException>(() => RunLengthMaskCodec.Encode(new byte[4], 2, 2, new byte[11]));
    }
}
