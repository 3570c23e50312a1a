namespace EdgeRuntime.Automation.Gpio;

/// <summary>What the status LED shows, most urgent first when several apply.</summary>
public enum StatusCode
{
    Rollback,
    OtaInProgress,
    BrokerOffline,
    Stalled,
    Heartbeat,
}

/// <summary>
/// The LED patterns: on/off durations in milliseconds, repeated. Chosen to be told apart by eye without a manual:
/// heartbeat one short flash a second, broker offline two flashes, rollback three flashes, OTA a fast even blink,
/// stalled dark.
/// </summary>
public static class BlinkCodes
{
    private static readonly int[] Heartbeat = [100, 900];
    private static readonly int[] BrokerOffline = [150, 150, 150, 1550];
    private static readonly int[] Rollback = [150, 150, 150, 150, 150, 1750];
    private static readonly int[] OtaInProgress = [100, 100];
    private static readonly int[] Stalled = [0, 1000];

    public static ReadOnlySpan<int> Pattern(StatusCode code) => code switch
    {
        StatusCode.Heartbeat => Heartbeat,
        StatusCode.BrokerOffline => BrokerOffline,
        StatusCode.Rollback => Rollback,
        StatusCode.OtaInProgress => OtaInProgress,
        _ => Stalled,
    };

    /// <summary>Whether the LED is lit <paramref name="elapsedMs"/> after the pattern started.</summary>
    public static bool IsOn(StatusCode code, long elapsedMs)
    {
        var pattern = Pattern(code);
        int period = 0;
        foreach (int d in pattern) period += d;
        long t = elapsedMs % period;
        for (int i = 0; i < pattern.Length; i++)
        {
            if (t < pattern[i]) return i % 2 == 0;
            t -= pattern[i];
        }
        return false;
    }
}
