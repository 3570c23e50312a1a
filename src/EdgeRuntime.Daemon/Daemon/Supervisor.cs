using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Keeps one component of the daemon running: runs its body, and when it throws (anything but the stop request),
/// records the fault in <see cref="DaemonStatus"/> (telemetry "restarts"/"last_fault"), logs it, waits with exponential
/// backoff and runs it again. A body that returns normally is done. The process therefore never ends because one
/// component failed: it ends on SIGTERM, on a configuration error, or when a finite source ends.
/// </summary>
public static class Supervisor
{
    /// <summary>The delay before restart number <paramref name="failures"/> (0-based): min * 2^n, capped at max.</summary>
    public static TimeSpan Backoff(int failures, TimeSpan min, TimeSpan max)
    {
        double ms = min.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ms, max.TotalMilliseconds));
    }

    public static async Task RunAsync(string component, Func<CancellationToken, Task> body, DaemonStatus status, ILogger logger,
        TimeSpan minDelay, TimeSpan maxDelay, CancellationToken ct, Action<Exception>? onFault = null)
    {
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            long started = Environment.TickCount64;
            try
            {
                await body(ct).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (Environment.TickCount64 - started > 60_000) failures = 0; // ran a good while: start the backoff over
                status.RecordFault(component, ex);
                var delay = Backoff(failures++, minDelay, maxDelay);
                logger.LogError(ex, "{Component} failed (restart {Count}); restarting in {Delay} ms", component, status.RestartsOf(component), (int)delay.TotalMilliseconds);
                try { onFault?.Invoke(ex); }
                catch (Exception hookError) { logger.LogWarning(hookError, "{Component}: reporting the fault failed", component); }
                try { await Task.Delay(delay, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
