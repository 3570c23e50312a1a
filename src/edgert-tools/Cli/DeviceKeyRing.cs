using System.Security.Cryptography;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;

namespace EdgeRuntime.Cli;

/// <summary>
/// The enrolled device public keys of a fleet: DIR/&lt;device&gt;.pub.pem (written by `edgert fleet enroll`). A state message
/// counts only when its signature verifies with the key enrolled for the device named by its topic.
/// </summary>
public sealed class DeviceKeyRing : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    public static DeviceKeyRing Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"device key folder {directory} does not exist (edgert fleet enroll)");
        var ring = new DeviceKeyRing();
        foreach (var file in Directory.GetFiles(directory, "*.pub.pem"))
        {
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(file));
            ring._keys[Path.GetFileName(file)[..^".pub.pem".Length]] = key;
        }
        return ring;
    }

    public int Count => _keys.Count;

    public bool Verify(string device, string topic, ReadOnlySpan<byte> payload, string? signature) =>
        _keys.TryGetValue(device, out var key) && DeviceIdentity.Verify(key, topic, payload, signature);

    /// <summary>Pins <paramref name="publicPem"/> for <paramref name="device"/> in <paramref name="directory"/>; refuses to replace a different key.</summary>
    public static string Enroll(string directory, string device, string publicPem)
    {
        Telemetry.TopicLayout.ValidateSegment(device, "--device");
        using var key = ECDsa.Create();
        key.ImportFromPem(publicPem); // must be a public key
        string pem = key.ExportSubjectPublicKeyInfoPem();
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, device + ".pub.pem");
        if (File.Exists(path))
        {
            using var old = ECDsa.Create();
            old.ImportFromPem(File.ReadAllText(path));
            if (old.ExportSubjectPublicKeyInfoPem() != pem)
                throw new CliException($"{path} pins a different key for {device}; delete it deliberately to re-enroll");
            return DeviceIdentity.KeyIdOf(key);
        }
        DurableFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(pem));
        return DeviceIdentity.KeyIdOf(key);
    }

    public void Dispose()
    {
        foreach (var k in _keys.Values) k.Dispose();
        _keys.Clear();
    }
}
