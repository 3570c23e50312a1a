namespace EdgeRuntime.Ota;

/// <summary>Sidecar of a partial download (downloads/&lt;sha256&gt;.part.json): what the .part file must become.</summary>
public sealed record PartialDownloadInfo(string Sha256, long Length, string Source);

/// <summary>A download or transfer failed; <see cref="Reason"/> is the state-topic reason.</summary>
public sealed class ModelDownloadException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
