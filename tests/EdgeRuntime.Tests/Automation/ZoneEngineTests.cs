using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Tests.Automation;

public sealed class ZoneEngineTests
{
    private sealed class RecordingSink : IZoneTransitionSink
    {
        public List<ZoneTransition> Seen { get; } = [];
        public void OnZoneTransition(in ZoneTransition transition) => Seen.Add(transition);
    }

    private sealed class ThrowingSink : IZoneTransitionSink
    {
        public void OnZoneTransition(in ZoneTransition transition) => throw new InvalidOperationException("broken sink");
    }

    /// <summary>Counts without allocating (for the allocation test).</summary>
    private sealed class CountingSink : IZoneTransitionSink
    {
        public int Count;
        public void OnZoneTransition(in ZoneTransition transition) => Count++;
    }

    internal static ZoneSet EightZones(params string[] classes)
    {
        var zones = new ZonesFile();
        for (int i = 0; i < 8; i++)
        {
            // Eight overlapping polygons of 4-6 vertices across the image.
            double x = (i % 4) * 0.22, y = (i / 4) * 0.45;
            var points = new List<double[]> { new[] { x, y }, new[] { x + 0.3, y + 0.02 }, new[] { x + 0.34, y + 0.3 }, new[] { x + 0.15, y + 0.5 }, new[] { x + 0.01, y + 0.35 } };
            zones.Zones.Add(new ZoneDefinition { Name = $"zone{i}", Points = points, Classes = classes.ToList(), OnThreshold = 0.2, OffThreshold = 0.1, OnFrames = 2, OffFrames = 2 });
        }
        return ZoneSet.Validate(zones);
    }

    private static ZoneSet Single(string cls = "person", int onFrames = 1, int offFrames = 1) => ZoneSet.Validate(new ZonesFile
    {
        Zones =
        [
            new ZoneDefinition { Name = "left", Points = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]], Classes = [cls, "dog"], OnThreshold = 0.5, OffThreshold = 0.25, OnFrames = onFrames, OffFrames = offFrames },
            new ZoneDefinition { Name = "right", Points = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], Classes = [cls], OnThreshold = 0.5, OffThreshold = 0.25, OnFrames = onFrames, OffFrames = offFrames },
        ],
    });

    /// <summary>A 20x10 map whose left half is <paramref name="leftClass"/> on the first <paramref name="columns"/> columns.</summary>
    private static byte[] Map(byte leftClass, int columns)
    {
        var map = new byte[20 * 10];
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < columns; x++) map[y * 20 + x] = leftClass;
        return map;
    }

    [Fact]
    public void Coverage_IsTheFractionOfZonePixels_AndTransitionsReachEverySinkInOrder()
    {
        var a = new RecordingSink();
        var b = new RecordingSink();
        var engine = new ZoneEngine(Single(), [a, new ThrowingSink(), b]);
        var t0 = DateTimeOffset.UnixEpoch;
        engine.Process(Map(15, 6), 20, 10, frameId: 1, t0); // person on 6 of the left zone's 10 columns
        Assert.Equal(0.6, engine.Coverage(0), 6);
        Assert.Equal(0.0, engine.Coverage(1), 6); // dog in left
        Assert.Equal(0.0, engine.Coverage(2), 6); // person in right
        Assert.Equal(ZoneState.Occupied, engine.ZoneStateOf(0));
        Assert.True(engine.ZoneChanged(0));
        Assert.False(engine.ZoneChanged(1));
        var expected = new ZoneTransition("left", "person", ZoneState.Occupied, 0.6, 1, t0);
        Assert.Equal([expected], a.Seen);
        Assert.Equal([expected], b.Seen); // the throwing sink in between stopped nobody
        Assert.Equal(1, engine.SinkFailures);

        engine.Process(Map(15, 2), 20, 10, frameId: 2, t0.AddSeconds(1)); // 0.2 < off 0.25
        Assert.Equal(ZoneState.Clear, a.Seen[^1].State);
        Assert.Equal(2, a.Seen[^1].FrameId);
        Assert.Equal(t0.AddSeconds(1), engine.ZoneSince(0));
        Assert.Equal(t0, engine.ZoneSince(1)); // never changed: since the first frame
    }

    [Fact]
    public void MapSizeChange_RebuildsMasks()
    {
        var engine = new ZoneEngine(Single());
        engine.Process(Map(15, 10), 20, 10, 1, DateTimeOffset.UtcNow);
        Assert.Equal(100, engine.Masks[0].PixelCount);
        var bigger = new byte[40 * 40];
        engine.Process(bigger, 40, 40, 2, DateTimeOffset.UtcNow);
        Assert.Equal(800, engine.Masks[0].PixelCount);
        engine.Process(new byte[10], 40, 40, 3, DateTimeOffset.UtcNow); // too short: ignored, no throw
        Assert.Equal(2, engine.LastFrameId);
    }

    [Fact]
    public void SteadyStateStep_AllocatesNothing_EvenWithTransitions()
    {
        var sink = new CountingSink();
        var engine = new ZoneEngine(EightZones("person", "dog"), [sink]);
        const int W = 513, H = 513;
        var empty = new byte[W * H];
        var full = new byte[W * H];
        full.AsSpan().Fill(15);
        var now = DateTimeOffset.UtcNow;
        engine.Process(empty, W, H, 0, now); // warm-up: masks built here
        engine.Process(full, W, H, 1, now);
        engine.Process(full, W, H, 2, now);
        int before = sink.Count;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int f = 3; f < 43; f++)
            engine.Process((f / 4) % 2 == 0 ? empty : full, W, H, f, now);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(sink.Count - before >= 16, $"only {sink.Count - before} transitions: the loop did not exercise the rules");
        Assert.Equal(0, allocated);
    }
}
