using System.Diagnostics;
using System.Security.Cryptography;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Graph;
using EdgeRuntime.Ota;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.OtaTestHost;

/// <summary>
/// A small but real segmenter: reads the model file, Interpreter.Create, then per frame: nearest-neighbour resize of the
/// RGB frame into input 0 (uint8 as is, int8 - 128, float32 scaled to [-1,1]), Invoke, class map of output 0 (ids or
/// argmax of logits), nearest upsample to the frame size. No mock: our interpreter runs the model bytes.
/// </summary>
internal sealed class InterpreterSegmenter : ISegmenter
{
    private readonly Interpreter _interpreter;
    private readonly int _inH, _inW, _inC;
    private readonly TensorType _inType;

    public InterpreterSegmenter(string modelPath)
    {
        byte[] bytes = File.ReadAllBytes(modelPath);
        ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        ModelName = Path.GetFileNameWithoutExtension(modelPath);
        var graph = TfliteModelReader.Read(bytes);
        _interpreter = Interpreter.Create(graph);
        var input = graph.Input(0);
        _inH = input.Shape[1];
        _inW = input.Shape[2];
        _inC = input.Shape[3];
        _inType = input.Type;
        ClassCount = graph.Output(0).Type is TensorType.Int32 or TensorType.Int64 ? 21 : graph.Output(0).Shape[^1];
    }

    public string ModelName { get; }
    public string ModelSha256 { get; }
    public int ClassCount { get; }
    public bool Disposed { get; private set; }

    public SegmentationTimings Segment(RgbImage frame, Span<byte> classMap)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        long t0 = Stopwatch.GetTimestamp();
        Span<byte> input = _interpreter.InputBytes(0);
        var px = frame.Pixels;
        for (int y = 0; y < _inH; y++)
        {
            int sy = y * frame.Height / _inH;
            for (int x = 0; x < _inW; x++)
            {
                int sx = x * frame.Width / _inW;
                for (int c = 0; c < _inC; c++)
                {
                    byte v = px[3 * (sy * frame.Width + sx) + Math.Min(c, 2)];
                    int i = (y * _inW + x) * _inC + c;
                    switch (_inType)
                    {
                        case TensorType.UInt8: input[i] = v; break;
                        case TensorType.Int8: input[i] = (byte)(sbyte)(v - 128); break;
                        default: System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(input)[i] = (v - 127.5f) / 127.5f; break;
                    }
                }
            }
        }
        long t1 = Stopwatch.GetTimestamp();
        _interpreter.Invoke();
        long t2 = Stopwatch.GetTimestamp();
        var (map, h, w) = GoldenCheck.ClassMap(_interpreter);
        for (int y = 0; y < frame.Height; y++)
        {
            int my = y * h / frame.Height;
            for (int x = 0; x < frame.Width; x++)
                classMap[y * frame.Width + x] = map[my * w + x * w / frame.Width];
        }
        long t3 = Stopwatch.GetTimestamp();
        return new SegmentationTimings(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
    }

    public void Dispose() => Disposed = true;
}

/// <summary>An endless synthetic Rgb24 source (16x12, a moving band), one frame every <c>delayMs</c>, consecutive frame ids.</summary>
public sealed class EndlessSyntheticSource(int delayMs) : IFrameSource
{
    public const int Width = 16, Height = 12;
    private long _next;

    public string Description => $"synthetic-endless {Width}x{Height} every {delayMs} ms";

    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        if (delayMs > 0) await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
        long index = _next++;
        frame.FrameId = index;
        frame.Timestamp = DateTimeOffset.UtcNow;
        frame.Format = FrameFormat.Rgb24;
        frame.Width = Width;
        frame.Height = Height;
        var span = frame.Prepare(Width * Height * 3);
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int o = 3 * (y * Width + x);
                span[o] = (x + index) % 8 < 3 ? (byte)200 : (byte)30;
                span[o + 1] = (byte)(x * 10);
                span[o + 2] = (byte)(y * 10);
            }
        return true;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
