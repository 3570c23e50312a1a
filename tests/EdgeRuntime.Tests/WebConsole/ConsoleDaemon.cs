using EdgeRuntime.Hosting;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Wiring;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Telemetry;
using EdgeRuntime.WebConsole;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>
/// An in-process daemon with the console on 127.0.0.1:&lt;ephemeral port&gt;, a private token file and a zones file in a
/// temp folder, MQTT off. By default the threshold test segmenter on endless synthetic frames; the browser test plugs in
/// the real model on the demo frames.
/// </summary>
internal sealed class ConsoleDaemon : IAsyncDisposable
{
    public const string ZonesJson = """
        { "zones": [ { "name": "door", "points": [[0,0],[0.5,0],[0.5,1],[0,1]], "classes": ["person"], "on_frames": 1, "off_frames": 1 } ] }
        """;

    private readonly IHost _host;

    private ConsoleDaemon(IHost host, string dir)
    {
        _host = host;
        Directory = dir;
    }

    public string Directory { get; }
    public string TokenFile => Path.Combine(Directory, "token");
    public string ZonesFile => Path.Combine(Directory, "zones.json");
    public string Token => File.ReadAllText(TokenFile).Trim();
    public IServiceProvider Services => _host.Services;
    public DaemonStatus Status => _host.Services.GetRequiredService<DaemonStatus>();
    public ZoneAutomation Zones => _host.Services.GetRequiredService<ZoneAutomation>();
    public string BaseUrl => _host.Services.GetRequiredService<ConsoleServer>().BaseUrl ?? throw new InvalidOperationException("console did not start");

    public static async Task<ConsoleDaemon> StartAsync(string[]? extraArgs = null, Func<DaemonOptions, ISegmenter>? segmenter = null,
        Func<string, IFrameSource>? source = null, ILoggerProvider? logs = null, bool zones = true)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("edgert-console-").FullName; // 0700: the token may live here
        string zonesFile = Path.Combine(dir, "zones.json");
        if (zones) File.WriteAllText(zonesFile, ZonesJson);
        var hooks = new DaemonHooks
        {
            CreateSegmenter = segmenter ?? (_ => new ThresholdTestSegmenter()),
            OpenSource = source ?? (_ => new SyntheticTestFrameSource(frameCount: 1_000_000, delayMs: 20)),
        };
        string[] args =
        [
            "--source", "synthetic:test", "--model", "test.tflite", "--Daemon:MqttEnabled=false", "--Daemon:StatusIntervalSeconds=0",
            "--Daemon:TelemetryIntervalMs=200", "--Console:Enabled=true", "--Console:Port=0", $"--Console:TokenFile={Path.Combine(dir, "token")}",
            .. zones ? (string[])["--zones", zonesFile] : [],
            .. extraArgs ?? [],
        ];
        var builder = DaemonHost.CreateBuilder(args, hooks);
        builder.Logging.ClearProviders();
        if (logs is not null) builder.Logging.AddProvider(logs);
        var host = builder.Build();
        await host.StartAsync();
        return new ConsoleDaemon(host, dir);
    }

    /// <summary>Waits until the frame loop has processed <paramref name="more"/> frames beyond now.</summary>
    public async Task WaitForFramesAsync(int more, TimeSpan? timeout = null)
    {
        long target = Status.FramesProcessed + more;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Status.FramesProcessed < target)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"frames stuck at {Status.FramesProcessed} (wanted {target})");
            await Task.Delay(20);
        }
    }

    public HttpClient Client(bool authorized = true)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        if (authorized) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        _host.Dispose();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}

/// <summary>Collects log lines (the console's failure line is one of them).</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];
    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }
    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);
    public void Dispose() { }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines) owner._lines.Add($"{logLevel} {category}: {formatter(state, exception)}" + (exception is null ? "" : " EXCEPTION " + exception));
        }
    }
}
