using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// Routes of the console. Pages: / (live), /status, /zones, /login. API: /api/live.mjpg, /api/still.jpg, /api/status,
/// /api/zones (GET, POST). Scraping: /metrics (token), /healthz and /readyz (open). Everything else is 404.
/// Handlers are plain RequestDelegates (no reflection: NativeAOT-clean).
/// </summary>
internal static class ConsoleEndpoints
{
    private const string Csp = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

    public static void Map(WebApplication app, ConsoleContext ctx)
    {
        app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = Csp;
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            if (!ConsoleAuth.IsOpen(http.Request.Path) && !ctx.Auth.IsAuthorized(http.Request))
            {
                bool page = HttpMethods.IsGet(http.Request.Method) && !http.Request.Path.StartsWithSegments("/api")
                    && !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/static");
                if (page)
                {
                    http.Response.StatusCode = StatusCodes.Status303SeeOther;
                    headers.Location = "/login";
                    return;
                }
                headers.WWWAuthenticate = "Bearer realm=\"edgert console\"";
                await Text(http, StatusCodes.Status401Unauthorized, "token required (Authorization: Bearer, or log in at /login)\n").ConfigureAwait(false);
                return;
            }
            await next(http).ConfigureAwait(false);
        });

        app.MapGet("/", Page("live.html"));
        app.MapGet("/live", Page("live.html"));
        app.MapGet("/status", Page("status.html"));
        app.MapGet("/zones", Page("zones.html"));
        app.MapGet("/login", Page("login.html"));
        app.MapPost("/login", http => LoginAsync(http, ctx));
        app.MapPost("/logout", http =>
        {
            http.Response.Cookies.Delete(ConsoleAuth.CookieName);
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = "/login";
            return Task.CompletedTask;
        });
        app.MapGet("/static/{name}", http =>
        {
            string name = http.Request.RouteValues["name"] as string ?? "";
            return name.EndsWith(".html", StringComparison.Ordinal) || !StaticAssets.TryGet(name, out var bytes, out var type)
                ? Text(http, StatusCodes.Status404NotFound, "not found\n")
                : Bytes(http, bytes, type);
        });

        app.MapGet("/healthz", http => Text(http, StatusCodes.Status200OK, "ok\n"));
        app.MapGet("/readyz", http => ReadyAsync(http, ctx));
        app.MapGet("/metrics", http => Bytes(http, Encoding.UTF8.GetBytes(ctx.Collector.Scrape()), Metrics.PrometheusTextWriter.ContentType));

        app.MapGet("/api/status", http => StatusApi.WriteAsync(http, ctx));
        app.MapGet("/api/live.mjpg", http => LiveApi.StreamAsync(http, ctx));
        app.MapGet("/api/still.jpg", http => LiveApi.StillAsync(http, ctx));
        app.MapGet("/api/zones", http => ZonesApi.GetAsync(http, ctx));
        app.MapPost("/api/zones", http => ZonesApi.PostAsync(http, ctx));
    }

    private static RequestDelegate Page(string name) => http =>
        StaticAssets.TryGet(name, out var bytes, out var type) ? Bytes(http, bytes, type) : Text(http, StatusCodes.Status404NotFound, "not found\n");

    /// <summary>Ready: a model is loaded and a frame was processed (or gated by idle triggers) within Console:ReadyStallSeconds.</summary>
    private static Task ReadyAsync(HttpContext http, ConsoleContext ctx)
    {
        if (ctx.Switch.Active is null) return Text(http, StatusCodes.Status503ServiceUnavailable, "not ready: no model loaded\n");
        long last = ctx.Status.LastProgressTimestamp;
        if (last == 0) return Text(http, StatusCodes.Status503ServiceUnavailable, "not ready: no frame processed yet\n");
        double idle = Stopwatch.GetElapsedTime(last).TotalSeconds;
        if (idle > ctx.Options.ReadyStallSeconds)
            return Text(http, StatusCodes.Status503ServiceUnavailable, $"not ready: no frame for {idle:0} s\n");
        return Text(http, StatusCodes.Status200OK, "ready\n");
    }

    private static async Task LoginAsync(HttpContext http, ConsoleContext ctx)
    {
        if (!http.Request.HasFormContentType) { await Text(http, StatusCodes.Status415UnsupportedMediaType, "form expected\n").ConfigureAwait(false); return; }
        var body = await RequestBody.ReadAsync(http, ctx.Options.MaxBodyBytes).ConfigureAwait(false);
        if (body is null) return;
        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        string token = form.TryGetValue("token", out StringValues v) ? v.ToString() : "";
        if (!ctx.Auth.CheckToken(token))
        {
            await Task.Delay(500).ConfigureAwait(false); // slows guessing down; the token has 256 bits anyway
            // The form again with a fixed message: nothing about how close the guess was, nor where the token file is.
            string page = StaticAssets.TryGet("login.html", out var bytes, out _) ? Encoding.UTF8.GetString(bytes) : "";
            await Bytes(http, Encoding.UTF8.GetBytes(page.Replace("<!--error-->", "<p class=\"bad\" id=\"error\">wrong token</p>", StringComparison.Ordinal)),
                "text/html; charset=utf-8", StatusCodes.Status401Unauthorized).ConfigureAwait(false);
            return;
        }
        ctx.Auth.SetSessionCookie(http.Response, ctx.Https);
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = "/";
    }

    public static Task Text(HttpContext http, int status, string text)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text);
    }

    public static Task Bytes(HttpContext http, byte[] bytes, string contentType, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = bytes.Length;
        return http.Response.Body.WriteAsync(bytes, http.RequestAborted).AsTask();
    }
}
