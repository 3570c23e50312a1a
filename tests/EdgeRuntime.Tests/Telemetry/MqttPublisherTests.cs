using System.Buffers;
using System.Text.Json;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Telemetry;

/// <summary>MqttPublisher against a real mosquitto on a loopback port.</summary>
public sealed class MqttPublisherTests
{
    private static readonly TimeSpan Timeout = TelemetryTestData.Timeout;

    private static long FramesOf(MQTTnet.MqttApplicationMessage m) =>
        JsonDocument.Parse(MqttTestSubscriber.Text(m)).RootElement.GetProperty("frames_processed").GetInt64();

    [Fact]
    public async Task Connect_PublishesRetainedOnline_AndTelemetry_CleanStopPublishesStopped()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        var options = TelemetryTestData.Options(broker.Host, broker.Port, "online-dev");
        var publisher = new MqttPublisher(options);
        publisher.Start();
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout), "publisher did not connect:\n" + broker.Log);

        // A subscriber that arrives later still gets the retained status.
        await using (var late = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, publisher.Topics.Status))
        {
            var status = await late.WaitForAsync(_ => true, Timeout, "retained status");
            Assert.True(status.Retain);
            Assert.Equal(TopicLayout.Online, MqttTestSubscriber.Text(status));
        }

        await using var telemetry = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, publisher.Topics.Telemetry);
        Assert.True(publisher.TryPublishTelemetry(TelemetryTestData.Snapshot("online-dev", 42)));
        var t = await telemetry.WaitForAsync(_ => true, Timeout, "telemetry");
        Assert.False(t.Retain);
        Assert.Equal(60u, t.MessageExpiryInterval);
        Assert.Equal("application/json", t.ContentType);
        Assert.Equal(42, FramesOf(t));
        Assert.Equal("edgert/v1/online-dev/telemetry", t.Topic);

        await publisher.DisposeAsync();
        await using var after = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, publisher.Topics.Status);
        var final = await after.WaitForAsync(_ => true, Timeout, "retained status after stop");
        Assert.Equal(TopicLayout.Stopped, MqttTestSubscriber.Text(final));
        Assert.True(final.Retain);
    }

    [Fact]
    public async Task ConnectionDroppedWithoutDisconnect_BrokerPublishesRetainedLastWillOffline()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        var publisher = new MqttPublisher(TelemetryTestData.Options(broker.Host, broker.Port, "lwt-dev"));
        publisher.Start();
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout), "publisher did not connect:\n" + broker.Log);

        await using var watcher = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, publisher.Topics.Status);
        var online = await watcher.WaitForAsync(_ => true, Timeout, "retained online");
        Assert.Equal(TopicLayout.Online, MqttTestSubscriber.Text(online));

        // Close the socket with no DISCONNECT packet, as when the process is killed.
        await publisher.AbortWithoutDisconnectAsync();

        var will = await watcher.WaitForAsync(m => MqttTestSubscriber.Text(m) == TopicLayout.Offline, Timeout, "Last Will offline");
        Assert.Equal("edgert/v1/lwt-dev/status", will.Topic);

        // ...and it is retained for subscribers that come later.
        await using var late = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, publisher.Topics.Status);
        var retained = await late.WaitForAsync(_ => true, Timeout, "retained offline");
        Assert.True(retained.Retain);
        Assert.Equal(TopicLayout.Offline, MqttTestSubscriber.Text(retained));
        await publisher.DisposeAsync(); // no-op after abort
    }

    [Fact]
    public async Task BrokerRestart_PublisherReconnects_DropsWhileDown_AndResumesWithLatestTelemetry()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        var options = TelemetryTestData.Options(broker.Host, broker.Port, "restart-dev");
        options.PublishMasks = true;
        options.MaxMaskRatePerSecond = 1000;
        await using var publisher = new MqttPublisher(options);
        publisher.Start();
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout), "publisher did not connect:\n" + broker.Log);

        broker.Stop();
        var deadline = DateTime.UtcNow + Timeout;
        while (publisher.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(publisher.IsConnected, "publisher did not notice the broker going away");

        // While down: telemetry is not queued without bound (only the latest is kept), masks are dropped.
        var before = publisher.GetStats();
        for (int i = 1; i <= 10; i++)
        {
            Assert.False(publisher.TryPublishTelemetry(TelemetryTestData.Snapshot("restart-dev", 1000 + i)));
            Assert.False(publisher.TryReserveMaskSlot());
            Assert.False(publisher.TryPublishMask(new MaskMessage(i, DateTimeOffset.UtcNow, 2, 2, "v1", MaskEncodings.RunLength, [1, 2, 3])));
        }
        var during = publisher.GetStats();
        // 9 telemetry replaced by a newer one + 10 mask slots refused + 10 masks refused.
        Assert.Equal(before.DroppedDisconnected + 9 + 10 + 10, during.DroppedDisconnected);
        Assert.False(during.Connected);

        await Task.Delay(300); // let a few reconnect attempts fail
        Assert.True(publisher.ConnectFailures >= 1);
        await broker.StartAsync();
        // Subscribe before the publisher gets back in (its back-off is at most 500 ms).
        await using var sub = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, publisher.Topics.Root + "/#");
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout, minConnections: 2), "publisher did not reconnect:\n" + broker.Log);
        Assert.Equal(1, publisher.GetStats().Reconnects);

        // The retained online status is back (the restarted broker had lost it: persistence is off)...
        await sub.WaitForAsync(m => m.Topic.EndsWith("/status") && MqttTestSubscriber.Text(m) == TopicLayout.Online, Timeout, "online after reconnect");
        // ...the latest telemetry kept while down is delivered first, and only it...
        var kept = await sub.WaitForAsync(m => m.Topic.EndsWith("/telemetry"), Timeout, "kept telemetry");
        Assert.Equal(1010, FramesOf(kept));
        // ...and publishing resumes.
        Assert.True(publisher.TryPublishTelemetry(TelemetryTestData.Snapshot("restart-dev", 2000)));
        Assert.True(publisher.TryReserveMaskSlot());
        Assert.True(publisher.TryPublishMask(new MaskMessage(7, DateTimeOffset.UtcNow, 2, 2, "v1", MaskEncodings.RunLength, RunLengthMaskCodec.Encode([0, 0, 1, 1], 2, 2))));
        var resumed = await sub.WaitForAsync(m => m.Topic.EndsWith("/telemetry") && FramesOf(m) == 2000, Timeout, "telemetry after reconnect");
        Assert.Equal(2000, FramesOf(resumed));
        var mask = await sub.WaitForAsync(m => m.Topic.EndsWith("/mask"), Timeout, "mask after reconnect");
        Assert.Equal("7", MqttTestSubscriber.UserProperty(mask, "frame-id"));
        Assert.Equal("2", MqttTestSubscriber.UserProperty(mask, "width"));
        Assert.Equal("rle", MqttTestSubscriber.UserProperty(mask, "encoding"));
        Assert.Equal(RunLengthMaskCodec.ContentType, mask.ContentType);
        Assert.Equal(new byte[] { 0, 0, 1, 1 }, RunLengthMaskCodec.Decode(mask.Payload.ToArray(), out _, out _));
        Assert.DoesNotContain(sub.All, m => m.Topic.EndsWith("/telemetry") && FramesOf(m) is > 1000 and < 1010);
    }

    [Fact]
    public async Task FullQueue_DropsOldest_WithoutBlockingTheCaller()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        var options = TelemetryTestData.Options(broker.Host, broker.Port, "queue-dev");
        options.SendQueueCapacity = 4;
        await using var publisher = new MqttPublisher(options);
        publisher.Start();
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout));

        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 2000; i++) publisher.TryPublishTelemetry(TelemetryTestData.Snapshot("queue-dev", i));
        sw.Stop();
        Assert.True(sw.ElapsedMilliseconds < 5000, $"2000 enqueues took {sw.ElapsedMilliseconds} ms");
        // Every message is accounted for: sent, or dropped (oldest first) when the 4-slot queue was full.
        MqttStats stats = publisher.GetStats();
        var deadline = DateTime.UtcNow + Timeout;
        while (stats.Published + stats.DroppedQueueFull < 2000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            stats = publisher.GetStats();
        }
        Assert.Equal(2000, stats.Published + stats.DroppedQueueFull);
        Assert.Equal(0, stats.DroppedDisconnected);
    }

    [Fact]
    public async Task MaskRateLimit_SkipsMasksFasterThanTheLimit()
    {
        await using var broker = await MosquittoFixture.StartNewAsync();
        var options = TelemetryTestData.Options(broker.Host, broker.Port, "rate-dev");
        options.PublishMasks = true;
        options.MaxMaskRatePerSecond = 2; // one per 500 ms
        await using var publisher = new MqttPublisher(options);
        publisher.Start();
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout));
        Assert.True(publisher.TryReserveMaskSlot());
        Assert.False(publisher.TryReserveMaskSlot());
        Assert.False(publisher.TryReserveMaskSlot());
        Assert.Equal(2, publisher.GetStats().MasksRateLimited);
        await Task.Delay(550);
        Assert.True(publisher.TryReserveMaskSlot());
    }

    [Fact]
    public async Task EmbeddedBroker_RoundTrip_OnLoopbackWithPickedPort()
    {
        await using var broker = await EmbeddedBroker.StartAsync(port: 0);
        Assert.Equal("127.0.0.1", broker.Host);
        Assert.InRange(broker.Port, 1, 65535);

        await using var publisher = new MqttPublisher(TelemetryTestData.Options(broker.Host, broker.Port, "embedded-dev"));
        publisher.Start();
        Assert.True(await publisher.WaitUntilConnectedAsync(Timeout));

        await using var sub = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "edgert/v1/embedded-dev/#");
        var status = await sub.WaitForAsync(m => m.Topic.EndsWith("/status"), Timeout, "retained online");
        Assert.Equal(TopicLayout.Online, MqttTestSubscriber.Text(status));
        Assert.True(publisher.TryPublishTelemetry(TelemetryTestData.Snapshot("embedded-dev", 5)));
        var t = await sub.WaitForAsync(m => m.Topic.EndsWith("/telemetry"), Timeout, "telemetry");
        Assert.Equal(5, FramesOf(t));
    }
}
