namespace EdgeRuntime.Automation;

/// <summary>Occupancy of one watched class in one zone, after hysteresis and debounce.</summary>
public enum ZoneState
{
    Clear,
    Occupied,
}

/// <summary>
/// A zone's state changed on frame <paramref name="FrameId"/>: the rule for <paramref name="ClassName"/> in
/// <paramref name="Zone"/> crossed its threshold for long enough. <paramref name="Coverage"/> is the fraction of the
/// zone's pixels of that class on this frame; <paramref name="Since"/> is when the new state began.
/// </summary>
public readonly record struct ZoneTransition(
    string Zone,
    string ClassName,
    ZoneState State,
    double Coverage,
    long FrameId,
    DateTimeOffset Since);

/// <summary>
/// Something that acts on zone transitions (MQTT events, GPIO outputs). Called synchronously from the frame's publish
/// step, on the frame loop's thread, in the order the transitions happen; it must not block for long and must not
/// throw (an implementation logs and swallows its own failures, so one sink cannot stop the others or the loop).
/// </summary>
public interface IZoneTransitionSink
{
    void OnZoneTransition(in ZoneTransition transition);
}

/// <summary>
/// Decides per frame whether inference runs (a PIR or button trigger plus N frames after it). With no gate
/// registered every frame is inferred.
/// </summary>
public interface IInferenceGate
{
    /// <summary>True when the frame that was just captured should be segmented.</summary>
    bool ShouldInfer();
}
