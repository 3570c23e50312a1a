using System.Globalization;
using System.Text;

namespace EdgeRuntime.Ota;

/// <summary>
/// The bytes a manifest signature covers: every field except the signature, in a fixed order, each as
/// "tag=" + decimal byte length + ":" + UTF-8 value + "\n" (length-prefixed, so no escaping and no ambiguity).
/// Numbers are invariant-culture ("R" for doubles), instants are Unix milliseconds (UTC), absent values are "-" with length -1.
/// Independent of JSON formatting, property order and whitespace.
/// </summary>
public static class ManifestCanonicalizer
{
    public const string Magic = "edgert-model-manifest-v1\n";

    public static byte[] Serialize(ModelManifest m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var sb = new StringBuilder(Magic);
        Field(sb, "schema", I(m.Schema));
        Field(sb, "name", m.Name);
        Field(sb, "version", I(m.Version));
        Field(sb, "sha256", m.Sha256.ToLowerInvariant());
        Field(sb, "length", I(m.Length));
        Field(sb, "urls.count", I(m.Urls.Length));
        for (int i = 0; i < m.Urls.Length; i++) Field(sb, "urls." + I(i), m.Urls[i]);
        Field(sb, "mqtt_chunks", m.MqttChunks);
        Tensor(sb, "input", m.Input);
        Tensor(sb, "output", m.Output);
        var g = m.Golden;
        Field(sb, "golden", g is null ? null : "1");
        if (g is not null)
        {
            Field(sb, "golden.pattern", g.Pattern);
            Field(sb, "golden.input_url", g.InputUrl);
            Field(sb, "golden.input_sha256", g.InputSha256?.ToLowerInvariant());
            Field(sb, "golden.expected_class_map_sha256", g.ExpectedClassMapSha256?.ToLowerInvariant());
            Field(sb, "golden.expected_class_map_rle", g.ExpectedClassMapRle);
            Field(sb, "golden.min_agreement", D(g.MinAgreement));
        }
        Field(sb, "latency_budget_ms", D(m.LatencyBudgetMs));
        Field(sb, "health_frames", I(m.HealthFrames));
        Field(sb, "expires", I(m.Expires.ToUnixTimeMilliseconds()));
        Field(sb, "pin", m.Pin ? "1" : "0");
        Field(sb, "key_id", m.KeyId);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static void Tensor(StringBuilder sb, string tag, TensorExpectation? t)
    {
        Field(sb, tag, t is null ? null : "1");
        if (t is null) return;
        Field(sb, tag + ".shape", string.Join(',', t.Shape.Select(d => I(d))));
        Field(sb, tag + ".type", t.Type.ToLowerInvariant());
    }

    private static void Field(StringBuilder sb, string tag, string? value)
    {
        sb.Append(tag).Append('=');
        if (value is null)
        {
            sb.Append("-1:\n");
            return;
        }
        sb.Append(I(Encoding.UTF8.GetByteCount(value))).Append(':').Append(value).Append('\n');
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
