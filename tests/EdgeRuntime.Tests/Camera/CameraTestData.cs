using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Camera;

/// <summary>Test inputs for the camera tests: real JPEGs from the shared data, and small temp folders.</summary>
internal static class CameraTestData
{
    /// <summary>pets.jpg: EXIF/Photoshop thumbnails embed two more SOI/EOI pairs inside APP segments.</summary>
    public static string PetsJpg => SharedData.Path("data", "demo", "pets.jpg");

    /// <summary>kite_and_cold.jpg: 1.4 MB, restart markers (DRI) in the entropy-coded data.</summary>
    public static string KiteJpg => SharedData.Path("data", "demo", "kite_and_cold.jpg");

    public static string VocJpg(int i) =>
        Directory.EnumerateFiles(SharedData.Path("data", "voc2012_val", "JPEGImages"), "*.jpg").Order(StringComparer.Ordinal).ElementAt(i);

    public static byte[] Garbage(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        // Keep it free of SOI+marker so it cannot look like a frame start.
        for (int i = 0; i + 1 < bytes.Length; i++)
            if (bytes[i] == 0xFF && bytes[i + 1] == 0xD8) bytes[i + 1] = 0x00;
        return bytes;
    }

    public static TempFolder NewTempFolder() => new();

    internal sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgert-camera-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>A read-only stream that returns at most <c>chunk</c> bytes per read (exercises frame boundaries split across reads).</summary>
internal sealed class ChunkedStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
