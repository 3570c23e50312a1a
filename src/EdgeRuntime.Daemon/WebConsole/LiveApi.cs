using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// The camera view: an MJPEG stream of frames with the class overlay (at most Console:StreamFps, at most
/// Console:MaxStreams at once: 429 beyond) and single stills (the zones editor draws on one). Frames go only to an
/// authenticated console client; redaction follows the MQTT snapshot rules (<see cref="LivePreview"/>).
/// </summary>
internal static class LiveApi
{
    private const string Boundary = "edgertframe";

    public static async Task StreamAsync(HttpContext http, ConsoleContext ctx)
    {
        var preview = ctx.Preview;
        if (!preview.TryOpenStream(ctx.Options.MaxStreams))
        {
            http.Response.Headers.RetryAfter = "5";
            await ConsoleEndpoints.Text(http, StatusCodes.Status429TooManyRequests, $"at most {ctx.Options.MaxStreams} live streams at once\n").ConfigureAwait(false);
            return;
        }
        try
        {
            bool overlay = http.Request.Query["overlay"] != "0";
            var stopping = ctx.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
            var ct = cts.Token;
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
            var period = TimeSpan.FromSeconds(1 / ctx.Options.StreamFps);
            long sent = -1;
            while (!ct.IsCancellationRequested)
            {
                long t0 = Stopwatch.GetTimestamp();
                byte[]? jpeg = preview.Jpeg(overlay, out long version);
                if (jpeg is not null && version != sent)
                {
                    var header = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\nX-Frame-Id: {preview.FrameId}\r\n\r\n");
                    await http.Response.Body.WriteAsync(header, ct).ConfigureAwait(false);
                    await http.Response.Body.WriteAsync(jpeg, ct).ConfigureAwait(false);
                    await http.Response.Body.WriteAsync("\r\n"u8.ToArray(), ct).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                    sent = version;
                }
                var wait = period - Stopwatch.GetElapsedTime(t0);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { /* the viewer left or the daemon stops */ }
        catch (IOException) { /* connection reset */ }
        finally
        {
            preview.CloseStream();
        }
    }

    public static async Task StillAsync(HttpContext http, ConsoleContext ctx)
    {
        var preview = ctx.Preview;
        preview.WantStill();
        bool overlay = http.Request.Query["overlay"] == "1";
        long before = preview.FrameId;
        // A fresh frame if one comes within 3 s (the frame loop offers only while someone asks), else the last one.
        var deadline = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
        while (preview.FrameId == before && Stopwatch.GetTimestamp() < deadline && !http.RequestAborted.IsCancellationRequested)
            await Task.Delay(50, http.RequestAborted).ConfigureAwait(false);
        byte[]? jpeg = preview.Jpeg(overlay, out _);
        if (jpeg is null)
        {
            await ConsoleEndpoints.Text(http, StatusCodes.Status503ServiceUnavailable, "no frame yet\n").ConfigureAwait(false);
            return;
        }
        http.Response.Headers["X-Frame-Id"] = preview.FrameId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ConsoleEndpoints.Bytes(http, jpeg, "image/jpeg").ConfigureAwait(false);
    }
}
