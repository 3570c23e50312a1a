using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeRuntime.Automation.Thermal;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRuntime.Daemon;

/// <summary>
/// The daemon's instruments (System.Diagnostics.Metrics, meter "EdgeRuntime.Daemon"): the source of truth of the
/// console's /metrics. Counters that <see cref="DaemonStatus"/> already keeps are observable (read at scrape time, so
/// the frame loop pays nothing for them); per-stage latency is a histogram recorded by the frame loop; OTA lifecycle
/// transitions are counted as the agent reports them. One instance per host: a process running two daemons (tests)
/// keeps their numbers apart.
/// </summary>
internal sealed class DaemonMetrics : IDisposable
{
    public const string MeterName = "EdgeRuntime.Daemon";

    private static readonly KeyValuePair<string, object?>[] NoTags = [];
    private readonly Histogram<double> _stage;
    private readonly Counter<long> _otaTransitions;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly IServiceProvider? _services;
    private IModelUpdatePhase? _ota;
    private bool _otaLooked;

    public DaemonMetrics(DaemonStatus status, SegmenterSwitch segmenterSwitch, ITelemetryPublisher? publisher = null, IServiceProvider? services = null)
    {
        _services = services;
        Meter = new Meter(MeterName, typeof(DaemonMetrics).Assembly.GetName().Version?.ToString());
        Meter.CreateObservableCounter("edgert_frames_processed", () => status.FramesProcessed, description: "Frames segmented");
        Meter.CreateObservableCounter("edgert_frames_dropped", () => status.FramesDropped, description: "Frames lost: skipped by the source (latest wins) or failed in inference");
        Meter.CreateObservableCounter("edgert_frames_corrupt", () => status.FramesCorrupt, description: "Frames that failed to decode and were skipped");
        Meter.CreateObservableCounter("edgert_frames_gated", () => status.FramesGated, description: "Frames not inferred because the trigger inputs were idle");
        Meter.CreateObservableGauge("edgert_fps", () => status.LastTelemetry?.Fps ?? 0, description: "Processed frames per second over the last telemetry period");
        _stage = Meter.CreateHistogram<double>("edgert_stage_duration", "s", "Time per frame and pipeline stage");
        _otaTransitions = Meter.CreateCounter<long>("edgert_ota_transitions", description: "OTA lifecycle states entered (received, downloading, verifying, activating, active, rejected, rolled-back)");
        Meter.CreateObservableCounter("edgert_ota_swaps", () => segmenterSwitch.SwapCount, description: "Model swaps between two frames");
        Meter.CreateObservableCounter("edgert_ota_ignored_messages", () => Ota?.IgnoredMessages ?? 0, description: "Desired-manifest messages dropped unverified");
        Meter.CreateObservableGauge("edgert_model_info", () => ModelInfo(segmenterSwitch), description: "The serving model (value 1; name, version and sha256 as labels)");
        Meter.CreateObservableGauge("edgert_process_resident_memory", () => SystemMetrics.ReadRssBytes() ?? Environment.WorkingSet, "By", "Resident set size");
        Meter.CreateObservableGauge("edgert_process_gc_heap", () => GC.GetTotalMemory(false), "By", "Managed heap in use");
        Meter.CreateObservableGauge("edgert_uptime", () => Stopwatch.GetElapsedTime(_start).TotalSeconds, "s", "Seconds since the daemon started");
        Meter.CreateObservableCounter("edgert_component_restarts", () => Restarts(status), description: "Restarts of supervised components (frame-loop, ota)");
        if (publisher is not null)
            Meter.CreateObservableGauge("edgert_mqtt_connected", () => publisher.IsConnected ? 1 : 0, description: "1 while the MQTT client is connected");
        Meter.CreateObservableGauge("edgert_cpu_temperature", () => CpuTemperature(), "Cel", "CPU temperature (absent when the board has no sensor)");
    }

    public Meter Meter { get; }

    /// <summary>Seconds a stage took on one frame (the frame loop calls this next to its latency recorder).</summary>
    public void RecordStage(string stage, double milliseconds)
    {
        if (_stage.Enabled) _stage.Record(milliseconds / 1000.0, new KeyValuePair<string, object?>("stage", stage));
    }

    /// <summary>The latest OTA lifecycle states, oldest first (the console's status page shows them).</summary>
    public IReadOnlyList<OtaHistoryEntry> OtaHistory
    {
        get { lock (_history) return [.. _history]; }
    }

    private readonly Queue<OtaHistoryEntry> _history = new();
    private const int HistoryLength = 32;

    /// <summary>An OTA lifecycle state was entered ("rejected:reason" counts as "rejected").</summary>
    public void RecordOtaState(string state, long? targetVersion = null)
    {
        lock (_history)
        {
            if (_history.Count == HistoryLength) _history.Dequeue();
            _history.Enqueue(new OtaHistoryEntry(DateTimeOffset.UtcNow, state, targetVersion));
        }
        int colon = state.IndexOf(':', StringComparison.Ordinal);
        _otaTransitions.Add(1, new KeyValuePair<string, object?>("state", colon < 0 ? state : state[..colon]));
    }

    private IModelUpdatePhase? Ota
    {
        get
        {
            if (!_otaLooked && _services is not null)
            {
                _ota = _services.GetService<IModelUpdatePhase>();
                _otaLooked = true;
            }
            return _ota;
        }
    }

    private static IEnumerable<Measurement<int>> ModelInfo(SegmenterSwitch s)
    {
        if (s.Active is not { } m) return [];
        return [new Measurement<int>(1, new KeyValuePair<string, object?>("name", m.Name),
            new KeyValuePair<string, object?>("version", m.Version), new KeyValuePair<string, object?>("sha256", m.Sha256))];
    }

    private static IEnumerable<Measurement<long>> Restarts(DaemonStatus status) =>
        status.Restarts.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("component", kv.Key)));

    private IEnumerable<Measurement<double>> CpuTemperature()
    {
        var c = _services?.GetService<ThermalGovernor>()?.LastCelsius;
        return c is double v ? [new Measurement<double>(v, NoTags)] : [];
    }

    public void Dispose() => Meter.Dispose();
}

/// <summary>One OTA lifecycle state as it was entered.</summary>
internal readonly record struct OtaHistoryEntry(DateTimeOffset At, string State, long? TargetVersion);
