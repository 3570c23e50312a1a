using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using EdgeRuntime.Daemon;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace EdgeRuntime.Ota;

/// <summary>
/// The device side of OTA model updates. At start it picks the boot model (current slot, else previous, else the
/// factory Daemon:ModelPath). Then it follows the retained desired manifests (device beats group), and for a new one:
/// received -> checks (trusted signature, expiry, version above the highest accepted, not rejected before, size) ->
/// downloading (HTTP with Range resume, MQTT chunks as fallback) -> verifying (length, sha256, parse, plan,
/// input/output, arena budget, golden) -> activating (inactive slot written and fsync'd, new segmenter built beside
/// the running one, current switched by atomic rename, swap between two frames) -> health window -> active, or
/// rolled-back (previous slot restored, version remembered as rejected). Every step is published on .../model/state.
/// </summary>
public sealed partial class OtaAgent : BackgroundService
{
    private readonly OtaOptions _ota;
    private readonly DaemonOptions _daemon;
    private readonly MqttOptions _mqtt;
    private readonly DaemonHooks _hooks;
    private readonly SegmenterSwitch _switch;
    private readonly MqttHostedService? _mqttService;
    private readonly ILogger _logger;
    private readonly DesiredState _desired = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ModelStore _store;
    private readonly VersionLedger _ledger;
    private readonly TrustedKeyRing _keys;
    private readonly string _deviceId;
    private readonly string _deviceTopic, _groupTopic;
    private OtaMqttClient? _client;
    private HttpModelDownloader? _http;
    private InstalledModel? _active;          // null: the factory model
    private bool _bootOnTrial;
    private (long Version, string Sha)? _lastHandled;
    private ModelStateMessage? _lastState;
    private readonly TaskCompletionSource _booted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public OtaAgent(IOptions<OtaOptions> ota, IOptions<DaemonOptions> daemon, IOptions<MqttOptions> mqtt, DaemonHooks hooks,
        SegmenterSwitch segmenterSwitch, ILogger<OtaAgent> logger, MqttHostedService? mqttService = null)
    {
        _ota = ota.Value;
        _daemon = daemon.Value;
        _mqtt = mqtt.Value;
        _hooks = hooks;
        _switch = segmenterSwitch;
        _mqttService = mqttService;
        _logger = logger;
        _deviceId = string.IsNullOrEmpty(_daemon.DeviceId) ? _mqtt.DeviceId : _daemon.DeviceId;
        _store = new ModelStore(_ota.StateDirectory);
        _ledger = new VersionLedger(_store.Root);
        _keys = TrustedKeyRing.FromOptions(_ota);
        string prefix = string.IsNullOrWhiteSpace(_mqtt.TopicPrefix) ? TopicLayout.DefaultPrefix : _mqtt.TopicPrefix.TrimEnd('/');
        _deviceTopic = DesiredState.DeviceTopic(prefix, _deviceId);
        _groupTopic = string.IsNullOrEmpty(_ota.Group) ? "" : DesiredState.GroupTopic(prefix, _ota.Group);
        StateTopic = DesiredState.StateTopic(prefix, _deviceId);
        _switch.InitialFactory = Boot;
    }

    public string StateTopic { get; }

    /// <summary>The last state published (tests, diagnostics).</summary>
    public ModelStateMessage? LastState => Volatile.Read(ref _lastState);

    public ModelStore Store => _store;

    public static ModelInfo Info(ModelManifest m) => new(m.Name, m.Version.ToString(CultureInfo.InvariantCulture), m.Sha256.ToLowerInvariant());

    private DaemonOptions WithModel(string path)
    {
        var o = _daemon.Clone();
        o.ModelPath = path;
        return o;
    }

    /// <summary>Frame loop start: the installed model if intact and loadable, else the previous one, else the factory model.</summary>
    private (ISegmenter, ModelInfo?) Boot(DaemonOptions options, DaemonHooks hooks)
    {
        try
        {
            return BootCore(options, hooks);
        }
        finally
        {
            _booted.TrySetResult(); // updates wait for this: the active model must be known first
        }
    }

    private (ISegmenter, ModelInfo?) BootCore(DaemonOptions options, DaemonHooks hooks)
    {
        string? currentSlot = _store.CurrentSlot;
        var candidates = _store.BootCandidates(msg => _logger.LogWarning("OTA boot: {Problem}", msg));
        foreach (var c in candidates)
        {
            try
            {
                var seg = hooks.CreateSegmenter(WithModel(c.ModelPath));
                if (c.Slot != currentSlot) _store.RepairCurrent(c);
                _active = c;
                _bootOnTrial = c.Slot == currentSlot && _store.TrialVersion == c.Manifest.Version;
                _logger.LogInformation("OTA boot: model {Name} v{Version} from slot {Slot}{Trial}", c.Manifest.Name, c.Manifest.Version, c.Slot,
                    _bootOnTrial ? " (on trial: health window again)" : "");
                return (seg, Info(c.Manifest));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogError(ex, "OTA boot: slot {Slot} does not load; trying the next", c.Slot);
            }
        }
        if (currentSlot is not null || _store.PreviousSlot is not null) _store.RepairCurrent(null);
        _active = null;
        _logger.LogInformation("OTA boot: factory model {Path}", options.ModelPath);
        return (hooks.CreateSegmenter(options), null);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await _booted.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        var effective = _mqtt.Clone();
        if (string.IsNullOrWhiteSpace(effective.Host))
        {
            if (_mqttService?.Broker is { } broker)
            {
                effective.Host = broker.Host;
                effective.Port = broker.Port;
            }
            else
            {
                _logger.LogWarning("OTA: no MQTT broker: model updates are off");
                return;
            }
        }
        _http = new HttpModelDownloader(_ota);
        await using var client = new OtaMqttClient(effective, StateTopic, _logger);
        _client = client;
        client.MessageReceived = OnMessageAsync;
        client.Start(string.IsNullOrEmpty(_groupTopic) ? [_deviceTopic] : [_deviceTopic, _groupTopic]);
        try
        {
            await PublishAsync(ModelLifecycle.Active, null).ConfigureAwait(false);
            if (_bootOnTrial && _active is { } trial)
                await RunTrialAsync(trial.Manifest, trial.Manifest, new Dictionary<string, double>(), stoppingToken).ConfigureAwait(false);
            await foreach (var _ in _wake.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                await ConvergeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _http.Dispose();
            _keys.Dispose();
        }
    }

    private Task OnMessageAsync(string topic, MqttApplicationMessage m)
    {
        bool device = topic == _deviceTopic, group = topic == _groupTopic && _groupTopic.Length > 0;
        if (!device && !group) return Task.CompletedTask;
        ModelManifest? manifest = null;
        if (m.Payload.Length > 0)
        {
            try
            {
                manifest = ManifestSigner.Parse(m.Payload.ToArray());
            }
            catch (InvalidDataException ex)
            {
                _logger.LogWarning("OTA: desired manifest on {Topic} is invalid: {Error}", topic, ex.Message);
                _ = PublishAsync(ModelLifecycle.Rejected + ":invalid-manifest", null);
                return Task.CompletedTask;
            }
        }
        if (device) _desired.SetDevice(manifest);
        else _desired.SetGroup(manifest);
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    private async Task ConvergeAsync(CancellationToken ct)
    {
        var (m, pinned) = _desired.Resolve();
        _pinned = pinned;
        if (m is null) return;
        var key = (m.Version, m.Sha256.ToLowerInvariant());
        if (_active is { } a && a.Manifest.Version == m.Version && string.Equals(a.Manifest.Sha256, m.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            if (LastState?.State != ModelLifecycle.Active || LastState.Pinned != pinned) await PublishAsync(ModelLifecycle.Active, null).ConfigureAwait(false);
            return;
        }
        if (_lastHandled == key) return;
        _lastHandled = key;
        await HandleAsync(m, ct).ConfigureAwait(false);
    }

    private bool _pinned;

    private async Task HandleAsync(ModelManifest m, CancellationToken ct)
    {
        var timings = new Dictionary<string, double>();
        await PublishAsync(ModelLifecycle.Received, m).ConfigureAwait(false);
        _logger.LogInformation("OTA: received {Name} v{Version} ({Sha})", m.Name, m.Version, m.Sha256);

        string? reason = Precheck(m);
        if (reason is not null)
        {
            await RejectAsync(m, reason, remember: false, timings).ConfigureAwait(false);
            return;
        }

        // Download
        var sw = Stopwatch.StartNew();
        string? path = null;
        string lastError = "no-source";
        long lastPublish = 0;
        void Progress(long done, long total)
        {
            long now = Environment.TickCount64;
            if (now - Interlocked.Read(ref lastPublish) < 200 && done < total) return;
            Interlocked.Exchange(ref lastPublish, now);
            _ = PublishAsync(ModelLifecycle.Downloading, m, bytesDone: done, bytesTotal: total);
        }
        await PublishAsync(ModelLifecycle.Downloading, m, bytesDone: HttpModelDownloader.ResumableBytes(_store.DownloadsDirectory, m.Sha256, m.Length), bytesTotal: m.Length).ConfigureAwait(false);
        for (int attempt = 0; attempt < Math.Max(1, _ota.DownloadAttempts) && path is null; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromMilliseconds(250 * (1 << Math.Min(attempt, 6))), ct).ConfigureAwait(false);
            foreach (string url in m.Urls)
            {
                try
                {
                    path = await _http!.DownloadAsync(url, m.Sha256, m.Length, _store.DownloadsDirectory, Progress, ct).ConfigureAwait(false);
                    break;
                }
                catch (ModelDownloadException ex)
                {
                    lastError = ex.Reason;
                    _logger.LogWarning("OTA: download attempt {Attempt} from {Url} failed: {Error}", attempt + 1, url, ex.Message);
                    if (ex.Reason == "too-large") break;
                }
            }
            if (path is null && !string.IsNullOrEmpty(m.MqttChunks))
            {
                try
                {
                    path = await MqttChunkDownloader.DownloadAsync(_client!, m.MqttChunks, m.Sha256, m.Length, _ota.MaxModelBytes, _store.DownloadsDirectory,
                        TimeSpan.FromSeconds(Math.Max(1, _ota.ChunkTimeoutSeconds)), Progress, ct).ConfigureAwait(false);
                }
                catch (ModelDownloadException ex)
                {
                    lastError = ex.Reason;
                    _logger.LogWarning("OTA: MQTT chunk transfer from {Topic} failed: {Error}", m.MqttChunks, ex.Message);
                }
            }
            if (lastError == "too-large") break;
        }
        timings["download"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        if (path is null)
        {
            await RejectAsync(m, "download-failed:" + lastError, remember: false, timings).ConfigureAwait(false);
            return;
        }
        CrashPoints.Hit(CrashPoints.AfterDownload);

        // Verify
        sw.Restart();
        await PublishAsync(ModelLifecycle.Verifying, m, timings: timings).ConfigureAwait(false);
        byte[] bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        VerificationResult result;
        try
        {
            byte[]? goldenInput = await FetchGoldenInputAsync(m, ct).ConfigureAwait(false);
            result = await Task.Run(() => ModelVerifier.Verify(bytes, m, _ota.MemoryBudgetBytes, goldenInput), ct).ConfigureAwait(false);
        }
        catch (ModelDownloadException ex)
        {
            result = new VerificationResult("golden-error:input " + ex.Reason, Permanent: false);
        }
        timings["verify"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        if (!result.Ok)
        {
            TryDelete(path);
            await RejectAsync(m, result.Reason!, remember: result.Permanent, timings).ConfigureAwait(false);
            return;
        }
        _ledger.Accept(m.Version, m.Sha256);

        // Activate: slot written and synced, segmenter built beside the running one, pointer switched, swap between frames.
        sw.Restart();
        await PublishAsync(ModelLifecycle.Activating, m, timings: timings).ConfigureAwait(false);
        var installed = _store.WriteInactiveSlot(bytes, m);
        ISegmenter next;
        try
        {
            next = _hooks.CreateSegmenter(WithModel(installed.ModelPath));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "OTA: the segmenter for {Name} v{Version} could not be built", m.Name, m.Version);
            await RejectAsync(m, "load-failed:" + ex.GetType().Name, remember: true, timings).ConfigureAwait(false);
            return;
        }
        var previousActive = _active;
        _store.SwitchCurrent(installed);
        TryDelete(path);
        var window = NewWindow(m);
        _switch.AddObserver(window);
        try
        {
            long firstFrame;
            try
            {
                firstFrame = await _switch.OfferAsync(next, Info(m)).WaitAsync(TimeSpan.FromSeconds(Math.Max(1, _ota.HealthTimeoutSeconds)), ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                await RollBackAsync(m, "not-swapped:the frame loop took no frame", timings).ConfigureAwait(false);
                return;
            }
            _active = installed;
            timings["activate"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            _logger.LogInformation("OTA: {Name} v{Version} serves frames from frame {Frame} (was {Old})", m.Name, m.Version, firstFrame,
                previousActive is null ? "factory model" : "v" + previousActive.Manifest.Version.ToString(CultureInfo.InvariantCulture));
            await PublishAsync(ModelLifecycle.Activating, m, timings: timings).ConfigureAwait(false);
            await HealthAsync(m, window, timings, ct).ConfigureAwait(false);
        }
        finally
        {
            _switch.RemoveObserver(window);
        }
    }

    private HealthWindow NewWindow(ModelManifest m) =>
        new(m.Sha256.ToLowerInvariant(), m.HealthFrames > 0 ? m.HealthFrames : _ota.HealthFrames, m.LatencyBudgetMs);

    private async Task RunTrialAsync(ModelManifest m, ModelManifest _, Dictionary<string, double> timings, CancellationToken ct)
    {
        var window = NewWindow(m);
        _switch.AddObserver(window);
        try { await HealthAsync(m, window, timings, ct).ConfigureAwait(false); }
        finally { _switch.RemoveObserver(window); }
    }

    private async Task HealthAsync(ModelManifest m, HealthWindow window, Dictionary<string, double> timings, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        string? failure;
        try
        {
            failure = await window.Result.WaitAsync(TimeSpan.FromSeconds(Math.Max(1, _ota.HealthTimeoutSeconds)), ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            failure = $"health-timeout:{window.FramesSeen} frames in {_ota.HealthTimeoutSeconds} s";
        }
        timings["health"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        timings["health_p95"] = Math.Round(window.P95Ms, 3);
        if (failure is null)
        {
            _store.Commit();
            _logger.LogInformation("OTA: {Name} v{Version} passed its health window (p95 {P95:F2} ms): active", m.Name, m.Version, window.P95Ms);
            await PublishAsync(ModelLifecycle.Active, m, timings: timings).ConfigureAwait(false);
        }
        else
        {
            await RollBackAsync(m, failure, timings).ConfigureAwait(false);
        }
    }

    private async Task RollBackAsync(ModelManifest m, string reason, Dictionary<string, double> timings)
    {
        _logger.LogWarning("OTA: rolling back {Name} v{Version}: {Reason}", m.Name, m.Version, reason);
        _ledger.Reject(m.Version, m.Sha256, reason);
        var target = _store.RollBack();
        try
        {
            ISegmenter seg = target is null ? _hooks.CreateSegmenter(_daemon) : _hooks.CreateSegmenter(WithModel(target.ModelPath));
            var offered = _switch.OfferAsync(seg, target is null ? null : Info(target.Manifest));
            _active = target;
            try { await offered.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false); }
            catch (Exception ex) when (ex is TimeoutException or TaskCanceledException) { /* frame loop stopped: boot picks the rolled-back pointer */ }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogCritical(ex, "OTA: the rollback model could not be built; it will be booted on restart");
        }
        await PublishAsync(ModelLifecycle.RolledBack + ":" + reason, m, timings: timings).ConfigureAwait(false);
    }

    private async Task RejectAsync(ModelManifest m, string reason, bool remember, Dictionary<string, double> timings)
    {
        _logger.LogWarning("OTA: rejected {Name} v{Version}: {Reason}", m.Name, m.Version, reason);
        if (remember) _ledger.Reject(m.Version, m.Sha256, reason);
        await PublishAsync(ModelLifecycle.Rejected + ":" + reason, m, timings: timings).ConfigureAwait(false);
    }

    /// <summary>Checks that need no download. Null: go on.</summary>
    private string? Precheck(ModelManifest m)
    {
        if (_keys.Check(m) is { } keyProblem) return keyProblem;
        if (m.Schema != 1) return $"unsupported-schema:{m.Schema}";
        if (m.Expires <= DateTimeOffset.UtcNow) return "expired";
        if (_ledger.CheckNewer(m.Version, m.Sha256) is { } notNewer) return notNewer;
        if (_ledger.FindRejected(m.Version, m.Sha256) is { } r) return "previously-rejected:" + r.Reason;
        if (!Sha256Hex().IsMatch(m.Sha256)) return "bad-sha256";
        if (m.Length <= 0 || m.Length > _ota.MaxModelBytes) return $"too-large:{m.Length}>{_ota.MaxModelBytes}";
        if (m.Urls.Length == 0 && string.IsNullOrEmpty(m.MqttChunks)) return "no-source";
        return null;
    }

    private async Task<byte[]?> FetchGoldenInputAsync(ModelManifest m, CancellationToken ct)
    {
        if (m.Golden?.InputUrl is not { Length: > 0 } url) return null;
        if (m.Golden.InputSha256 is not { Length: 64 } sha) throw new ModelDownloadException("no-sha256", "golden input_url without input_sha256");
        string dir = Path.Combine(_store.DownloadsDirectory, "golden");
        string path = await _http!.DownloadAsync(url, sha, Math.Min(_ota.MaxModelBytes, 64L * 1024 * 1024), dir, null, ct).ConfigureAwait(false);
        return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
    }

    private async Task PublishAsync(string state, ModelManifest? target, long? bytesDone = null, long? bytesTotal = null, Dictionary<string, double>? timings = null)
    {
        var active = _active?.Manifest;
        var activeInfo = _switch.Active;
        var msg = new ModelStateMessage
        {
            Device = _deviceId,
            Group = string.IsNullOrEmpty(_ota.Group) ? null : _ota.Group,
            State = state,
            TargetName = target?.Name,
            TargetVersion = target?.Version,
            TargetSha256 = target?.Sha256.ToLowerInvariant(),
            ActiveName = active?.Name ?? activeInfo?.Name,
            ActiveVersion = active?.Version,
            ActiveSha256 = active?.Sha256.ToLowerInvariant() ?? activeInfo?.Sha256,
            Pinned = _pinned,
            BytesDone = bytesDone,
            BytesTotal = bytesTotal,
            TimingsMs = timings is null ? null : new Dictionary<string, double>(timings),
            Timestamp = DateTimeOffset.UtcNow,
        };
        Volatile.Write(ref _lastState, msg);
        if (_client is { } c) await c.PublishStateAsync(msg).ConfigureAwait(false);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}
