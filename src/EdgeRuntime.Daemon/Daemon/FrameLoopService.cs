using System.Diagnostics;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Gpio;
using EdgeRuntime.Automation.Thermal;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Daemon;

/// <summary>
/// The daemon's frame loop: read a frame, decode it, segment it, publish telemetry every
/// Daemon:TelemetryIntervalMs and masks when enabled, write outputs when configured.
/// Corrupt frames (decode throws) are counted and skipped. The systemd watchdog is pinged only
/// while the loop makes progress. When a finite source ends, the latency table is logged and the host stops.
/// </summary>
internal sealed class FrameLoopService : BackgroundService
{
    private readonly DaemonOptions _options;
    private readonly DaemonHooks _hooks;
    private readonly ITelemetryPublisher _publisher;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly DaemonStatus _status;
    private readonly ILogger<FrameLoopService> _logger;
    private readonly WatchdogPinger _watchdog;
    private readonly LatencyRecorder _latency;
    private readonly SegmenterSwitch _switch;
    private readonly Automation.Wiring.ZoneAutomation? _automation;
    private readonly IInferenceGate? _gate;
    private readonly ThermalGovernor? _thermal;
    private readonly string _deviceId;
    private readonly DaemonMetrics? _metrics;
    private readonly IFramePreview? _preview;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    private bool _warnedPng, _warnedOutputs;

    public FrameLoopService(
        IOptions<DaemonOptions> options,
        IOptions<MqttOptions> mqttOptions,
        DaemonHooks hooks,
        ITelemetryPublisher publisher,
        IWatchdogNotifier watchdog,
        IHostApplicationLifetime lifetime,
        DaemonStatus status,
        ILogger<FrameLoopService> logger,
        SegmenterSwitch? segmenterSwitch = null,
        Automation.Wiring.ZoneAutomation? automation = null,
        IInferenceGate? gate = null,
        ThermalGovernor? thermal = null,
        DaemonMetrics? metrics = null,
        IFramePreview? preview = null)
    {
        _metrics = metrics;
        _preview = preview;
        _automation = automation;
        _gate = gate;
        _thermal = thermal;
        _switch = segmenterSwitch ?? new SegmenterSwitch();
        _options = options.Value;
        _hooks = hooks;
        _publisher = publisher;
        _lifetime = lifetime;
        _status = status;
        _logger = logger;
        _watchdog = new WatchdogPinger(watchdog);
        _latency = new LatencyRecorder(Math.Max(16, _options.LatencyWindow));
        _deviceId = string.IsNullOrEmpty(_options.DeviceId) ? mqttOptions.Value.DeviceId : _options.DeviceId;
    }

    public LatencyRecorder Latency => _latency;

    public WatchdogPinger Watchdog => _watchdog;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // do not hold up host start-up (model loading happens below)
        using var watchdogStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _watchdog.MarkProgress();
        var watchdogTask = _watchdog.RunAsync(watchdogStop.Token);
        bool stopHost = true;
        try
        {
            // Supervised: a failure (source gone, model does not load, too many bad frames) is reported and the loop
            // restarts with backoff; it never stops the process.
            await Supervisor.RunAsync("frame-loop", RunLoopAsync, _status, _logger,
                TimeSpan.FromMilliseconds(Math.Max(1, _options.RestartMinDelayMs)), TimeSpan.FromMilliseconds(Math.Max(1, _options.RestartMaxDelayMs)),
                stoppingToken, _ => _watchdog.MarkProgress()).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                stopHost = false; // the host is already stopping (SIGTERM / Ctrl+C)
            }
            else
            {
                _status.SourceEnded = true;
                _logger.LogInformation("Frame source ended after {Frames} frames ({Corrupt} corrupt, {Dropped} dropped); stopping",
                    _status.FramesProcessed, _status.FramesCorrupt, _status.FramesDropped);
            }
        }
        finally
        {
            await watchdogStop.CancelAsync().ConfigureAwait(false);
            await watchdogTask.ConfigureAwait(false);
            _status.LatencyTable = _latency.FormatTable();
            // A table of zeros says nothing: it is logged only when frames ran.
            if (_status.FramesProcessed > 0)
            {
                _logger.LogInformation("Latency over the last {Window} frames per stage, {Processed} frames processed:", _options.LatencyWindow, _status.FramesProcessed);
                foreach (var line in _status.LatencyTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    _logger.LogInformation("  {Row}", line);
            }
        }
        if (stopHost) _lifetime.StopApplication();
    }

    private async Task RunLoopAsync(CancellationToken ct)
    {
        var o = _options;
        if (!string.IsNullOrEmpty(o.OutputDirectory)) Directory.CreateDirectory(o.OutputDirectory);

        var (segmenter, bootModel) = _switch.CreateInitial(o, _hooks);
        try
        {
            await RunLoopAsync(segmenter, bootModel, ct).ConfigureAwait(false);
        }
        finally
        {
            _switch.Shutdown();
        }
    }

    private ModelInfo Describe(ISegmenter segmenter)
    {
        var o = _options;
        string modelVersion = !string.IsNullOrEmpty(o.ModelVersion) ? o.ModelVersion
            : segmenter.ModelSha256.Length >= 12 ? segmenter.ModelSha256[..12] : segmenter.ModelSha256;
        return new ModelInfo(segmenter.ModelName, modelVersion, segmenter.ModelSha256);
    }

    private async Task RunLoopAsync(ISegmenter initialSegmenter, ModelInfo? bootModel, CancellationToken ct)
    {
        var o = _options;
        // Owned here: disposed on exit, or right after a swap replaces it (SegmenterSwitch).
        var owned = new SegmenterBox(initialSegmenter);
        using var _ = owned;
        ISegmenter segmenter = initialSegmenter;
        _watchdog.MarkProgress();
        var model = bootModel ?? Describe(segmenter);
        _switch.SetActive(model);

        FaultPoints.Hit(FaultPoints.SourceOpen);
        await using IFrameSource source = _hooks.OpenSource(o.Source);
        _watchdog.MarkProgress();
        _logger.LogInformation("Running {Model} ({Version}) on {Source}; device {Device}", model.Name, model.Version, source.Description, _deviceId);

        var frame = new FrameBuffer();
        var image = new RgbImage();
        byte[] classMap = [];
        long lastFrameId = long.MinValue;
        int consecutiveFailures = 0;
        long telemetryTicks = (long)(Math.Max(10, o.TelemetryIntervalMs) / 1000.0 * Stopwatch.Frequency);
        long nextTelemetry = Stopwatch.GetTimestamp() + telemetryTicks;
        var fps = new FpsCounter(_startTimestamp);
        int lastWidth = 0, lastHeight = 0;

        while (true)
        {
            if (_thermal is not null) await _thermal.PaceAsync(ct).ConfigureAwait(false); // frame-rate cap while hot
            long t0 = Stopwatch.GetTimestamp();
            if (!await source.ReadFrameAsync(frame, ct).ConfigureAwait(false)) break;
            long t1 = Stopwatch.GetTimestamp();
            _watchdog.MarkProgress();
            if (FaultPoints.Enabled) FaultPoints.Hit(FaultPoints.FrameLoop);
            Record(PipelineStage.Capture, Ms(t0, t1));

            if (lastFrameId != long.MinValue && frame.FrameId > lastFrameId + 1)
                _status.AddDropped(frame.FrameId - lastFrameId - 1);
            lastFrameId = frame.FrameId;

            // Trigger inputs idle (no PIR/button for N frames): skip decode and inference, keep the camera and telemetry going.
            if (_gate is not null && !_gate.ShouldInfer())
            {
                _status.AddGated();
                MaybePublishTelemetry(ref nextTelemetry, telemetryTicks, model, source, fps, classMap, lastWidth, lastHeight, frame);
                continue;
            }

            try
            {
                _hooks.Decode(frame, image);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _status.AddCorrupt();
                if (_status.FramesCorrupt <= 10 || _status.FramesCorrupt % 100 == 0)
                    _logger.LogWarning("Frame {FrameId} is corrupt and was skipped ({Error}); {Count} corrupt so far", frame.FrameId, ex.Message, _status.FramesCorrupt);
                if (++consecutiveFailures >= o.MaxConsecutiveFailures)
                    throw new InvalidDataException($"{consecutiveFailures} frames in a row failed; last: {ex.Message}", ex);
                MaybePublishTelemetry(ref nextTelemetry, telemetryTicks, model, source, fps, classMap, lastWidth, lastHeight, frame);
                continue;
            }
            long t2 = Stopwatch.GetTimestamp();
            Record(PipelineStage.Decode, Ms(t1, t2));

            int pixels = image.Width * image.Height;
            if (classMap.Length < pixels) classMap = new byte[pixels];

            // OTA: a new segmenter was built beside this one; switch between two frames (this frame uses the new one).
            if (_switch.HasPending && _switch.TryTakePending(out var next, out var nextModel, out var swapped))
            {
                var old = segmenter;
                segmenter = next;
                owned.Segmenter = next;
                model = nextModel ?? Describe(next);
                _switch.Swapped(swapped, model, frame.FrameId);
                old.Dispose();
                _logger.LogInformation("Swapped model to {Model} {Version} ({Sha}) at frame {FrameId}", model.Name, model.Version, model.Sha256, frame.FrameId);
            }

            SegmentationTimings timings;
            try
            {
                timings = segmenter.Segment(image, classMap.AsSpan(0, pixels));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _switch.ReportFrame(frame.FrameId, model, 0, ex);
                _status.AddDropped(1);
                _logger.LogError(ex, "Segmentation of frame {FrameId} failed; frame dropped", frame.FrameId);
                if (++consecutiveFailures >= o.MaxConsecutiveFailures)
                    throw new InvalidOperationException($"{consecutiveFailures} frames in a row failed; last: {ex.Message}", ex);
                continue;
            }
            consecutiveFailures = 0;
            _switch.ReportFrame(frame.FrameId, model, timings.PreprocessMs + timings.InferenceMs + timings.PostprocessMs, null);
            lastWidth = image.Width;
            lastHeight = image.Height;
            Record(PipelineStage.Preprocess, timings.PreprocessMs);
            Record(PipelineStage.Inference, timings.InferenceMs);
            Record(PipelineStage.Postprocess, timings.PostprocessMs);
            _status.AddProcessed();

            long t3 = Stopwatch.GetTimestamp();
            PublishMask(frame, image, classMap.AsSpan(0, pixels), model.Version);
            // Zones, rules, events (and GPIO sinks) within this frame's publish step.
            _automation?.OnFrame(classMap.AsSpan(0, pixels), image.Width, image.Height, frame.FrameId, frame.Timestamp, image);
            // The console's preview: returns at once unless a viewer is connected.
            _preview?.Offer(image, classMap.AsSpan(0, pixels), frame.FrameId);
            WriteOutputs(frame, image, classMap.AsSpan(0, pixels), segmenter.ClassCount);
            MaybePublishTelemetry(ref nextTelemetry, telemetryTicks, model, source, fps, classMap, lastWidth, lastHeight, frame, segmenter.ClassCount);
            Record(PipelineStage.Publish, Ms(t3, Stopwatch.GetTimestamp()));
        }

        // Final telemetry so a finite run always reports its totals.
        PublishTelemetry(model, source, fps);
    }

    private void MaybePublishTelemetry(ref long nextTelemetry, long telemetryTicks, ModelInfo model, IFrameSource source, FpsCounter fps,
        byte[] classMap, int width, int height, FrameBuffer frame, int classCount = 0)
    {
        long now = Stopwatch.GetTimestamp();
        if (now < nextTelemetry) return;
        nextTelemetry = now + telemetryTicks;
        PublishTelemetry(model, source, fps);
        if (_publisher.ClassCountsEnabled && classCount > 0 && width > 0)
        {
            var counts = new long[classCount];
            foreach (byte c in classMap.AsSpan(0, width * height))
                if (c < counts.Length) counts[c]++;
            _publisher.TryPublishClassCounts(new ClassCountsMessage(_deviceId, frame.FrameId, frame.Timestamp, width, height, counts));
        }
    }

    private void PublishTelemetry(ModelInfo model, IFrameSource source, FpsCounter fps)
    {
        long now = Stopwatch.GetTimestamp();
        var snapshot = new TelemetrySnapshot
        {
            Device = _deviceId,
            Timestamp = DateTimeOffset.UtcNow,
            Model = model,
            Source = source.Description,
            Fps = Math.Round(fps.Sample(_status.FramesProcessed, now), 2),
            FramesProcessed = _status.FramesProcessed,
            FramesDropped = _status.FramesDropped,
            FramesCorrupt = _status.FramesCorrupt,
            LatencyMs = _latency.Snapshot(),
            GcHeapBytes = GC.GetTotalMemory(false),
            RssBytes = SystemMetrics.ReadRssBytes(),
            CpuTemperatureC = _thermal?.LastCelsius,
            Thermal = _thermal?.Snapshot(),
            Gate = (_gate as IInferenceGateTelemetry)?.Snapshot(),
            UptimeS = Math.Round(Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds, 3),
            Mqtt = _publisher.GetStats(),
            Restarts = _status.LastFault is null ? null : _status.Restarts,
            LastFault = _status.LastFault,
        };
        _status.LastTelemetry = snapshot;
        _publisher.TryPublishTelemetry(snapshot);
    }

    private void PublishMask(FrameBuffer frame, RgbImage image, ReadOnlySpan<byte> classMap, string modelVersion)
    {
        if (!_publisher.MasksEnabled || !_publisher.TryReserveMaskSlot()) return;
        string encoding = MaskEncodings.RunLength;
        byte[] payload;
        if (_publisher.MaskEncoding == MaskEncodings.Png && _hooks.EncodeMaskPng is { } png)
        {
            payload = png(classMap, image.Width, image.Height);
            encoding = MaskEncodings.Png;
        }
        else
        {
            if (_publisher.MaskEncoding == MaskEncodings.Png && !_warnedPng)
            {
                _warnedPng = true;
                _logger.LogWarning("Mqtt:MaskEncoding=png but no PNG encoder is plugged in; publishing masks as rle");
            }
            payload = RunLengthMaskCodec.Encode(classMap, image.Width, image.Height);
        }
        var timestamp = frame.Timestamp == default ? DateTimeOffset.UtcNow : frame.Timestamp;
        _publisher.TryPublishMask(new MaskMessage(frame.FrameId, timestamp, image.Width, image.Height, modelVersion, encoding, payload));
    }

    private void WriteOutputs(FrameBuffer frame, RgbImage image, ReadOnlySpan<byte> classMap, int classCount)
    {
        var dir = _options.OutputDirectory;
        if (string.IsNullOrEmpty(dir)) return;
        if (_options.OutputEveryNthFrame > 1 && _status.FramesProcessed % _options.OutputEveryNthFrame != 0) return;
        try
        {
            if (_hooks.WriteOutputs is { } writer)
            {
                writer(dir, frame.FrameId, image, classMap, classCount);
                return;
            }
            if (!_warnedOutputs)
            {
                _warnedOutputs = true;
                _logger.LogWarning("No overlay/PNG writer is plugged in; writing masks to {Dir} as .erle (run-length) files", dir);
            }
            var path = Path.Combine(dir, $"frame-{frame.FrameId:D8}.mask.erle");
            File.WriteAllBytes(path, RunLengthMaskCodec.Encode(classMap, image.Width, image.Height));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Writing outputs of frame {FrameId} to {Dir} failed: {Error}", frame.FrameId, dir, ex.Message);
        }
    }

    /// <summary>Holds the segmenter the loop owns, so whichever is current at exit is disposed.</summary>
    private sealed class SegmenterBox(ISegmenter segmenter) : IDisposable
    {
        public ISegmenter Segmenter { get; set; } = segmenter;
        public void Dispose() => Segmenter.Dispose();
    }

    /// <summary>One stage's time into the latency window (status line, telemetry) and the metrics histogram (/metrics).</summary>
    private void Record(PipelineStage stage, double ms)
    {
        _latency.Record(stage, ms);
        _metrics?.RecordStage(LatencyRecorder.StageName(stage), ms);
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Frames per second between two telemetry samples.</summary>
    private sealed class FpsCounter(long startTimestamp)
    {
        private long _lastTimestamp = startTimestamp;
        private long _lastFrames;

        public double Sample(long frames, long now)
        {
            double seconds = (now - _lastTimestamp) / (double)Stopwatch.Frequency;
            double fps = seconds > 0 ? (frames - _lastFrames) / seconds : 0;
            _lastTimestamp = now;
            _lastFrames = frames;
            return fps;
        }
    }
}
