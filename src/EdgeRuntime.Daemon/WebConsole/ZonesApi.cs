using System.Text;
using EdgeRuntime.Daemon;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Ota;
using Microsoft.AspNetCore.Http;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// The zones editor's API. GET: the zones in force as a zones file (labels included). POST: a zones file, checked by the
/// same validator as --zones (<see cref="ZoneSet.Parse"/>), written atomically over Automation:ZonesFile (temp file,
/// fsync, rename), then handed to the zone automation, which swaps it in before its next frame.
/// Without a zones file the automation is not running: 404 with how to enable it.
/// </summary>
internal static class ZonesApi
{
    public const string NotEnabled = "zones are not enabled: start the daemon with --zones FILE (or Automation:ZonesFile, EDGERT_ZONES); a file with one zone is enough to begin, this page edits it from then on";

    public static Task GetAsync(HttpContext http, ConsoleContext ctx)
    {
        if (ctx.Zones is not { } automation || string.IsNullOrWhiteSpace(ctx.Automation.ZonesFile))
            return Error(http, StatusCodes.Status404NotFound, NotEnabled);
        return ConsoleEndpoints.Bytes(http, ZoneSet.Serialize(automation.Zones.ToFile()), "application/json");
    }

    public static async Task PostAsync(HttpContext http, ConsoleContext ctx)
    {
        if (ctx.Zones is not { } automation || string.IsNullOrWhiteSpace(ctx.Automation.ZonesFile))
        {
            await Error(http, StatusCodes.Status404NotFound, NotEnabled).ConfigureAwait(false);
            return;
        }
        // JSON only: a cross-site form cannot send it without a CORS preflight, which this server never grants.
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await Error(http, StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json").ConfigureAwait(false);
            return;
        }
        var body = await RequestBody.ReadAsync(http, ctx.Options.MaxBodyBytes).ConfigureAwait(false);
        if (body is null) return;
        ZoneSet zones;
        try
        {
            zones = ZoneSet.Parse(body, "zones");
        }
        catch (ZoneConfigException ex)
        {
            await Error(http, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }
        // Redacted snapshot classes must stay known (the rule --zones enforces at start-up).
        if (ctx.Automation.Snapshot.Enabled)
            foreach (var cls in ctx.Automation.Snapshot.EffectiveClasses)
                if (!zones.Labels.Contains(cls, StringComparer.OrdinalIgnoreCase))
                {
                    await Error(http, StatusCodes.Status400BadRequest, $"zones: labels lack '{cls}', which Automation:Snapshot:Classes redacts").ConfigureAwait(false);
                    return;
                }
        await ctx.ZonesWrite.WaitAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            DurableFile.WriteAllBytes(ctx.Automation.ZonesFile, ZoneSet.Serialize(zones.ToFile()));
            automation.Reload(zones);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Error(http, StatusCodes.Status500InternalServerError, $"could not write {ctx.Automation.ZonesFile}: {ex.Message}").ConfigureAwait(false);
            return;
        }
        finally
        {
            ctx.ZonesWrite.Release();
        }
        await ConsoleEndpoints.Bytes(http, ZoneSet.Serialize(zones.ToFile()), "application/json").ConfigureAwait(false);
    }

    private static Task Error(HttpContext http, int status, string message)
    {
        using var ms = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(ms)) { w.WriteStartObject(); w.WriteString("error", message); w.WriteEndObject(); }
        return ConsoleEndpoints.Bytes(http, ms.ToArray(), "application/json", status);
    }
}
