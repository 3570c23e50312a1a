namespace EdgeRuntime.Ota;

/// <summary>The lifecycle values of .../model/state "state" (rejected and rolled-back carry ":reason").</summary>
public static class ModelLifecycle
{
    public const string Received = "received";
    public const string Downloading = "downloading";
    public const string Verifying = "verifying";
    public const string Activating = "activating";
    public const string Active = "active";
    public const string Rejected = "rejected";
    public const string RolledBack = "rolled-back";
}

/// <summary>Retained JSON on edgert/v1/&lt;device&gt;/model/state.</summary>
public sealed record ModelStateMessage
{
    public int Schema { get; init; } = 1;
    public required string Device { get; init; }
    public string? Group { get; init; }
    /// <summary>received, downloading, verifying, activating, active, rejected:&lt;reason&gt;, rolled-back:&lt;reason&gt;.</summary>
    public required string State { get; init; }
    /// <summary>The manifest being handled (target).</summary>
    public string? TargetName { get; init; }
    public long? TargetVersion { get; init; }
    public string? TargetSha256 { get; init; }
    /// <summary>The model serving frames now.</summary>
    public string? ActiveName { get; init; }
    public long? ActiveVersion { get; init; }
    public string? ActiveSha256 { get; init; }
    /// <summary>The device follows its own pinned manifest (group rollouts skip it).</summary>
    public bool Pinned { get; init; }
    public long? BytesDone { get; init; }
    public long? BytesTotal { get; init; }
    /// <summary>Milliseconds spent per step for the target (download, verify, activate, health).</summary>
    public Dictionary<string, double>? TimingsMs { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
}
