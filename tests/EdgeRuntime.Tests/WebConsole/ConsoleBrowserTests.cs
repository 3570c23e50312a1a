using System.Text.Json;
using EdgeRuntime.Automation.Zones;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Architecture;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>
/// Headless Chromium against the console of a daemon running the real model on the demo frames: logs in with the token,
/// shows the live view (screenshot console-live.png in artifacts/figures, or docs/figures with EDGERT_UPDATE_FIGURES=1), draws a zone with real mouse clicks on the zones page,
/// saves it (screenshot console-zones.png), and checks that the daemon's zone automation then runs it.
/// </summary>
public sealed class ConsoleBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Browser_LogsIn_SeesLiveFrames_DrawsAndSavesAZone_ThatTheDaemonUses()
    {
        string model = SharedData.Model("coral/deeplabv3_mnv2_pascal_quant.tflite");
        string frames = SharedData.Path("data", "demo");
        Assert.True(File.Exists(model), $"model {model} missing (EDGERT_SHARED)");
        await using var d = await ConsoleDaemon.StartAsync(
            ["--Console:StreamFps=4"],
            segmenter: _ => DeepLabSegmenter.Load(model),
            source: _ => FrameSourceFactory.Create($"folder:{frames}?loop=true&fps=4"));
        // Tall enough that a portrait still (the demo photos include some) fits below the page header.
        await using var browser = await ChromiumSession.StartAsync(1100, 1500);
        // Screenshots go to artifacts/ so a test run leaves the checkout clean; EDGERT_UPDATE_FIGURES=1 refreshes the
        // ones the README shows (docs/figures).
        string figures = Path.GetFullPath(Path.Combine(RepoPaths.Src, "..",
            Environment.GetEnvironmentVariable("EDGERT_UPDATE_FIGURES") == "1" ? "docs/figures" : "artifacts/figures"));
        Directory.CreateDirectory(figures);

        // Not logged in: the page sends us to the login form; the token opens it.
        await browser.NavigateAsync(d.BaseUrl + "live");
        await browser.WaitForAsync("location.pathname === '/login' && document.getElementById('token')", T, "the login form");
        await browser.ClickAsync("#token");
        await browser.TypeAsync("not-the-token");
        await browser.ClickAsync("#login");
        await browser.WaitForAsync("document.getElementById('error') && document.getElementById('token')", T, "the login form again after a wrong token");
        Assert.Equal("wrong token", (await browser.EvalAsync("document.getElementById('error').textContent"))!.GetValue<string>());
        await browser.ClickAsync("#token");
        await browser.TypeAsync(d.Token);
        await browser.ClickAsync("#login");
        await browser.WaitForAsync("location.pathname === '/' && document.getElementById('live')", T, "the live page after login");

        // Live: MJPEG frames with the overlay, fps and latency filled in from /api/status.
        await browser.WaitForAsync("document.getElementById('live').naturalWidth > 0", T, "a live frame");
        await browser.WaitForAsync("document.getElementById('fps').textContent !== '–' && document.getElementById('inf').textContent.endsWith('ms')", T, "fps and latency");
        int width = (await browser.EvalAsync("document.getElementById('live').naturalWidth"))!.GetValue<int>();
        Assert.True(width >= 100, $"live frame is {width} px wide");
        await Task.Delay(1500); // a few more frames, so the screenshot shows a steady view
        await browser.ScreenshotAsync(Path.Combine(figures, "console-live.png"));
        output.WriteLine($"live: {await browser.EvalAsync("document.querySelector('.stats').innerText")}");

        // Zones: the existing zone is listed; a new one is drawn with four clicks on the still frame, named, saved.
        await browser.NavigateAsync(d.BaseUrl + "zones");
        await browser.WaitForAsync("!document.getElementById('editor').hidden && document.getElementById('still').naturalWidth > 0 && document.getElementById('canvas').width > 0", T, "the zones editor with a still");
        Assert.Equal("door", (await browser.EvalAsync("document.querySelector('.zone-name').value"))!.GetValue<string>());
        await browser.ClickAsync("#new");
        // The still is scaled to the page width, capped at 75% of the window height (so all of it can be clicked); the
        // canvas lies exactly over it. Clicks go to viewport coordinates, so the canvas is scrolled fully into view first.
        var layout = (await browser.EvalAsync("""
            (() => { const c = document.getElementById('canvas'), i = document.getElementById('still'), v = document.getElementById('view');
              c.scrollIntoView({ block: 'center' });
              const r = c.getBoundingClientRect(), ir = i.getBoundingClientRect(), m = v.parentElement.getBoundingClientRect();
              return [r.left, r.top, r.width, r.height, ir.left, ir.top, ir.width, ir.height, i.naturalWidth, i.naturalHeight, m.width, innerWidth, innerHeight]; })()
            """))!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        double left = layout[0], top = layout[1], w = layout[2], h = layout[3];
        double naturalW = layout[8], naturalH = layout[9], pageW = layout[10], viewportW = layout[11], viewportH = layout[12];
        output.WriteLine($"still {naturalW}x{naturalH} shown at {w:0.#}x{h:0.#} (page {pageW:0.#}, viewport {viewportW}x{viewportH}) at ({left:0.#},{top:0.#})");
        for (int k = 0; k < 4; k++) Assert.InRange(layout[k] - layout[4 + k], -1, 1);
        double expectedW = Math.Min(pageW - 2, 0.75 * viewportH * naturalW / naturalH); // 2: the view's border
        Assert.InRange(w, expectedW - 3, expectedW + 3);
        Assert.InRange(w / h, naturalW / naturalH * 0.98, naturalW / naturalH * 1.02); // not stretched
        Assert.True(left >= 0 && top >= 0 && left + w <= viewportW && top + h <= viewportH, "the still is not fully in the viewport");
        (double X, double Y)[] corners = [(0.55, 0.15), (0.95, 0.15), (0.95, 0.9), (0.55, 0.9)];
        foreach (var (x, y) in corners) await browser.ClickAsync(left + x * w, top + y * h);
        await browser.WaitForAsync($"file.zones[selected].points.length === {corners.Length}", T, "the four clicked corners in the editor");
        await browser.ClickAsync(".zone.sel .zone-name");
        await browser.EvalAsync("(() => { const e = document.querySelector('.zone.sel .zone-name'); e.focus(); e.select(); })()");
        await browser.TypeAsync("porch");
        Assert.Equal("porch", (await browser.EvalAsync("document.querySelector('.zone.sel .zone-name').value"))!.GetValue<string>());
        await browser.ClickAsync("#save");
        await browser.WaitForAsync("document.getElementById('message').textContent !== ''", T, "an answer to the save");
        Assert.StartsWith("Saved 2 zone", (await browser.EvalAsync("document.getElementById('message').textContent"))!.GetValue<string>(), StringComparison.Ordinal);
        await browser.EvalAsync("window.scrollTo(0, 0)");
        await browser.ScreenshotAsync(Path.Combine(figures, "console-zones.png"));

        // The file holds the drawn polygon, and the daemon's automation runs it on the next frames.
        var saved = ZoneSet.Load(d.ZonesFile);
        var porch = saved.Zones.Single(z => z.Name == "porch");
        Assert.Equal(corners.Length, porch.Polygon.Count);
        for (int i = 0; i < corners.Length; i++)
        {
            Assert.InRange(porch.Polygon[i].X, corners[i].X - 0.01, corners[i].X + 0.01);
            Assert.InRange(porch.Polygon[i].Y, corners[i].Y - 0.01, corners[i].Y + 0.01);
        }
        await d.WaitForFramesAsync(2, T);
        Assert.Contains("porch", d.Zones.Engine.Zones.Zones.Select(z => z.Name));
        using var c = d.Client();
        var states = JsonDocument.Parse(await c.GetStringAsync("/api/status")).RootElement.GetProperty("zones").GetProperty("states");
        var porchState = states.EnumerateArray().Single(s => s.GetProperty("zone").GetString() == "porch");
        Assert.True(porchState.GetProperty("frame_id").GetInt64() > 0);
        output.WriteLine($"porch state after save: {porchState}");

        // A small frame (64x48, made in the page) is scaled up to the page width, not shown at 64 px.
        var small = (await browser.EvalAsync("""
            new Promise(done => { const c = document.createElement('canvas'); c.width = 64; c.height = 48; c.getContext('2d').fillRect(0, 0, 32, 24);
              const i = document.getElementById('still'); i.addEventListener('load', () => requestAnimationFrame(() => {
                const r = document.getElementById('canvas').getBoundingClientRect(); done([r.width, r.height, document.getElementById('view').parentElement.getBoundingClientRect().width, innerHeight]); }), { once: true });
              i.src = c.toDataURL('image/png'); })
            """))!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        output.WriteLine($"64x48 still shown at {small[0]:0.#}x{small[1]:0.#}");
        double smallW = Math.Min(small[2] - 2, 0.75 * small[3] * 64 / 48);
        Assert.InRange(small[0], smallW - 3, smallW + 3);
        Assert.True(small[0] > 4 * 64, $"a 64 px frame is shown {small[0]} px wide");
    }
}
