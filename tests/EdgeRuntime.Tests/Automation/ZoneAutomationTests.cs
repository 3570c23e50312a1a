using System.Text.Json;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Wiring;
using EdgeRuntime.Imaging;
using EdgeRuntime.Automation.Events;
using EdgeRuntime.Automation.HomeAssistant;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Automation;

/// <summary>An in-memory <see cref="IMessagePublisher"/>: connected or not, records what was published.</summary>
internal sealed class RecordingMessagePublisher : IMessagePublisher
{
    public bool IsConnected { get; set; } = true;
    public long ConnectionCount { get; set; } = 1;
    public List<OutgoingMessage> Sent { get; } = [];

    public bool TryPublish(OutgoingMessage message)
    {
        if (!IsConnected) return false;
        Sent.Add(message);
        return true;
    }
}

public sealed class ZoneAutomationTests
{
    private static readonly TopicLayout Topics = new("edgert/v1", "cam1");

    private static ZoneSet Doorway() => ZoneSet.Validate(new ZonesFile
    {
        Zones = [new ZoneDefinition { Name = "doorway", Points = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]], Classes = ["person"], OnThreshold = 0.5, OffThreshold = 0.2, OnFrames = 2, OffFrames = 1 }],
    });

    private static (ZoneAutomation, RecordingMessagePublisher) Create(AutomationOptions options)
    {
        var publisher = new RecordingMessagePublisher();
        var events = new ZoneEventPublisher(publisher, Topics, options.Snapshot.Enabled);
        return (new ZoneAutomation(Doorway(), options, Topics, publisher, [events]), publisher);
    }

    private static byte[] Map(int personColumns)
    {
        var map = new byte[10 * 4];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < personColumns; x++) map[y * 10 + x] = 15;
        return map;
    }

    private static RgbImage Image()
    {
        var pixels = new byte[10 * 4 * 3];
        new Random(5).NextBytes(pixels);
        return new RgbImage(10, 4, pixels);
    }

    [Fact]
    public void Transition_PublishesEventThenRetainedState_InTheSameFrame()
    {
        var (automation, publisher) = Create(new AutomationOptions { StateIntervalMs = 3_600_000 });
        automation.OnFrame(Map(5), 10, 4, 1, DateTimeOffset.UnixEpoch, Image()); // first frame: all states (connect) published
        int afterFirst = publisher.Sent.Count;
        Assert.Equal(1, afterFirst); // one retained zone state, no event yet (on_frames 2)
        automation.OnFrame(Map(5), 10, 4, 2, DateTimeOffset.UnixEpoch.AddSeconds(1), Image());
        var sent = publisher.Sent.Skip(afterFirst).ToList();
        Assert.Equal([Topics.Events, Topics.Zone("doorway")], sent.Select(m => m.Topic));
        var ev = JsonDocument.Parse(sent[0].Payload).RootElement;
        Assert.Equal("occupied", ev.GetProperty("state").GetString());
        Assert.Equal("person", ev.GetProperty("class").GetString());
        Assert.Equal(2, ev.GetProperty("frame_id").GetInt64());
        Assert.Equal(1.0, ev.GetProperty("coverage").GetDouble());
        Assert.False(ev.TryGetProperty("snapshot", out _));
        Assert.False(sent[0].Retain);
        Assert.True(sent[1].Retain);
        var state = JsonDocument.Parse(sent[1].Payload).RootElement;
        Assert.Equal("occupied", state.GetProperty("state").GetString());
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), state.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(1.0, state.GetProperty("classes").GetProperty("person").GetProperty("coverage").GetDouble());
        // No image payload anywhere with snapshots off.
        Assert.DoesNotContain(publisher.Sent, m => m.ContentType.StartsWith("image/", StringComparison.Ordinal));
    }

    [Fact]
    public void Reconnect_RepublishesStatesAndDiscovery()
    {
        var options = new AutomationOptions { StateIntervalMs = 3_600_000 };
        options.HomeAssistant.Enabled = true;
        var (automation, publisher) = Create(options);
        automation.OnFrame(Map(0), 10, 4, 1, DateTimeOffset.UtcNow);
        int perConnect = publisher.Sent.Count;
        Assert.Equal(1 + 1 + 1 + 4, perConnect); // discovery: occupancy + coverage + 4 device sensors; then the state
        automation.OnFrame(Map(0), 10, 4, 2, DateTimeOffset.UtcNow);
        Assert.Equal(perConnect, publisher.Sent.Count); // nothing changed, interval not due
        publisher.ConnectionCount = 2;
        automation.OnFrame(Map(0), 10, 4, 3, DateTimeOffset.UtcNow);
        Assert.Equal(2 * perConnect, publisher.Sent.Count);
        Assert.All(publisher.Sent, m => Assert.True(m.Retain));
    }

    [Fact]
    public void Snapshot_WhenEnabled_IsARedactedPng_WithTheEventId()
    {
        var options = new AutomationOptions();
        options.Snapshot.Enabled = true;
        options.Snapshot.Mode = "fill";
        var (automation, publisher) = Create(options);
        var image = Image();
        automation.OnFrame(Map(5), 10, 4, 1, DateTimeOffset.UtcNow, image);
        automation.OnFrame(Map(5), 10, 4, 2, DateTimeOffset.UtcNow, image);
        var snap = Assert.Single(publisher.Sent, m => m.Topic == Topics.EventSnapshots);
        Assert.Equal("image/png", snap.ContentType);
        var ev = JsonDocument.Parse(publisher.Sent.Single(m => m.Topic == Topics.Events).Payload).RootElement;
        Assert.Equal(ev.GetProperty("event_id").GetString(), snap.UserProperties!.Single(p => p.Key == "event-id").Value);
        var decoded = new RgbImage();
        ImageDecoder.Decode(snap.Payload, decoded);
        Assert.Equal((10, 4), (decoded.Width, decoded.Height));
        var map = Map(5);
        for (int i = 0; i < 40; i++)
        {
            var got = decoded.Pixels.Slice(i * 3, 3).ToArray();
            if (map[i] == 15) Assert.Equal(new byte[3], got);
            else Assert.Equal(image.Pixels.Slice(i * 3, 3).ToArray(), got);
        }
    }

    [Fact]
    public void DiscoveryPayloads_PassTheSchema_AndTheCheckerCatchesBrokenOnes()
    {
        var configs = DiscoveryBuilder.Build(Doorway(), Topics, new HomeAssistantOptions { Enabled = true });
        foreach (var (topic, config) in configs)
            Assert.Empty(HomeAssistantDiscoverySchema.Check(topic, JsonDocument.Parse(DiscoveryBuilder.Serialize(config)).RootElement));

        var (okTopic, ok) = configs.First(c => c.Config.DeviceClass == "temperature");
        JsonElement Mutate(Action<DiscoveryConfig> change)
        {
            var copy = JsonSerializer.Deserialize(DiscoveryBuilder.Serialize(ok), DiscoveryJsonContext.Default.DiscoveryConfig)!;
            change(copy);
            return JsonDocument.Parse(DiscoveryBuilder.Serialize(copy)).RootElement;
        }
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check(okTopic, Mutate(c => c.UnitOfMeasurement = "C")));
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check(okTopic, Mutate(c => c.StateClass = "average")));
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check(okTopic, Mutate(c => c.StateTopic = "")));
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check(okTopic, Mutate(c => c.Device.Identifiers = [])));
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check(okTopic, Mutate(c => c.EntityCategory = "config")));
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check("homeassistant/sensor/bad node/x/config", Mutate(_ => { })));
        var binary = configs.First(c => c.Config.DeviceClass == "occupancy");
        var wrongClass = JsonSerializer.Deserialize(DiscoveryBuilder.Serialize(binary.Config), DiscoveryJsonContext.Default.DiscoveryConfig)!;
        wrongClass.DeviceClass = "person";
        Assert.NotEmpty(HomeAssistantDiscoverySchema.Check(binary.Topic, JsonDocument.Parse(DiscoveryBuilder.Serialize(wrongClass)).RootElement));
    }
}
