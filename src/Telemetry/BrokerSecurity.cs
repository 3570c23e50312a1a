using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace EdgeRuntime.Telemetry;

/// <summary>Roles of the embedded broker's users.</summary>
public static class BrokerRoles
{
    /// <summary>The daemon itself: writes only its own topics (never model/desired), reads its desired topics, groups and chunks.</summary>
    public const string Device = "device";
    /// <summary>The operator (`edgert fleet`): the only role that writes model/desired and chunk topics; reads everything.</summary>
    public const string Fleet = "fleet";
    /// <summary>Dashboards and tools: read only.</summary>
    public const string Viewer = "viewer";
}

public sealed record BrokerUser(string Username, string Password, string Role);

/// <summary>The embedded broker's users (JSON file, 0600, generated at first start).</summary>
public sealed record BrokerCredentials
{
    public List<BrokerUser> Users { get; init; } = [];

    public BrokerUser? Find(string role) => Users.FirstOrDefault(u => u.Role == role);

    /// <summary>Three users (device, fleet, viewer) with 32-character random passwords.</summary>
    public static BrokerCredentials Generate(string deviceId) => new()
    {
        Users =
        [
            new(deviceId, RandomPassword(), BrokerRoles.Device),
            new("fleet", RandomPassword(), BrokerRoles.Fleet),
            new("viewer", RandomPassword(), BrokerRoles.Viewer),
        ],
    };

    private static string RandomPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BrokerCredentials))]
public sealed partial class BrokerJsonContext : JsonSerializerContext;

/// <summary>
/// Authentication and per-topic ACLs of <see cref="EmbeddedBroker"/> (the same rules as deploy/raspberrypi/mosquitto/edgert.acl):
/// no anonymous clients; the device user writes only &lt;prefix&gt;/&lt;device&gt;/{status,telemetry,mask,classes,model/state,identity,
/// events,events/snapshot,zones/&lt;zone&gt;} and its own Home Assistant discovery configs;
/// only the fleet role writes model/desired topics and chunk topics; the client ids edgert-&lt;device&gt;* belong to the device user,
/// and a connected client id cannot be taken over by another user. Packets and retained messages are bounded.
/// </summary>
public sealed class BrokerAcl
{
    private static readonly string[] DeviceWritable = ["status", "telemetry", "mask", "classes", "model/state", "identity"];
    private readonly Dictionary<string, BrokerUser> _users;
    private readonly ConcurrentDictionary<string, string> _clientOwners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _retained = new(StringComparer.Ordinal);

    public BrokerAcl(BrokerCredentials credentials, string prefix, string deviceId, int maxPacketBytes = 2 * 1024 * 1024,
        int maxRetainedBytes = 128 * 1024, int maxRetainedMessages = 4096, int maxChunkRetainedBytes = 1024 * 1024,
        string discoveryPrefix = TopicLayout.DefaultDiscoveryPrefix)
    {
        // Home Assistant discovery configs of this device: <discovery>/<component>/<node id>/<object id>/config.
        DiscoveryPrefix = discoveryPrefix.TrimEnd('/');
        _users = credentials.Users.ToDictionary(u => u.Username, StringComparer.Ordinal);
        Prefix = prefix.TrimEnd('/');
        DeviceId = deviceId;
        MaxPacketBytes = maxPacketBytes;
        MaxRetainedBytes = maxRetainedBytes;
        MaxRetainedMessages = maxRetainedMessages;
        MaxChunkRetainedBytes = maxChunkRetainedBytes;
    }

    public string Prefix { get; }
    public string DeviceId { get; }
    public string DiscoveryPrefix { get; }
    public int MaxPacketBytes { get; }
    public int MaxRetainedBytes { get; }
    public int MaxRetainedMessages { get; }
    public int MaxChunkRetainedBytes { get; }
    public long Refused => Interlocked.Read(ref _refused);
    private long _refused;

    /// <summary>The role of a valid login, or null (constant-time password comparison).</summary>
    public string? Authenticate(string? username, string? password)
    {
        if (string.IsNullOrEmpty(username) || password is null || !_users.TryGetValue(username, out var user)) return null;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(user.Password)) ? user.Role : null;
    }

    public string? RoleOf(string? username) => username is not null && _users.TryGetValue(username, out var u) ? u.Role : null;

    /// <summary>Null when <paramref name="username"/> may connect as <paramref name="clientId"/>, else why not.</summary>
    public string? CheckClientId(string username, string role, string clientId)
    {
        bool reserved = clientId.StartsWith("edgert-" + DeviceId, StringComparison.Ordinal);
        if (reserved && role != BrokerRoles.Device) return "client id reserved for the device";
        if (_clientOwners.TryGetValue(clientId, out var owner) && owner != username) return "client id in use by another user";
        return null;
    }

    public void Connected(string clientId, string username) => _clientOwners[clientId] = username;
    public void Disconnected(string clientId, string? username)
    {
        if (username is not null) _clientOwners.TryRemove(new KeyValuePair<string, string>(clientId, username));
    }

    /// <summary>Model chunk topics: &lt;prefix&gt;/models/... or anything outside the prefix.</summary>
    private bool IsChunk(string topic) =>
        topic.StartsWith(Prefix + "/models/", StringComparison.Ordinal) || !topic.StartsWith(Prefix + "/", StringComparison.Ordinal);

    private bool IsDesired(string topic) =>
        topic.StartsWith(Prefix + "/", StringComparison.Ordinal) && topic.EndsWith("/model/desired", StringComparison.Ordinal);

    /// <summary>Fixed report topics, events, and one level under zones/ (a zone's retained state).</summary>
    private static bool IsDeviceWritable(string suffix) =>
        DeviceWritable.Contains(suffix, StringComparer.Ordinal) || suffix is "events" or "events/snapshot"
        || (suffix.StartsWith("zones/", StringComparison.Ordinal) && suffix.Length > 6 && suffix.IndexOf('/', 6) < 0);

    private bool IsOwnDiscoveryConfig(string topic)
    {
        if (DiscoveryPrefix.Length == 0 || !topic.StartsWith(DiscoveryPrefix + "/", StringComparison.Ordinal)) return false;
        var levels = topic[(DiscoveryPrefix.Length + 1)..].Split('/');
        return levels.Length == 4 && levels[1] == TopicLayout.HomeAssistantId(DeviceId) && levels[3] == "config";
    }

    /// <summary>Null when the publish is allowed, else why not.</summary>
    public string? CheckPublish(string? username, string topic, long payloadBytes, bool retain)
    {
        string? why = CheckPublishCore(username, topic, payloadBytes, retain);
        if (why is not null) Interlocked.Increment(ref _refused);
        return why;
    }

    private string? CheckPublishCore(string? username, string topic, long payloadBytes, bool retain)
    {
        string? role = RoleOf(username);
        if (role is null) return "not authenticated";
        if (payloadBytes > MaxPacketBytes) return $"payload {payloadBytes} > {MaxPacketBytes} bytes";
        bool own = topic.StartsWith(Prefix + "/" + DeviceId + "/", StringComparison.Ordinal);
        switch (role)
        {
            case BrokerRoles.Device:
                if (IsOwnDiscoveryConfig(topic)) break;
                if (!own || !IsDeviceWritable(topic[(Prefix.Length + DeviceId.Length + 2)..])) return "device may write only its own topics";
                break;
            case BrokerRoles.Fleet:
                // desired manifests and chunk topics; never a device's own reports
                if (!IsDesired(topic) && !IsChunk(topic)) return "fleet writes only model/desired and chunk topics";
                break;
            default:
                return "read-only user";
        }
        if (retain)
        {
            bool chunk = role == BrokerRoles.Fleet && IsChunk(topic);
            int limit = chunk ? MaxChunkRetainedBytes : MaxRetainedBytes;
            if (payloadBytes > limit) return $"retained payload {payloadBytes} > {limit} bytes";
            if (payloadBytes == 0) _retained.TryRemove(topic, out _);
            else if (!_retained.ContainsKey(topic))
            {
                if (_retained.Count >= MaxRetainedMessages) return $"more than {MaxRetainedMessages} retained messages";
                _retained[topic] = 0;
            }
        }
        return null;
    }

    /// <summary>Null when the subscription is allowed: fleet and viewer read everything, the device its own tree, groups and chunk topics.</summary>
    public string? CheckSubscribe(string? username, string filter)
    {
        string? role = RoleOf(username);
        if (role is null) return "not authenticated";
        if (role is BrokerRoles.Fleet or BrokerRoles.Viewer) return null;
        if (filter.StartsWith(Prefix + "/" + DeviceId + "/", StringComparison.Ordinal) || filter.StartsWith(Prefix + "/groups/", StringComparison.Ordinal)) return null;
        if (IsChunk(filter) && !filter.StartsWith('#') && !filter.StartsWith('+')) return null; // chunk topics
        Interlocked.Increment(ref _refused);
        return "device may read only its own topics, group manifests and chunk topics";
    }
}
