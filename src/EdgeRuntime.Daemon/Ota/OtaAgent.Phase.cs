using EdgeRuntime.Automation.Gpio;
using EdgeRuntime.Daemon;

namespace EdgeRuntime.Ota;

internal sealed partial class OtaAgent
{
    /// <summary>The status LED's view of the last published lifecycle state (<see cref="IModelUpdatePhase"/>).</summary>
    public OtaPhase Phase
    {
        get
        {
            string? state = LastState?.State;
            if (state is null) return OtaPhase.Idle;
            if (state.StartsWith(ModelLifecycle.RolledBack, StringComparison.Ordinal)) return OtaPhase.RolledBack;
            return state is ModelLifecycle.Received or ModelLifecycle.Downloading or ModelLifecycle.Verifying or ModelLifecycle.Activating
                ? OtaPhase.InProgress : OtaPhase.Idle;
        }
    }
}
