using System.Security.Cryptography;
using System.Text;
using EdgeRuntime.Daemon;
using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Ota;

/// <summary>
/// The per-device signing key (P-256): StateDirectory/device.key.pem, created 0600 at first start
/// (<see cref="PrivateFile"/>), its public half in device.pub.pem and published retained on &lt;prefix&gt;/&lt;device&gt;/identity.
/// Every retained model state carries MQTT 5 user properties "sig" (base64 P1363 ECDSA/SHA-256 over
/// UTF-8(topic) + "\n" + payload) and "kid" (first 16 hex of SHA-256 of the public key), so `edgert fleet` can tell a
/// device's own report from anyone else's once the public key is enrolled (`edgert fleet enroll`).
/// </summary>
public sealed class DeviceIdentity : IDisposable
{
    public const string KeyFile = "device.key.pem";
    public const string PublicFile = "device.pub.pem";

    private DeviceIdentity(ECDsa key)
    {
        Key = key;
        PublicPem = key.ExportSubjectPublicKeyInfoPem();
        KeyId = KeyIdOf(key);
    }

    public ECDsa Key { get; }
    public string PublicPem { get; }
    public string KeyId { get; }

    public static string KeyIdOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>The device key of <paramref name="stateDirectory"/> (created on first use), or null when Ota:SignState is off.</summary>
    public static DeviceIdentity? LoadOrCreate(OtaOptions options, string stateDirectory, ILogger? logger = null)
    {
        if (!options.SignState) return null;
        return LoadOrCreate(stateDirectory, logger);
    }

    public static DeviceIdentity LoadOrCreate(string stateDirectory, ILogger? logger = null)
    {
        string keyPath = Path.Combine(stateDirectory, KeyFile), pubPath = Path.Combine(stateDirectory, PublicFile);
        ECDsa key;
        if (File.Exists(keyPath))
        {
            key = ECDsa.Create();
            key.ImportFromPem(Encoding.UTF8.GetString(PrivateFile.Read(keyPath)));
        }
        else
        {
            key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            PrivateFile.WriteNew(keyPath, Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()));
            logger?.LogInformation("Created the device key {Path} (0600)", keyPath);
        }
        var id = new DeviceIdentity(key);
        if (!File.Exists(pubPath) || File.ReadAllText(pubPath) != id.PublicPem) DurableFile.WriteAllBytes(pubPath, Encoding.UTF8.GetBytes(id.PublicPem));
        return id;
    }

    public static byte[] SignedBytes(string topic, ReadOnlySpan<byte> payload)
    {
        byte[] t = Encoding.UTF8.GetBytes(topic);
        var all = new byte[t.Length + 1 + payload.Length];
        t.CopyTo(all, 0);
        all[t.Length] = (byte)'\n';
        payload.CopyTo(all.AsSpan(t.Length + 1));
        return all;
    }

    public string Sign(string topic, ReadOnlySpan<byte> payload) =>
        Convert.ToBase64String(Key.SignData(SignedBytes(topic, payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public static bool Verify(ECDsa publicKey, string topic, ReadOnlySpan<byte> payload, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length > 256) return false;
        byte[] sig;
        try { sig = Convert.FromBase64String(signature); }
        catch (FormatException) { return false; }
        return publicKey.VerifyData(SignedBytes(topic, payload), sig, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public void Dispose() => Key.Dispose();
}
