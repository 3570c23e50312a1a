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
    /// <summary>True when the active model passed its health window (it is not on trial); with state "active" on the target version: what a rollout counts as success.</summary>
    public bool HealthPassed { get; init; }
    /// <summary>Desired-manifest messages dropped unverified (bad signature, unknown key, expired, too large, not JSON).</summary>
    public long IgnoredMessages { get; init; }
    /// <summary>The latest dropped message: reason, hash prefix and size (never its content).</summary>
    public string? LastIgnored { get; init; }
    /// <summary>Restarts per daemon component since the process started (null: none).</summary>
    public Dictionary<string, long>? Restarts { get; init; }
    /// <summary>The latest component fault, null when none.</summary>
    public string? LastFault { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
}
