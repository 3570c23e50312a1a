using System.Text.Json;
using EdgeRuntime.Daemon;

namespace EdgeRuntime.Ota;

/// <summary>Persisted anti-rollback state (ledger.json in the state folder).</summary>
public sealed record LedgerState
{
    /// <summary>Highest manifest version that passed verification (never decreases).</summary>
    public long HighestAcceptedVersion { get; init; }
    /// <summary>SHA-256 of that release (it may be installed again if a crash interrupted its activation).</summary>
    public string HighestAcceptedSha256 { get; init; } = "";
    /// <summary>Versions refused for good (rolled back, or the model itself failed verification): not retried.</summary>
    public List<RejectedRelease> Rejected { get; init; } = [];
}

public sealed record RejectedRelease(long Version, string Sha256, string Reason, DateTimeOffset At);

/// <summary>
/// Anti-rollback: a manifest must carry a version above <see cref="HighestAcceptedVersion"/>, and a version
/// refused for good is never tried again. Every change is written with <see cref="DurableFile"/> (fsync'd).
/// </summary>
public sealed class VersionLedger
{
    private const int MaxRejected = 64;
    private readonly string _path;
    private readonly Lock _lock = new();
    private LedgerState _state;

    public VersionLedger(string stateDirectory)
    {
        _path = Path.Combine(stateDirectory, "ledger.json");
        _state = Load(_path);
    }

    public long HighestAcceptedVersion { get { lock (_lock) return _state.HighestAcceptedVersion; } }

    public RejectedRelease? FindRejected(long version, string sha256)
    {
        lock (_lock)
            return _state.Rejected.FirstOrDefault(r => r.Version == version && string.Equals(r.Sha256, sha256, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Null when <paramref name="version"/> may be installed: above the floor, or exactly the accepted release itself
    /// (same version and sha256: an activation a crash interrupted). Else the reason.
    /// </summary>
    public string? CheckNewer(long version, string sha256)
    {
        lock (_lock)
        {
            long floor = _state.HighestAcceptedVersion;
            if (version > floor) return null;
            if (version == floor && string.Equals(sha256, _state.HighestAcceptedSha256, StringComparison.OrdinalIgnoreCase)) return null;
            return $"version-not-newer:{version}<={floor}";
        }
    }

    public void Accept(long version, string sha256)
    {
        lock (_lock)
        {
            if (version <= _state.HighestAcceptedVersion) return;
            _state = _state with { HighestAcceptedVersion = version, HighestAcceptedSha256 = sha256.ToLowerInvariant() };
            Save();
        }
    }

    public void Reject(long version, string sha256, string reason)
    {
        lock (_lock)
        {
            if (FindRejectedUnlocked(version, sha256)) return;
            var list = new List<RejectedRelease>(_state.Rejected) { new(version, sha256.ToLowerInvariant(), reason, DateTimeOffset.UtcNow) };
            if (list.Count > MaxRejected) list.RemoveRange(0, list.Count - MaxRejected);
            _state = _state with { Rejected = list };
            Save();
        }
    }

    private bool FindRejectedUnlocked(long version, string sha256) =>
        _state.Rejected.Any(r => r.Version == version && string.Equals(r.Sha256, sha256, StringComparison.OrdinalIgnoreCase));

    private void Save() => DurableFile.WriteAllBytes(_path, JsonSerializer.SerializeToUtf8Bytes(_state, OtaJsonContext.Default.LedgerState));

    private static LedgerState Load(string path)
    {
        if (!File.Exists(path)) return new LedgerState();
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), OtaJsonContext.Default.LedgerState) ?? new LedgerState();
        }
        catch (JsonException ex)
        {
            // Written atomically, so this only happens if someone edited it: refuse to forget the floor silently.
            throw new InvalidDataException($"{path} is corrupt ({ex.Message}); fix or delete it deliberately", ex);
        }
    }
}
