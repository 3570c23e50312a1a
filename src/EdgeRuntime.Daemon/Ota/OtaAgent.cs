using System.Buffers;
using System.Diagnostics;
using System.Globalization;
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
internal sealed partial class OtaAgent : BackgroundService, IModelUpdatePhase
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
    private readonly DaemonMetrics? _metrics;
    private readonly TaskCompletionSource _booted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DaemonStatus _status;
    private ModelManifest? _crashLoopRolledBack; // set at boot when the model on trial was rolled back for crash-looping
    private (long Version, string Sha)? _retryKey;
    private int _retryCount;
    private long _retryAtTicks;
    private long _ignoredMessages;
    private string? _lastIgnored;

    public OtaAgent(IOptions<OtaOptions> ota, IOptions<DaemonOptions> daemon, IOptions<MqttOptions> mqtt, DaemonHooks hooks,
        SegmenterSwitch segmenterSwitch, ILogger<OtaAgent> logger, MqttHostedService? mqttService = null, DaemonStatus? status = null, DaemonMetrics? metrics = null)
    {
        _status = status ?? new DaemonStatus();
        _metrics = metrics;
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

    /// <summary>Desired-manifest messages dropped unverified, and the latest one's reason/hash/size.</summary>
    public long IgnoredMessages => Interlocked.Read(ref _ignoredMessages);
    public string? LastIgnored => Volatile.Read(ref _lastIgnored);

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
            bool onTrial = c.Slot == currentSlot && _store.TrialVersion == c.Manifest.Version;
            if (onTrial)
            {
                // Crash-loop guard: the counter is written and fsync'd before the trial model loads, so a model that kills
                // the process is counted even though nothing after this line runs.
                int starts = _store.TrialStarts;
                if (starts >= Math.Max(1, _ota.MaxTrialStarts))
                {
                    string reason = $"crash-loop:{starts} starts on trial without passing the health window";
                    _logger.LogError("OTA boot: {Name} v{Version} is on trial and {Reason}: rolling back", c.Manifest.Name, c.Manifest.Version, reason);
                    _ledger.Reject(c.Manifest.Version, c.Manifest.Sha256, RolledBackPrefix + reason);
                    _store.RollBack();
                    _crashLoopRolledBack = c.Manifest;
                    return BootCore(options, hooks);
                }
                _store.CountTrialStart();
            }
            try
            {
                var seg = hooks.CreateSegmenter(WithModel(c.ModelPath));
                if (c.Slot != currentSlot) _store.RepairCurrent(c);
                _active = c;
                _bootOnTrial = onTrial;
                _logger.LogInformation("OTA boot: model {Name} v{Version} from slot {Slot}{Trial}", c.Manifest.Name, c.Manifest.Version, c.Slot,
                    _bootOnTrial ? $" (on trial, start {_store.TrialStarts}: health window again)" : "");
                return (seg, Info(c.Manifest));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogError(ex, "OTA boot: slot {Slot} does not load; trying the next", c.Slot);
                if (onTrial)
                {
                    _ledger.Reject(c.Manifest.Version, c.Manifest.Sha256, RolledBackPrefix + "load-failed:" + ex.GetType().Name);
                    _store.RollBack();
                    _crashLoopRolledBack = c.Manifest;
                    return BootCore(options, hooks);
                }
            }
        }
        if (currentSlot is not null || _store.PreviousSlot is not null) _store.RepairCurrent(null);
        _active = null;
        _bootOnTrial = false;
        _logger.LogInformation("OTA boot: factory model {Path}", options.ModelPath);
        return (hooks.CreateSegmenter(options), null);
    }

    /// <summary>Ledger reasons of releases that were installed and then rolled back start with this.</summary>
    private const string RolledBackPrefix = "rolled-back:";

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
                if (broker.DeviceCredentials is { } cred)
                {
                    effective.Username = cred.Username;
                    effective.Password = cred.Password;
                }
            }
            else
            {
                _logger.LogWarning("OTA: no MQTT broker: model updates are off");
                return;
            }
        }
        // Supervised: whatever fails in here (a download that breaks in an unexpected way, a full disk, a throwing
        // golden check) is reported and the agent restarts with backoff; the frame loop keeps serving the old model.
        await Supervisor.RunAsync("ota", ct => RunOnceAsync(effective, ct), _status, _logger,
            TimeSpan.FromMilliseconds(Math.Max(1, _daemon.RestartMinDelayMs)), TimeSpan.FromMilliseconds(Math.Max(1, _daemon.RestartMaxDelayMs)),
            stoppingToken, ex => _ = PublishAsync(ModelLifecycle.Active, null, error: "ota-restart:" + ex.GetType().Name)).ConfigureAwait(false);
        _keys.Dispose();
    }

    private async Task RunOnceAsync(MqttOptions effective, CancellationToken stoppingToken)
    {
        using var http = new HttpModelDownloader(_ota, effective.CaFile);
        _http = http;
        await using var client = new OtaMqttClient(effective, StateTopic, _logger, DeviceIdentity.LoadOrCreate(_ota, _store.Root, _logger),
            (uint)Math.Max(_ota.MaxChunkBytes, _ota.MaxManifestBytes) + 16 * 1024);
        _client = client;
        client.MessageReceived = OnMessageAsync;
        client.Start(string.IsNullOrEmpty(_groupTopic) ? [_deviceTopic] : [_deviceTopic, _groupTopic]);
        try
        {
            if (_crashLoopRolledBack is { } crashed)
            {
                await PublishAsync(RolledBackPrefix + "crash-loop", crashed).ConfigureAwait(false);
                _crashLoopRolledBack = null;
            }
            else if (_bootOnTrial && _active is { } onTrial)
            {
                // Not "active" yet: the rollout counts a device only once its health window passed on the new version.
                await PublishAsync(ModelLifecycle.Activating, onTrial.Manifest).ConfigureAwait(false);
            }
            else
            {
                await PublishAsync(ModelLifecycle.Active, null).ConfigureAwait(false);
            }
            if (_bootOnTrial && _active is { } trial)
            {
                _bootOnTrial = false;
                await RunTrialAsync(trial.Manifest, trial.Manifest, new Dictionary<string, double>(), stoppingToken).ConfigureAwait(false);
            }
            _wake.Writer.TryWrite(true); // manifests that arrived before (or during) a restart
            await foreach (var _ in _wake.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                await ConvergeAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            _client = null;
            _http = null;
        }
    }

    /// <summary>
    /// Verify first: nothing about a message changes state (desired manifest, dedupe key, logs, retained state) until its
    /// signature, schema and expiry checked out. A rejected message is logged by hash and size only and counted.
    /// </summary>
    private Task OnMessageAsync(string topic, MqttApplicationMessage m)
    {
        bool device = topic == _deviceTopic, group = topic == _groupTopic && _groupTopic.Length > 0;
        if (!device && !group) return Task.CompletedTask;
        ModelManifest? manifest = null;
        long size = m.Payload.Length;
        if (size > 0)
        {
            if (size > _ota.MaxManifestBytes)
            {
                Ignore(topic, m, $"too-large:{size}>{_ota.MaxManifestBytes}");
                return Task.CompletedTask;
            }
            byte[] payload = m.Payload.ToArray();
            try
            {
                manifest = ManifestSigner.Parse(payload);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Ignore(topic, m, "invalid-manifest");
                return Task.CompletedTask;
            }
            string? problem;
            try
            {
                problem = _keys.Check(manifest)
                    ?? (manifest.Schema != 1 ? "unsupported-schema" : null)
                    ?? (manifest.Expires <= DateTimeOffset.UtcNow ? "expired" : null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                problem = "bad-signature";
            }
            if (problem is not null)
            {
                Ignore(topic, m, problem);
                return Task.CompletedTask;
            }
        }
        else if (group)
        {
            // An empty retained message clears the group's manifest: it cannot install anything, so it needs no signature.
        }
        if (device) _desired.SetDevice(manifest);
        else _desired.SetGroup(manifest);
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    private void Ignore(string topic, MqttApplicationMessage m, string reason)
    {
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(m.Payload.ToArray()))[..16];
        long n = Interlocked.Increment(ref _ignoredMessages);
        string summary = $"{reason} sha256:{hash} {m.Payload.Length} bytes on {topic}";
        Volatile.Write(ref _lastIgnored, summary);
        _ = RepublishIgnoredAsync();
        long now = Environment.TickCount64;
        if (n <= 20 || now - Interlocked.Read(ref _lastIgnoredLog) >= 1000) // a flood costs at most one line a second
        {
            Interlocked.Exchange(ref _lastIgnoredLog, now);
            _logger.LogWarning("OTA: ignored a desired-manifest message: {Reason} (sha256 {Hash}..., {Size} bytes, {Count} ignored so far)", reason, hash, m.Payload.Length, n);
        }
    }

    private long _lastIgnoredLog;
    private int _ignoredRepublishPending;

    /// <summary>Ignored messages show in the retained state too: the last state re-published with the counters, at most once a second.</summary>
    private async Task RepublishIgnoredAsync()
    {
        if (Interlocked.Exchange(ref _ignoredRepublishPending, 1) == 1) return;
        try
        {
            await Task.Delay(1000).ConfigureAwait(false);
            Interlocked.Exchange(ref _ignoredRepublishPending, 0);
            if (LastState is { } last && _client is { } c)
            {
                var msg = last with { IgnoredMessages = Interlocked.Read(ref _ignoredMessages), LastIgnored = Volatile.Read(ref _lastIgnored), Timestamp = DateTimeOffset.UtcNow };
                Volatile.Write(ref _lastState, msg);
                await c.PublishStateAsync(msg).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Exchange(ref _ignoredRepublishPending, 0);
            _logger.LogDebug(ex, "OTA: re-publishing the state failed");
        }
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
        bool retryDue = _retryKey == key && Environment.TickCount64 >= Interlocked.Read(ref _retryAtTicks);
        if (_lastHandled == key && !retryDue) return;
        if (_retryKey != key) _retryCount = 0;
        _lastHandled = key;
        bool transient = await HandleGuardedAsync(m, ct).ConfigureAwait(false);
        if (transient)
        {
            var delay = Supervisor.Backoff(_retryCount++, TimeSpan.FromSeconds(Math.Max(1, _ota.RetryMinSeconds)), TimeSpan.FromSeconds(Math.Max(1, _ota.RetryMaxSeconds)));
            _retryKey = key;
            Interlocked.Exchange(ref _retryAtTicks, Environment.TickCount64 + (long)delay.TotalMilliseconds);
            _logger.LogInformation("OTA: {Name} v{Version} will be tried again in {Delay:F0} s", m.Name, m.Version, delay.TotalSeconds);
            _ = WakeLaterAsync(delay, ct);
        }
        else
        {
            _retryKey = null;
            _retryCount = 0;
        }
    }

    private async Task WakeLaterAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            _wake.Writer.TryWrite(true);
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Handles one release; any unexpected failure is reported and counts as transient (retried with backoff). True: retry.</summary>
    private async Task<bool> HandleGuardedAsync(ModelManifest m, CancellationToken ct)
    {
        try
        {
            return await HandleAsync(m, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _status.RecordFault("ota", ex);
            _logger.LogError(ex, "OTA: handling {Name} v{Version} failed unexpectedly; the current model keeps serving", m.Name, m.Version);
            try { await PublishAsync(ModelLifecycle.Rejected + ":internal-error:" + ex.GetType().Name, m).ConfigureAwait(false); }
            catch (Exception publishError) { _logger.LogDebug(publishError, "OTA: publishing the error state failed"); }
            return true;
        }
    }

    private bool _pinned;

    /// <summary>Handles one verified release. True: a transient failure (retry later).</summary>
    private async Task<bool> HandleAsync(ModelManifest m, CancellationToken ct)
    {
        var timings = new Dictionary<string, double>();
        string? reason = Precheck(m);
        if (reason is not null)
        {
            if (reason.StartsWith(RolledBackPrefix, StringComparison.Ordinal))
            {
                // Installed before and rolled back: say so again (the retained state keeps telling the truth), never retry.
                if (LastState?.State != reason || LastState.TargetVersion != m.Version) await PublishAsync(reason, m).ConfigureAwait(false);
                return false;
            }
            await RejectAsync(m, reason, remember: false, timings).ConfigureAwait(false);
            return false;
        }
        await PublishAsync(ModelLifecycle.Received, m).ConfigureAwait(false);
        _logger.LogInformation("OTA: received {Name} v{Version} ({Sha})", m.Name, m.Version, m.Sha256);

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
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    lastError = "error:" + ex.GetType().Name;
                    _logger.LogWarning(ex, "OTA: download attempt {Attempt} from {Url} failed unexpectedly", attempt + 1, url);
                }
            }
            if (path is null && !string.IsNullOrEmpty(m.MqttChunks))
            {
                try
                {
                    path = await MqttChunkDownloader.DownloadAsync(_client!, m.MqttChunks, m.Sha256, m.Length, _ota.MaxModelBytes, _store.DownloadsDirectory,
                        TimeSpan.FromSeconds(Math.Max(1, _ota.ChunkTimeoutSeconds)), Progress, ct, _ota.MaxChunkBytes).ConfigureAwait(false);
                }
                catch (ModelDownloadException ex)
                {
                    lastError = ex.Reason;
                    _logger.LogWarning("OTA: MQTT chunk transfer from {Topic} failed: {Error}", m.MqttChunks, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    lastError = "error:" + ex.GetType().Name;
                    _logger.LogWarning(ex, "OTA: MQTT chunk transfer from {Topic} failed unexpectedly", m.MqttChunks);
                }
            }
            if (lastError == "too-large") break;
        }
        timings["download"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        if (path is null)
        {
            await RejectAsync(m, "download-failed:" + lastError, remember: false, timings).ConfigureAwait(false);
            return lastError != "too-large";
        }
        CrashPoints.Hit(CrashPoints.AfterDownload);

        // Verify
        sw.Restart();
        await PublishAsync(ModelLifecycle.Verifying, m, timings: timings).ConfigureAwait(false);
        byte[] bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        VerificationResult result;
        bool transient = false;
        try
        {
            byte[]? goldenInput = await FetchGoldenInputAsync(m, ct).ConfigureAwait(false);
            result = await Task.Run(() =>
            {
                FaultPoints.Hit(FaultPoints.VerifyThrows);
                return ModelVerifier.Verify(bytes, m, _ota.MemoryBudgetBytes, goldenInput);
            }, ct).ConfigureAwait(false);
        }
        catch (ModelDownloadException ex)
        {
            result = new VerificationResult("golden-error:input " + ex.Reason, Permanent: ex.Reason == "bad-sha256");
            transient = !result.Permanent;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            result = new VerificationResult("verify-io-error:" + ex.GetType().Name, Permanent: false);
            transient = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The model made the verifier (parser, planner, golden run) throw: the model is bad, for good.
            _logger.LogWarning(ex, "OTA: verifying {Name} v{Version} threw", m.Name, m.Version);
            result = new VerificationResult("verify-error:" + ex.GetType().Name, Permanent: true);
        }
        timings["verify"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        if (!result.Ok)
        {
            TryDelete(path);
            await RejectAsync(m, result.Reason!, remember: result.Permanent, timings).ConfigureAwait(false);
            return transient;
        }

        // Activate: slot written and synced, segmenter built beside the running one, pointer switched, swap between frames.
        sw.Restart();
        await PublishAsync(ModelLifecycle.Activating, m, timings: timings).ConfigureAwait(false);
        InstalledModel installed;
        try
        {
            FaultPoints.Hit(FaultPoints.SlotWrite);
            installed = _store.WriteInactiveSlot(bytes, m);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Full disk, read-only file system...: nothing was switched; current still names the serving model.
            _logger.LogError("OTA: writing the slot for {Name} v{Version} failed: {Error}", m.Name, m.Version, ex.Message);
            await RejectAsync(m, "disk-error:" + ex.GetType().Name, remember: false, timings).ConfigureAwait(false);
            return true;
        }
        ISegmenter next;
        try
        {
            next = _hooks.CreateSegmenter(WithModel(installed.ModelPath));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "OTA: the segmenter for {Name} v{Version} could not be built", m.Name, m.Version);
            await RejectAsync(m, "load-failed:" + ex.GetType().Name, remember: true, timings).ConfigureAwait(false);
            return false;
        }
        var previousActive = _active;
        try
        {
            _store.SwitchCurrent(installed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            next.Dispose();
            _logger.LogError("OTA: switching to {Name} v{Version} failed: {Error}", m.Name, m.Version, ex.Message);
            await RollBackAsync(m, "disk-error:" + ex.GetType().Name, timings, remember: false).ConfigureAwait(false);
            return true;
        }
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
                return false;
            }
            _active = installed;
            timings["activate"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            _logger.LogInformation("OTA: {Name} v{Version} serves frames from frame {Frame} (was {Old})", m.Name, m.Version, firstFrame,
                previousActive is null ? "factory model" : "v" + previousActive.Manifest.Version.ToString(CultureInfo.InvariantCulture));
            await PublishAsync(ModelLifecycle.Activating, m, timings: timings).ConfigureAwait(false);
            await HealthAsync(m, window, timings, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _status.RecordFault("ota", ex);
            _logger.LogError(ex, "OTA: activating {Name} v{Version} failed unexpectedly", m.Name, m.Version);
            await RollBackAsync(m, "internal-error:" + ex.GetType().Name, timings).ConfigureAwait(false);
        }
        finally
        {
            _switch.RemoveObserver(window);
        }
        return false;
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
            _ledger.Accept(m.Version, m.Sha256); // the version floor rises only now that the new model passed its health window
            _logger.LogInformation("OTA: {Name} v{Version} passed its health window (p95 {P95:F2} ms): active", m.Name, m.Version, window.P95Ms);
            await PublishAsync(ModelLifecycle.Active, m, timings: timings).ConfigureAwait(false);
        }
        else
        {
            await RollBackAsync(m, failure, timings).ConfigureAwait(false);
        }
    }

    private async Task RollBackAsync(ModelManifest m, string reason, Dictionary<string, double> timings, bool remember = true)
    {
        _logger.LogWarning("OTA: rolling back {Name} v{Version}: {Reason}", m.Name, m.Version, reason);
        if (remember) _ledger.Reject(m.Version, m.Sha256, RolledBackPrefix + reason);
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
        await PublishAsync(RolledBackPrefix + reason, m, timings: timings).ConfigureAwait(false);
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
        if (_ledger.FindRejected(m.Version, m.Sha256) is { } r)
            return r.Reason.StartsWith(RolledBackPrefix, StringComparison.Ordinal) ? r.Reason : "previously-rejected:" + r.Reason;
        if (!IsSha256Hex(m.Sha256)) return "bad-sha256";
        if (m.Length <= 0 || m.Length > _ota.MaxModelBytes) return $"too-large:{m.Length}>{_ota.MaxModelBytes}";
        if (m.Urls.Length == 0 && string.IsNullOrEmpty(m.MqttChunks)) return "no-source";
        return null;
    }

    private async Task<byte[]?> FetchGoldenInputAsync(ModelManifest m, CancellationToken ct)
    {
        if (m.Golden?.InputUrl is not { Length: > 0 } url) return null;
        if (m.Golden.InputSha256 is not { Length: 64 } sha || !IsSha256Hex(sha))
            throw new ModelDownloadException("bad-sha256", "golden input_url without a valid hex input_sha256"); // it names a file: never a path
        string dir = Path.Combine(_store.DownloadsDirectory, "golden");
        string path = await _http!.DownloadAsync(url, sha, Math.Min(_ota.MaxModelBytes, 64L * 1024 * 1024), dir, null, ct).ConfigureAwait(false);
        return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
    }

    private async Task PublishAsync(string state, ModelManifest? target, long? bytesDone = null, long? bytesTotal = null, Dictionary<string, double>? timings = null,
        string? error = null)
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
            HealthPassed = _store.TrialVersion is null, // the serving model is not on trial: it passed its health window (or is the factory model)
            IgnoredMessages = Interlocked.Read(ref _ignoredMessages),
            LastIgnored = Volatile.Read(ref _lastIgnored),
            Restarts = _status.LastFault is null ? null : _status.Restarts,
            LastFault = error ?? _status.LastFault,
            Timestamp = DateTimeOffset.UtcNow,
        };
        Volatile.Write(ref _lastState, msg);
        _metrics?.RecordOtaState(msg.State, msg.TargetVersion);
        if (_client is { } c) await c.PublishStateAsync(msg).ConfigureAwait(false);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Exactly 64 hex digits. (Not a Regex: the one Regex in the device binary cost it 260 KiB.)</summary>
    internal static bool IsSha256Hex(string? text) => text is { Length: 64 } && !text.AsSpan().ContainsAnyExcept(HexDigits);

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
}
