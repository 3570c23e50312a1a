namespace EdgeRuntime.Ota;

/// <summary>
/// The two retained desired manifests a device follows and which one wins: a pinned device manifest always;
/// otherwise the newer of device and group (the device manifest on a tie), so a group rollout can move past
/// an unpinned device-specific release.
/// </summary>
public sealed class DesiredState
{
    private readonly Lock _lock = new();
    private ModelManifest? _device, _group;

    public static string DeviceTopic(string prefix, string device) => $"{prefix}/{device}/model/desired";
    public static string GroupTopic(string prefix, string group) => $"{prefix}/groups/{group}/model/desired";
    public static string StateTopic(string prefix, string device) => $"{prefix}/{device}/model/state";

    public void SetDevice(ModelManifest? m) { lock (_lock) _device = m; }
    public void SetGroup(ModelManifest? m) { lock (_lock) _group = m; }

    /// <summary>The manifest to converge to (null: none), and whether it is a pinned device manifest.</summary>
    public (ModelManifest? Manifest, bool Pinned) Resolve()
    {
        lock (_lock)
        {
            if (_device is { Pin: true }) return (_device, true);
            if (_device is null) return (_group, false);
            if (_group is null) return (_device, false);
            return (_group.Version > _device.Version ? _group : _device, false);
        }
    }
}
