using System.Globalization;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Every Daemon:StatusIntervalSeconds (default 5, 0 = off) one log line saying how the daemon is doing, so a person
/// watching `edgert run` sees it work without an MQTT client. It reads the last telemetry the frame loop built.
/// </summary>
public sealed class StatusLineService(
    IOptions<DaemonOptions> options, DaemonStatus status, ITelemetryPublisher publisher, ILogger<StatusLineService> logger,
    TimeProvider? clock = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int seconds = options.Value.StatusIntervalSeconds;
        if (seconds <= 0) return;
        var period = TimeSpan.FromSeconds(seconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(period, _clock, stoppingToken).ConfigureAwait(false);
                logger.LogInformation("{Status}", Format(status.LastTelemetry, publisher.IsConnected, status.FramesDropped));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>"status: 12.4 fps, inference p50 71.0 ms p95 80.2 ms, 310 frames, 2 dropped, 0 corrupt, mqtt connected, model NAME VERSION".</summary>
    public static string Format(TelemetrySnapshot? t, bool mqttConnected, long dropped)
    {
        string mqtt = mqttConnected ? "mqtt connected" : "mqtt not connected";
        if (t is null) return $"status: no frame yet, {dropped} dropped, {mqtt}";
        string latency = t.LatencyMs.TryGetValue("inference", out StageLatency? s) && s.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"inference p50 {s.P50:F1} ms p95 {s.P95:F1} ms")
            : "inference n/a";
        return string.Create(CultureInfo.InvariantCulture,
            $"status: {t.Fps:F1} fps, {latency}, {t.FramesProcessed} frames, {t.FramesDropped} dropped, {t.FramesCorrupt} corrupt, {mqtt}, model {t.Model.Name} {t.Model.Version}");
    }
}
