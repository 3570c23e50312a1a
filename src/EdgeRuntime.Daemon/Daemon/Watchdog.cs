using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeRuntime.Daemon;

/// <summary>Something that restarts the daemon unless pinged in time (systemd WatchdogSec=).</summary>
public interface IWatchdogNotifier
{
    /// <summary>Whether pings are expected at all.</summary>
    bool IsEnabled { get; }

    /// <summary>The watchdog timeout (pings are sent at half of it).</summary>
    TimeSpan Timeout { get; }

    void Ping();
}

/// <summary>systemd's watchdog: sd_notify("WATCHDOG=1") when WATCHDOG_USEC is set for this process.</summary>
public sealed class SystemdWatchdogNotifier : IWatchdogNotifier
{
    private static readonly ServiceState WatchdogPing = new("WATCHDOG=1");
    private readonly ISystemdNotifier _notifier;

    public SystemdWatchdogNotifier(ISystemdNotifier? notifier = null)
    {
        _notifier = notifier ?? new SystemdNotifier();
        Timeout = ParseTimeout(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId)
                  ?? TimeSpan.Zero;
    }

    public bool IsEnabled => Timeout > TimeSpan.Zero && _notifier.IsEnabled;

    public TimeSpan Timeout { get; }

    public void Ping() => _notifier.Notify(WatchdogPing);

    /// <summary>The watchdog timeout systemd asks for, or null when it is not for this process.</summary>
    internal static TimeSpan? ParseTimeout(string? usec, string? pid, int processId)
    {
        if (string.IsNullOrEmpty(usec) || !long.TryParse(usec, NumberStyles.Integer, CultureInfo.InvariantCulture, out long us) || us <= 0)
            return null;
        if (!string.IsNullOrEmpty(pid) && (!int.TryParse(pid, NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) || p != processId))
            return null;
        return TimeSpan.FromMicroseconds(us);
    }
}

/// <summary>
/// Pings the watchdog only when the frame loop made progress since the previous ping, so a hung
/// loop (stuck camera read, deadlocked inference) stops the pings and systemd restarts the service.
/// </summary>
public sealed class WatchdogPinger
{
    private readonly IWatchdogNotifier _notifier;
    private long _progress;
    private long _lastPinged;
    private long _pings;

    public WatchdogPinger(IWatchdogNotifier notifier)
    {
        _notifier = notifier;
        _lastPinged = 0;
    }

    public long Pings => Interlocked.Read(ref _pings);

    /// <summary>Called by the frame loop whenever it moves on (a frame read, a corrupt frame skipped, the model loaded).</summary>
    public void MarkProgress() => Interlocked.Increment(ref _progress);

    /// <summary>Pings if there was progress since the last ping. Returns whether it pinged.</summary>
    public bool Tick()
    {
        long progress = Interlocked.Read(ref _progress);
        if (progress == _lastPinged) return false;
        _lastPinged = progress;
        _notifier.Ping();
        Interlocked.Increment(ref _pings);
        return true;
    }

    /// <summary>Ticks every half watchdog timeout until cancelled (returns at once when the watchdog is off).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!_notifier.IsEnabled) return;
        var period = _notifier.Timeout / 2;
        if (period < TimeSpan.FromMilliseconds(10)) period = TimeSpan.FromMilliseconds(10);
        using var timer = new PeriodicTimer(period);
        Tick();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                Tick();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
