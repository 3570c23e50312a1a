using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Camera.Sources;

namespace EdgeRuntime.Tests.Camera;

public class LatestFrameSlotTests
{
    private static void Produce(LatestFrameSlot slot, long id)
    {
        FrameBuffer frame = slot.ProducerBuffer;
        frame.FrameId = id;
        frame.Prepare(8).Fill((byte)id);
        slot.Publish();
    }

    [Fact]
    public void NewestFrameWinsAndOverwrittenFramesAreDropped()
    {
        var slot = new LatestFrameSlot(16);
        Assert.False(slot.TryTake(out _));
        for (int i = 1; i <= 5; i++) Produce(slot, i);
        Assert.True(slot.TryTake(out FrameBuffer? frame));
        Assert.Equal(5, frame.FrameId);
        Assert.False(slot.TryTake(out _));
        Assert.Equal((5L, 4L, 1L), (slot.Captured, slot.Dropped, slot.Taken));

        Produce(slot, 6);
        Assert.Equal(5, frame.FrameId); // the consumer's frame is untouched until its next take
        Produce(slot, 7);
        Assert.True(slot.TryTake(out frame));
        Assert.Equal(7, frame.FrameId);
        Assert.Equal((7L, 5L, 2L), (slot.Captured, slot.Dropped, slot.Taken));
    }

    [Fact]
    public async Task EndOfStreamAfterTheLastFrame()
    {
        var slot = new LatestFrameSlot(16);
        Produce(slot, 1);
        slot.Complete();
        Assert.True(slot.IsCompleted);
        Assert.False(slot.IsEndOfStream);
        Assert.Equal(1, slot.Take()!.FrameId);
        Assert.True(slot.IsEndOfStream);
        Assert.Null(slot.Take());
        Assert.Null(await slot.TakeAsync());
        Assert.Throws<InvalidOperationException>(() => slot.Publish());
    }

    [Fact]
    public async Task FailedStreamThrowsItsError()
    {
        var slot = new LatestFrameSlot(16);
        ValueTask<FrameBuffer?> pending = slot.TakeAsync();
        Assert.False(pending.IsCompleted);
        slot.Complete(new FrameSourceException("camera unplugged"));
        var e = await Assert.ThrowsAsync<FrameSourceException>(async () => await pending);
        Assert.Equal("camera unplugged", e.Message);
        Assert.Throws<FrameSourceException>(() => slot.Take());
        Assert.IsType<FrameSourceException>(slot.Fault);
    }

    [Fact]
    public async Task TakeAsyncWaitsForPublishAndCanBeCancelled()
    {
        var slot = new LatestFrameSlot(16);
        ValueTask<FrameBuffer?> pending = slot.TakeAsync();
        Assert.False(pending.IsCompleted);
        Produce(slot, 42);
        Assert.Equal(42, (await pending)!.FrameId);
        Assert.Equal((1L, 0L, 1L), (slot.Captured, slot.Dropped, slot.Taken));

        using var cts = new CancellationTokenSource();
        pending = slot.TakeAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);

        // Still usable afterwards.
        pending = slot.TakeAsync(CancellationToken.None);
        Produce(slot, 43);
        Assert.Equal(43, (await pending)!.FrameId);
    }

    /// <summary>Writes the frame id into every byte, so a torn or overwritten frame is visible.</summary>
    private sealed class StampSource(int count, int size) : IFrameSource
    {
        private long _id;
        public string Description => "stamp";
        public ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
        {
            if (_id >= count) return new ValueTask<bool>(false);
            frame.FrameId = ++_id;
            frame.Prepare(size).Fill((byte)_id);
            return new ValueTask<bool>(true);
        }
        public ValueTask DisposeAsync() => default;
    }

    [Fact]
    public async Task FastProducerSlowConsumerDropsAndNeverTearsFrames()
    {
        var slot = new LatestFrameSlot(64 << 10);
        await using var loop = FrameCaptureLoop.Start(new StampSource(3000, 64 << 10), slot);
        long lastId = 0, taken = 0;
        while (slot.Take() is { } frame)
        {
            Assert.True(frame.FrameId > lastId);
            lastId = frame.FrameId;
            taken++;
            Thread.Sleep(2); // "inference"
            byte stamp = (byte)frame.FrameId;
            Assert.True(frame.Bytes.IndexOfAnyExcept(stamp) < 0, $"frame {frame.FrameId} was modified while held");
        }
        await loop.Completion;
        Assert.Equal(3000, slot.Captured);
        Assert.Equal(3000, lastId);                        // the last frame is never lost
        Assert.Equal(taken, slot.Taken);
        Assert.Equal(slot.Captured, slot.Taken + slot.Dropped);
        Assert.True(slot.Dropped > 0, "a slow consumer must drop frames");
        Assert.Equal(0, slot.SourceErrors);
        Assert.True(slot.IsEndOfStream);
    }

    [Fact]
    public void SyntheticSourceAndSlotAllocateNothingPerFrame()
    {
        var source = new SyntheticFrameSource(64, 48, fps: 0);
        var slot = new LatestFrameSlot(64 * 48 * 3);
        var image = new RgbImage(64 * 48);
        long checksum = 0;

        void Run(int frames)
        {
            for (int i = 0; i < frames; i++)
            {
                ValueTask<bool> read = source.ReadFrameAsync(slot.ProducerBuffer, CancellationToken.None);
                Assert.True(read.IsCompletedSuccessfully);
                Assert.True(read.Result);
                slot.Publish();
                if (i % 3 == 0) continue; // drop some
                Assert.True(slot.TryTake(out FrameBuffer? frame));
                FrameDecoder.Decode(frame, image);
                checksum += image.Pixels[i % image.Pixels.Length];
            }
        }

        Run(50); // warm-up: buffers grow, JIT tiers settle
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(300);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(slot.Dropped > 0);
        Assert.NotEqual(0, checksum);
    }

    [Fact]
    public async Task ConsumerTakeAllocatesNothingWithACaptureLoop()
    {
        var slot = new LatestFrameSlot(32 * 32 * 3);
        var image = new RgbImage(32 * 32);
        // Endless source: under load the producer must not run out of frames before the consumer has taken its share.
        await using var loop = FrameCaptureLoop.Start(new SyntheticFrameSource(32, 32, fps: 0, frameCount: 0), slot);
        for (int i = 0; i < 20; i++) FrameDecoder.Decode(slot.Take()!, image); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        int taken = 0;
        while (taken < 200 && slot.Take() is { } frame)
        {
            FrameDecoder.Decode(frame, image);
            taken++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(200, taken);
    }

    private sealed class FlakySource(int failures, int frames, bool failForever = false) : IFrameSource
    {
        private int _calls, _frames;
        public string Description => "flaky";
        public ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
        {
            if (failForever || _calls++ < failures) throw new IOException("read failed");
            if (_frames >= frames) return new ValueTask<bool>(false);
            frame.FrameId = ++_frames;
            frame.Prepare(1);
            return new ValueTask<bool>(true);
        }
        public ValueTask DisposeAsync() => default;
    }

    [Fact]
    public async Task CaptureLoopCountsSourceErrorsAndRecovers()
    {
        var slot = new LatestFrameSlot(16);
        var errors = new List<Exception>();
        await using var loop = FrameCaptureLoop.Start(new FlakySource(2, 3), slot, maxConsecutiveErrors: 3, errorDelay: TimeSpan.FromMilliseconds(1), onError: errors.Add);
        await loop.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, slot.SourceErrors);
        Assert.Equal(2, errors.Count);
        Assert.Equal(3, slot.Captured);
        Assert.Null(slot.Fault);
        Assert.Equal(3, slot.Take()!.FrameId);
        Assert.Null(slot.Take());
    }

    [Fact]
    public async Task CaptureLoopGivesUpAfterConsecutiveErrors()
    {
        var slot = new LatestFrameSlot(16);
        await using var loop = FrameCaptureLoop.Start(new FlakySource(0, 0, failForever: true), slot, maxConsecutiveErrors: 4, errorDelay: TimeSpan.FromMilliseconds(1));
        await loop.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, slot.SourceErrors);
        Assert.IsType<IOException>(slot.Fault);
        await Assert.ThrowsAsync<IOException>(async () => await slot.TakeAsync());
    }

    [Fact]
    public async Task DisposingTheLoopStopsAnEndlessPacedSource()
    {
        var slot = new LatestFrameSlot(16);
        await using var source = new SyntheticFrameSource(16, 16, fps: 200);
        var loop = FrameCaptureLoop.Start(source, slot);
        Assert.NotNull(await slot.TakeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await loop.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(slot.IsCompleted);
        Assert.Null(slot.Fault);
    }
}
