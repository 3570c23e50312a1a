namespace EdgeRuntime.Automation.Zones;

/// <summary>
/// Hysteresis and debounce of one watched class in one zone: occupied after <c>onFrames</c> consecutive frames with
/// coverage &gt;= on threshold; clear after <c>offFrames</c> consecutive frames with coverage &lt; off threshold.
/// A frame in between (off &lt;= coverage &lt; on) breaks either streak, so flicker around one threshold never toggles.
/// </summary>
public struct OccupancyRule(double onThreshold, double offThreshold, int onFrames, int offFrames)
{
    private int _streak;

    public ZoneState State { get; private set; }

    /// <summary>Feeds one frame's coverage; true when the state changed on this frame.</summary>
    public bool Update(double coverage)
    {
        if (State == ZoneState.Clear)
        {
            _streak = coverage >= onThreshold ? _streak + 1 : 0;
            if (_streak < onFrames) return false;
            State = ZoneState.Occupied;
        }
        else
        {
            _streak = coverage < offThreshold ? _streak + 1 : 0;
            if (_streak < offFrames) return false;
            State = ZoneState.Clear;
        }
        _streak = 0;
        return true;
    }
}
