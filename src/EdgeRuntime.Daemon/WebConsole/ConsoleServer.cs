using System.Net;
using EdgeRuntime.Daemon;
using EdgeRuntime.WebConsole.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// The local console as a hosted service of the daemon: Kestrel (WebApplication.CreateSlimBuilder, AOT-clean) on
/// Console:Bind:Port. A console that cannot start (port taken, bad certificate, unreadable token file) logs one line
/// and the daemon goes on without it; it never stops the frame loop.
/// </summary>
internal sealed class ConsoleServer(
    IOptions<ConsoleOptions> options,
    IServiceProvider services,
    ILogger<ConsoleServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;
    private PrometheusCollector? _collector;

    /// <summary>The base URL once started (e.g. http://127.0.0.1:8780/), else null.</summary>
    public string? BaseUrl { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        if (o.Errors() is { Count: > 0 } errors)
        {
            logger.LogError("Console not started: {Errors}", string.Join("; ", errors));
            return;
        }
        try
        {
            var token = ConsoleToken.LoadOrCreate(o.EffectiveTokenFile);
            _collector = new PrometheusCollector(services.GetRequiredService<DaemonMetrics>().Meter);
            _app = Build(o, token, _collector);
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
            string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
            BaseUrl = address.Replace("://0.0.0.0:", $"://{Dns.GetHostName()}:", StringComparison.Ordinal).TrimEnd('/') + "/";
            logger.LogInformation("Console: {Url} (token in {TokenFile}{Created})", BaseUrl, token.Path, token.Created ? ", created now" : "");
            if (!o.IsLoopbackOnly && string.IsNullOrEmpty(o.CertificatePath))
                logger.LogWarning("Console listens on {Bind} without TLS: the token and the camera view cross the network in clear (set Console:CertificatePath)", o.Bind);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError("Console not started on {Bind}:{Port}: {Error}", o.Bind, o.Port, OneLine(ex));
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            try { await app.StopAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { logger.LogWarning("Console stop: {Error}", ex.Message); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync().ConfigureAwait(false);
        }
        _collector?.Dispose();
        _collector = null;
    }

    private WebApplication Build(ConsoleOptions o, ConsoleToken token, PrometheusCollector collector)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "edgert-console",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // The daemon logs what matters (the URL, a failure); Kestrel's own info lines would only repeat it.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The handlers enforce MaxBodyBytes (413) themselves; Kestrel's cap is higher so that a moderately oversized
            // body is drained after the 413 and the client reads the answer, instead of a reset connection.
            k.Limits.MaxRequestBodySize = 4L * o.MaxBodyBytes;
            k.Limits.MaxConcurrentConnections = 32 + o.MaxStreams;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestLineSize = 4096;
            var address = o.Bind switch { "localhost" => IPAddress.Loopback, "*" => IPAddress.Any, _ => IPAddress.Parse(o.Bind) };
            k.Listen(address, o.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (!string.IsNullOrEmpty(o.CertificatePath))
                    listen.UseHttps(o.CertificatePath, string.IsNullOrEmpty(o.CertificatePassword) ? null : o.CertificatePassword);
            });
        });
        var app = builder.Build();
        var context = new ConsoleContext(o, new ConsoleAuth(token), collector, services, !string.IsNullOrEmpty(o.CertificatePath));
        ConsoleEndpoints.Map(app, context);
        return app;
    }

    private static string OneLine(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is { } next && inner is AggregateException or IOException) inner = next;
        return $"{inner.GetType().Name}: {inner.Message.Split('\n')[0]}";
    }
}
