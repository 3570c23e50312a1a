using System.Buffers;
using System.Globalization;
using System.Text;
using System.Security.Cryptography;
using EdgeRuntime.Daemon;
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

    /// <summary>
    /// Collects the chunks of one file. Chunks are grouped by their "total": junk on a chunk topic (wrong total, wrong
    /// offsets, bad hashes, oversized, not a chunk at all) cannot block the real set, which completes on its own; a set
    /// that completes but does not hash to the signed manifest's sha256 is dropped and collection goes on.
    /// Memory is bounded: at most 4 candidate sets and 2 x the manifest length in total.
    /// </summary>
    public static async Task<string> DownloadAsync(OtaMqttClient mqtt, string topic, string sha256, long length, long maxBytes, string dir,
        TimeSpan timeout, Action<long, long>? progress, CancellationToken ct, int maxChunkBytes = 1024 * 1024)
    {
        if (length > maxBytes) throw new ModelDownloadException("too-large", $"model is {length} bytes, Ota:MaxModelBytes is {maxBytes}");
        Directory.CreateDirectory(dir);
        string part = HttpModelDownloader.PartPath(dir, sha256) + ".mqtt";
        string done = HttpModelDownloader.DonePath(dir, sha256);
        var sets = new Dictionary<long, SortedDictionary<long, (long Offset, byte[] Payload)>>();
        long held = 0, junk = 0;
        byte[]? assembled = null;
        var complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new Lock();
        string prefix = topic.TrimEnd('/') + "/";

        var previous = mqtt.MessageReceived;
        mqtt.MessageReceived = async (t, m) =>
        {
            if (!t.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (previous is not null) await previous(t, m).ConfigureAwait(false);
                return;
            }
            long size = m.Payload.Length;
            if (size == 0 || size > maxChunkBytes || !TryProp(m, "index", out long index) || !TryProp(m, "total", out long tot) || !TryProp(m, "offset", out long offset)
                || tot <= 0 || tot > 1_000_000 || index < 0 || index >= tot || offset < 0 || offset + size > length
                || t[prefix.Length..] != index.ToString(CultureInfo.InvariantCulture))
            {
                Interlocked.Increment(ref junk);
                return;
            }
            byte[] payload = m.Payload.ToArray();
            string? chunkSha = m.UserProperties?.FirstOrDefault(p => p.Name == "sha256")?.ReadValueAsString();
            if (chunkSha is null || !string.Equals(Convert.ToHexStringLower(SHA256.HashData(payload)), chunkSha, StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref junk);
                return;
            }
            long have;
            lock (gate)
            {
                if (assembled is not null) return;
                if (!sets.TryGetValue(tot, out var set))
                {
                    if (sets.Count >= 4) { junk++; return; }
                    sets[tot] = set = new SortedDictionary<long, (long, byte[])>();
                }
                if (set.ContainsKey(index) || held + payload.Length > 2 * length) { junk++; return; }
                set[index] = (offset, payload);
                held += payload.Length;
                have = set.Values.Sum(c => (long)c.Payload.Length);
                if (set.Count == tot)
                {
                    var file = TryAssemble(set, length, sha256);
                    if (file is not null)
                    {
                        assembled = file;
                        complete.TrySetResult();
                    }
                    else
                    {
                        held -= have; // a complete set with the wrong content: drop it, keep listening
                        sets.Remove(tot);
                    }
                }
            }
            progress?.Invoke(Math.Min(have, length), length);
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
                string counts;
                lock (gate) counts = string.Join(", ", sets.Select(kv => $"{kv.Value.Count}/{kv.Key}"));
                throw new ModelDownloadException("chunks-timeout", $"no complete chunk set on {topic} within {timeout.TotalSeconds:F0} s (sets {counts}; {Interlocked.Read(ref junk)} junk messages ignored)");
            }
        }
        finally
        {
            mqtt.MessageReceived = previous;
            await mqtt.UnsubscribeAsync(filter, CancellationToken.None).ConfigureAwait(false);
        }
        DurableFile.WriteAllBytes(part, assembled!);
        return await HttpModelDownloader.FinishAsync(part, done, sha256, length, ct).ConfigureAwait(false);
    }

    /// <summary>The file when the chunks tile [0, length) exactly in index order and hash to <paramref name="sha256"/>, else null.</summary>
    private static byte[]? TryAssemble(SortedDictionary<long, (long Offset, byte[] Payload)> set, long length, string sha256)
    {
        var file = new byte[length];
        long pos = 0;
        foreach (var (_, (offset, payload)) in set)
        {
            if (offset != pos || pos + payload.Length > length) return null;
            payload.CopyTo(file, pos);
            pos += payload.Length;
        }
        if (pos != length) return null;
        return string.Equals(Convert.ToHexStringLower(SHA256.HashData(file)), sha256, StringComparison.OrdinalIgnoreCase) ? file : null;
    }

    private static bool TryProp(MqttApplicationMessage m, string name, out long value)
    {
        value = 0;
        string? s = m.UserProperties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();
        return s is not null && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}
