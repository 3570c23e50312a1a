using System.Security.Cryptography;

namespace EdgeRuntime.Ota;

/// <summary>
/// The fleet public keys a device trusts, by key id (Ota:TrustedKeys:&lt;id&gt; = PEM text or a PEM file path,
/// and/or &lt;id&gt;.pub.pem files in Ota:TrustedKeysDirectory). Rotation: add the new id to devices, then sign
/// with it, then remove the old id.
/// </summary>
public sealed class TrustedKeyRing : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public void Add(string keyId, string pemOrPath)
    {
        string pem = pemOrPath.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal) ? pemOrPath : File.ReadAllText(pemOrPath);
        var key = ManifestSigner.LoadPem(pem);
        if (_keys.Remove(keyId, out var old)) old.Dispose();
        _keys[keyId] = key;
    }

    public static TrustedKeyRing FromOptions(OtaOptions options)
    {
        var ring = new TrustedKeyRing();
        foreach (var (id, value) in options.TrustedKeys)
            if (!string.IsNullOrWhiteSpace(value)) ring.Add(id, value);
        if (!string.IsNullOrEmpty(options.TrustedKeysDirectory) && Directory.Exists(options.TrustedKeysDirectory))
            foreach (var file in Directory.GetFiles(options.TrustedKeysDirectory, "*.pub.pem"))
                ring.Add(Path.GetFileName(file)[..^".pub.pem".Length], file);
        return ring;
    }

    /// <summary>Null when the manifest verifies with its trusted key, else the reason.</summary>
    public string? Check(ModelManifest manifest)
    {
        if (!_keys.TryGetValue(manifest.KeyId, out var key)) return $"untrusted-key:{manifest.KeyId}";
        return ManifestSigner.Verify(manifest, key) ? null : "bad-signature";
    }

    public void Dispose()
    {
        foreach (var k in _keys.Values) k.Dispose();
        _keys.Clear();
    }
}
