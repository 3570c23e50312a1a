using System.Text.Json.Serialization;

namespace EdgeRuntime.Ota;

/// <summary>
/// The signed description of one model release (JSON, snake_case, on .../model/desired, retained).
/// Everything except <see cref="Signature"/> is covered by the signature (see <see cref="ManifestCanonicalizer"/>).
/// </summary>
public sealed record ModelManifest
{
    /// <summary>Schema of this JSON (1).</summary>
    public int Schema { get; init; } = 1;
    /// <summary>Model name (telemetry "model.name").</summary>
    public required string Name { get; init; }
    /// <summary>Release number, monotonically increasing across the fleet (anti-rollback compares it).</summary>
    public required long Version { get; init; }
    /// <summary>Lower-case hex SHA-256 of the model file.</summary>
    public required string Sha256 { get; init; }
    /// <summary>Model file length in bytes.</summary>
    public required long Length { get; init; }
    /// <summary>http(s) download URLs, tried in order.</summary>
    public string[] Urls { get; init; } = [];
    /// <summary>MQTT topic whose subtopics /0 .. /N-1 carry the file in chunks (fallback when no URL works).</summary>
    public string? MqttChunks { get; init; }
    /// <summary>Expected model input tensor (null: not checked).</summary>
    public TensorExpectation? Input { get; init; }
    /// <summary>Expected model output tensor (null: not checked).</summary>
    public TensorExpectation? Output { get; init; }
    /// <summary>Golden check run before activation (null: none).</summary>
    public GoldenSpec? Golden { get; init; }
    /// <summary>p95 of the per-frame segmentation time over the health window must stay at or below this (0: no budget).</summary>
    public double LatencyBudgetMs { get; init; }
    /// <summary>Frames in the health window after activation (0: the device's Ota:HealthFrames).</summary>
    public int HealthFrames { get; init; }
    /// <summary>The manifest is refused after this instant.</summary>
    public required DateTimeOffset Expires { get; init; }
    /// <summary>In a device manifest: ignore group manifests while this one is in place.</summary>
    public bool Pin { get; init; }
    /// <summary>Id of the signing key (devices hold the trusted public keys by id).</summary>
    public required string KeyId { get; init; }
    /// <summary>Base64 ECDSA P-256 / SHA-256 signature (IEEE P1363, r||s) over the canonical bytes.</summary>
    public string Signature { get; init; } = "";
}

/// <summary>Shape and element type a model tensor must have.</summary>
public sealed record TensorExpectation
{
    /// <summary>Dimensions; -1 accepts any size in that position.</summary>
    public required int[] Shape { get; init; }
    /// <summary>Element type name as in the model (e.g. "uint8", "int8", "float32", "int32", "int64").</summary>
    public required string Type { get; init; }
}

/// <summary>
/// Golden check: feed a deterministic input to the model (through the interpreter, no preprocessing) and compare
/// the argmax class map of output 0 with what the release engineer recorded.
/// </summary>
public sealed record GoldenSpec
{
    /// <summary>Input pattern: "xorshift:SEED" (pseudo-random bytes), "gradient" or "const:V". Ignored when <see cref="InputUrl"/> is set.</summary>
    public string Pattern { get; init; } = "xorshift:1";
    /// <summary>Optional http(s) URL of the raw input tensor bytes (exactly the input's byte size).</summary>
    public string? InputUrl { get; init; }
    /// <summary>SHA-256 of <see cref="InputUrl"/>'s bytes (required with it).</summary>
    public string? InputSha256 { get; init; }
    /// <summary>Hex SHA-256 of the expected class map (one byte per output position). Exact match required when set.</summary>
    public string? ExpectedClassMapSha256 { get; init; }
    /// <summary>Base64 of the expected class map in the run-length mask format (for <see cref="MinAgreement"/>).</summary>
    public string? ExpectedClassMapRle { get; init; }
    /// <summary>Fraction of positions that must agree with <see cref="ExpectedClassMapRle"/> (0..1).</summary>
    public double MinAgreement { get; init; }
}

/// <summary>Source-generated (AOT-safe) JSON for the OTA payloads.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(ModelStateMessage))]
[JsonSerializable(typeof(LedgerState))]
[JsonSerializable(typeof(PartialDownloadInfo))]
public sealed partial class OtaJsonContext : JsonSerializerContext;
