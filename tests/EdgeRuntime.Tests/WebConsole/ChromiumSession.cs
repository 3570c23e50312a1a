using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket; no npm, no puppeteer): started with
/// --remote-debugging-port=0, the port read from DevToolsActivePort in its profile folder, one page target.
/// A missing /usr/bin/chromium is a failure, not a skip (scripts/install-deps.sh installs it).
/// </summary>
internal sealed class ChromiumSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private ChromiumSession(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<ChromiumSession> StartAsync(int width = 1100, int height = 760)
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is not installed ({ChromiumPath} not found): apt-get install chromium (scripts/install-deps.sh)");
        string profile = Directory.CreateTempSubdirectory("edgert-chromium-").FullName;
        var psi = new ProcessStartInfo(ChromiumPath)
        {
            UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "--headless=new", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                     "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars", $"--window-size={width},{height}", "about:blank" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var session = new ChromiumSession(process, profile);
        try
        {
            string portFile = Path.Combine(profile, "DevToolsActivePort");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 2)
            {
                if (process.HasExited) throw new InvalidOperationException($"chromium exited with {process.ExitCode} before it opened the DevTools port");
                if (DateTime.UtcNow > deadline) throw new TimeoutException("chromium did not write DevToolsActivePort within 30 s");
                await Task.Delay(100);
            }
            int port = int.Parse(File.ReadAllLines(portFile)[0], System.Globalization.CultureInfo.InvariantCulture);
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            string ws = targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
            await session._socket.ConnectAsync(new Uri(ws), CancellationToken.None);
            await session.SendAsync("Page.enable");
            await session.SendAsync("Runtime.enable");
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a command and returns its result (events in between are skipped); a protocol error throws.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var ms = new MemoryStream();
            WebSocketReceiveResult r;
            do
            {
                r = await _socket.ReceiveAsync(buffer, cts.Token);
                ms.Write(buffer, 0, r.Count);
            } while (!r.EndOfMessage);
            var reply = JsonNode.Parse(ms.ToArray())!;
            if ((int?)reply["id"] != id) continue;
            if (reply["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            return reply["result"]!;
        }
    }

    /// <summary>Evaluates an expression in the page (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvalAsync(string expression)
    {
        var r = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (r["exceptionDetails"] is { } ex) throw new InvalidOperationException($"page script failed: {ex.ToJsonString()}");
        return r["result"]?["value"];
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync("document.readyState === 'complete' && location.href !== 'about:blank'", TimeSpan.FromSeconds(30), $"load of {url}");
    }

    public async Task WaitForAsync(string condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if ((await EvalAsync($"!!({condition})"))?.GetValue<bool>() == true) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what} ({condition}); page: {(await EvalAsync("location.href + ' ' + document.body.innerText.slice(0, 300)"))}");
            await Task.Delay(100);
        }
    }

    /// <summary>A real mouse click (pressed and released) at page coordinates.</summary>
    public async Task ClickAsync(double x, double y)
    {
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
            await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = 1 });
    }

    /// <summary>Clicks the centre of the element a CSS selector finds.</summary>
    public async Task ClickAsync(string selector)
    {
        // Scrolled into view first: focusing an input may have scrolled the page, and a click outside the viewport hits nothing.
        var box = (await EvalAsync($"(() => {{ const e = document.querySelector({JsonValue.Create(selector).ToJsonString()}); e.scrollIntoView({{ block: 'center' }}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()"))!.AsArray();
        await ClickAsync(box[0]!.GetValue<double>(), box[1]!.GetValue<double>());
    }

    public async Task TypeAsync(string text) => await SendAsync("Input.insertText", new JsonObject { ["text"] = text });

    public async Task ScreenshotAsync(string path)
    {
        var r = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(r["data"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        try { _socket.Abort(); } catch (WebSocketException) { }
        _socket.Dispose();
        try { if (!_process.HasExited) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); } }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException) { }
        _process.Dispose();
        try { Directory.Delete(_profile, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
