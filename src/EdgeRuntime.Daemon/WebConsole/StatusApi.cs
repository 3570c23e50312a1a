using System.Diagnostics;
using System.Text.Json;
using EdgeRuntime.Automation.Events;
using EdgeRuntime.Daemon;
using EdgeRuntime.Kernels;
using EdgeRuntime.Ota;
using EdgeRuntime.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// GET /api/status: what the status page shows, as JSON written with Utf8JsonWriter (no reflection). The latest telemetry
/// (fps, per-stage latency percentiles, drops, corrupt frames, MQTT, CPU temperature, thermal state) is embedded as the
/// MQTT telemetry message is; the latency histograms are on /metrics.
/// </summary>
internal static class StatusApi
{
    public static Task WriteAsync(HttpContext http, ConsoleContext ctx) =>
        ConsoleEndpoints.Bytes(http, Build(ctx), "application/json");

    internal static byte[] Build(ConsoleContext ctx)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("device", ctx.Daemon.DeviceId);
            w.WriteString("version", typeof(StatusApi).Assembly.GetName().Version?.ToString());
            w.WriteNumber("uptime_s", Math.Round(Stopwatch.GetElapsedTime(ctx.StartTimestamp).TotalSeconds, 1));
            w.WriteString("source", ctx.Daemon.Source);
            w.WriteString("kernel_variant", KernelDispatcher.Name(KernelDispatcher.Active));
            w.WriteNumber("threads", ctx.Daemon.Threads);
            if (ctx.Switch.Active is { } m)
            {
                w.WriteStartObject("model");
                w.WriteString("name", m.Name);
                w.WriteString("version", m.Version);
                w.WriteString("sha256", m.Sha256);
                w.WriteEndObject();
            }
            w.WriteStartObject("frames");
            w.WriteNumber("processed", ctx.Status.FramesProcessed);
            w.WriteNumber("dropped", ctx.Status.FramesDropped);
            w.WriteNumber("corrupt", ctx.Status.FramesCorrupt);
            w.WriteNumber("gated", ctx.Status.FramesGated);
            w.WriteEndObject();
            var publisher = ctx.Services.GetService<ITelemetryPublisher>();
            w.WriteString("broker", !ctx.Daemon.MqttEnabled ? "disabled" : publisher?.IsConnected == true ? "connected" : "disconnected");
            if (ctx.Status.LastTelemetry is { } t)
            {
                w.WritePropertyName("telemetry");
                w.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(t, TelemetryJsonContext.Default.TelemetrySnapshot));
            }
            WriteOta(w, ctx);
            w.WriteStartObject("preview");
            w.WriteNumber("streams", ctx.Preview.Streams);
            w.WriteNumber("max_streams", ctx.Options.MaxStreams);
            w.WriteNumber("fps_cap", ctx.Options.StreamFps);
            w.WriteBoolean("redacted", ctx.Preview.Redacting);
            w.WriteEndObject();
            WriteZones(w, ctx);
            if (ctx.Status.LastFault is { } fault) w.WriteString("last_fault", fault);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteOta(Utf8JsonWriter w, ConsoleContext ctx)
    {
        w.WriteStartObject("ota");
        var agent = ctx.Ota;
        w.WriteBoolean("enabled", agent is not null);
        w.WriteNumber("swaps", ctx.Switch.SwapCount);
        if (agent?.LastState is { } state)
        {
            w.WritePropertyName("state");
            w.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(state, OtaJsonContext.Default.ModelStateMessage));
        }
        w.WriteStartArray("history");
        foreach (var e in ctx.Services.GetRequiredService<DaemonMetrics>().OtaHistory)
        {
            w.WriteStartObject();
            w.WriteString("at", e.At);
            w.WriteString("state", e.State);
            if (e.TargetVersion is long v) w.WriteNumber("target_version", v);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteZones(Utf8JsonWriter w, ConsoleContext ctx)
    {
        w.WriteStartObject("zones");
        bool enabled = ctx.Zones is not null && !string.IsNullOrWhiteSpace(ctx.Automation.ZonesFile);
        w.WriteBoolean("enabled", enabled);
        if (!enabled) w.WriteString("hint", ZonesApi.NotEnabled);
        if (ctx.Zones is { } automation)
        {
            w.WriteString("file", ctx.Automation.ZonesFile);
            w.WriteNumber("reloads", automation.Reloads);
            w.WriteStartArray("states");
            foreach (var s in automation.States())
                w.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(s, AutomationJsonContext.Default.ZoneStateMessage));
            w.WriteEndArray();
            w.WriteStartArray("pending_names");
            foreach (var z in automation.Zones.Zones) w.WriteStringValue(z.Name);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}
