using EdgeRuntime.Automation.Gpio;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Where a model update stands, for the status LED and the console's metrics. Implemented by the OTA agent (EdgeRuntime.Ota sits above the
/// daemon and registers itself as this); absent when OTA is off.
/// </summary>
public interface IModelUpdatePhase
{
    OtaPhase Phase { get; }

    /// <summary>Desired-manifest messages dropped before verification (floods, junk, replays).</summary>
    long IgnoredMessages { get; }
}
