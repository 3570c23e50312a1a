using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeRuntime.Ota;

/// <summary>ECDSA P-256 / SHA-256 signatures over <see cref="ManifestCanonicalizer"/> bytes, and manifest (de)serialization.</summary>
public static class ManifestSigner
{
    /// <summary>Largest manifest accepted from the network (bytes).</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>Returns <paramref name="manifest"/> with <see cref="ModelManifest.KeyId"/> and <see cref="ModelManifest.Signature"/> set.</summary>
    public static ModelManifest Sign(ModelManifest manifest, ECDsa privateKey, string keyId)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(privateKey);
        var unsigned = manifest with { KeyId = keyId, Signature = "" };
        byte[] sig = privateKey.SignData(ManifestCanonicalizer.Serialize(unsigned), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return unsigned with { Signature = Convert.ToBase64String(sig) };
    }

    /// <summary>True when the signature verifies with <paramref name="publicKey"/>.</summary>
    public static bool Verify(ModelManifest manifest, ECDsa publicKey)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(publicKey);
        byte[] sig;
        try { sig = Convert.FromBase64String(manifest.Signature); }
        catch (FormatException) { return false; }
        if (sig.Length != 64) return false;
        return publicKey.VerifyData(ManifestCanonicalizer.Serialize(manifest), sig, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public static string ToJson(ModelManifest manifest) => JsonSerializer.Serialize(manifest, OtaJsonContext.Default.ModelManifest);

    /// <summary>Parses a manifest; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static ModelManifest Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxManifestBytes) throw new InvalidDataException($"manifest is {json.Length} bytes, more than {MaxManifestBytes}");
        try
        {
            return JsonSerializer.Deserialize(json, OtaJsonContext.Default.ModelManifest) ?? throw new InvalidDataException("manifest is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"manifest is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>A new P-256 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM).</summary>
    public static (string PrivatePem, string PublicPem) GenerateKeyPair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>Loads an EC key from PEM text (private or public).</summary>
    public static ECDsa LoadPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256) throw new CryptographicException($"key is {key.KeySize} bits, expected a P-256 key");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
