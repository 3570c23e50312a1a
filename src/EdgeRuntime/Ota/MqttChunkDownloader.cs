using System.Buffers;
using System.Globalization;
using System.Text;
using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Packets;

namespace EdgeRuntime.Ota;

/// <summary>
/// The MQTT fallback transfer: the file is published (retained) in chunks on &lt;topic&gt;/&lt;index&gt;, each with the
/// MQTT 5 user properties index, total, offset and sha256 (of the chunk). Chunks are checked one by one, written
/// at their offset into downloads/&lt;sha256&gt;.part (never past the manifest length) and the whole file is verified
/// at the end. Chunks already received are not needed again within one transfer.
/// </summary>
public static class MqttChunkDownloader
{
    public const int DefaultChunkSize = 64 * 1024;

    /// <summary>The chunk messages of <paramref name="file"/> (what `edgert fleet publish --chunks` sends).</summary>
    public static IEnumerable<MqttApplicationMessage> Chunks(string topic, byte[] file, int chunkSize = DefaultChunkSize)
    {
        int total = Math.Max(1, (file.Length + chunkSize - 1) / chunkSize);
        for (int i = 0; i < total; i++)
        {
            int offset = i * chunkSize;
            var chunk = file.AsMemory(offset, Math.Min(chunkSize, file.Length - offset));
            yield return new MqttApplicationMessageBuilder()
                .WithTopic($"{topic}/{i.ToString(CultureInfo.InvariantCulture)}")
                .WithPayload(chunk.ToArray())
                .WithRetainFlag(true)
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
                .WithUserProperty("index", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)))
                .WithUserProperty("total", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(total.ToString(CultureInfo.InvariantCulture)))
                .WithUserProperty("offset", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(offset.ToString(CultureInfo.InvariantCulture)))
                .WithUserProperty("sha256", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(Convert.ToHexStringLower(SHA256.HashData(chunk.Span))))
                .Build();
        }
    }

    public static async Task<string> DownloadAsync(OtaMqttClient mqtt, string topic, string sha256, long length, long maxBytes, string dir,
        TimeSpan timeout, Action<long, long>? progress, CancellationToken ct)
    {
        if (length > maxBytes) throw new ModelDownloadException("too-large", $"model is {length} bytes, Ota:MaxModelBytes is {maxBytes}");
        Directory.CreateDirectory(dir);
        string part = HttpModelDownloader.PartPath(dir, sha256) + ".mqtt";
        string done = HttpModelDownloader.DonePath(dir, sha256);
        var received = new HashSet<int>();
        int total = -1;
        long bytes = 0;
        var complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new Lock();
        await using var file = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.Read);
        file.SetLength(length);
        string prefix = topic.TrimEnd('/') + "/";

        var previous = mqtt.MessageReceived;
        mqtt.MessageReceived = async (t, m) =>
        {
            if (!t.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (previous is not null) await previous(t, m).ConfigureAwait(false);
                return;
            }
            if (!TryProp(m, "index", out long index) || !TryProp(m, "total", out long tot) || !TryProp(m, "offset", out long offset)) return;
            string? chunkSha = m.UserProperties?.FirstOrDefault(p => p.Name == "sha256")?.ReadValueAsString();
            byte[] payload = m.Payload.ToArray();
            if (tot <= 0 || tot > 1_000_000 || index < 0 || index >= tot || offset < 0 || offset + payload.Length > length) return; // out of bounds: ignore
            if (chunkSha is null || !string.Equals(Convert.ToHexStringLower(SHA256.HashData(payload)), chunkSha, StringComparison.OrdinalIgnoreCase)) return;
            lock (gate)
            {
                if (total < 0) total = (int)tot;
                if (tot != total || !received.Add((int)index)) return;
                file.Seek(offset, SeekOrigin.Begin);
                file.Write(payload);
                bytes += payload.Length;
                if (received.Count == total) complete.TrySetResult();
            }
            progress?.Invoke(bytes, length);
        };
        string filter = prefix + "+";
        try
        {
            await mqtt.SubscribeAsync(filter, ct).ConfigureAwait(false);
            try
            {
                await complete.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new ModelDownloadException("chunks-timeout", $"received {received.Count} of {(total < 0 ? "?" : total)} chunks on {topic} within {timeout.TotalSeconds:F0} s");
            }
        }
        finally
        {
            mqtt.MessageReceived = previous;
            await mqtt.UnsubscribeAsync(filter, CancellationToken.None).ConfigureAwait(false);
        }
        lock (gate) file.Flush(flushToDisk: true);
        await file.DisposeAsync().ConfigureAwait(false);
        return await HttpModelDownloader.FinishAsync(part, done, sha256, length, ct).ConfigureAwait(false);
    }

    private static bool TryProp(MqttApplicationMessage m, string name, out long value)
    {
        value = 0;
        string? s = m.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();
        return s is not null && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}
