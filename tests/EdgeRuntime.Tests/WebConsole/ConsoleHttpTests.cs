using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>The console over real HTTP on loopback: authentication, stream limits, hostile requests, zone saves.</summary>
public sealed class ConsoleHttpTests
{
    [Fact]
    public async Task Token_IsCreated0600_AndRequiredEverywhereButHealth()
    {
        await using var d = await ConsoleDaemon.StartAsync();
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.TokenFile));
        Assert.Equal(43, d.Token.Length); // 32 random bytes, base64url without padding
        Assert.Matches("^[A-Za-z0-9_-]+$", d.Token);

        using var anonymous = d.Client(authorized: false);
        foreach (var path in new[] { "/api/status", "/metrics", "/api/zones", "/api/still.jpg", "/api/live.mjpg" })
        {
            using var r = await anonymous.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("Bearer", r.Headers.WwwAuthenticate.Single().Scheme);
        }
        using (var page = await anonymous.GetAsync("/zones"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, page.StatusCode);
            Assert.Equal("/login", page.Headers.Location?.ToString());
        }
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/login")).StatusCode);

        using var wrong = d.Client(authorized: false);
        foreach (var bad in new[] { "x", d.Token[..^1], d.Token[..^1] + (d.Token[^1] == 'A' ? 'B' : 'A'), d.Token + "A" })
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            req.Headers.Authorization = new("Bearer", bad);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(req)).StatusCode);
        }
        using var right = d.Client();
        using var status = await right.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("nosniff", status.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task LoginForm_SetsHttpOnlyStrictCookie_ThatOpensThePages()
    {
        await using var d = await ConsoleDaemon.StartAsync();
        using var c = d.Client(authorized: false);
        foreach (var guess in new[] { "guess-1234", d.Token[..^1], "" })
        {
            // 401 and the form again with a fixed message: no hint how close the guess was, no cookie.
            using var bad = await c.PostAsync("/login", new FormUrlEncodedContent([new("token", guess)]));
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
            Assert.False(bad.Headers.Contains("Set-Cookie"));
            string page = await bad.Content.ReadAsStringAsync();
            Assert.Contains("wrong token", page, StringComparison.Ordinal);
            Assert.Contains("name=\"token\"", page, StringComparison.Ordinal); // the form to try again
            if (guess.Length > 0) Assert.DoesNotContain(guess, page, StringComparison.Ordinal);
            Assert.DoesNotContain(d.Directory, page, StringComparison.Ordinal);
        }
        using (var fresh = await c.GetAsync("/login")) Assert.DoesNotContain("wrong token", await fresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var ok = await c.PostAsync("/login", new FormUrlEncodedContent([new("token", d.Token)]));
        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        string cookie = ok.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(d.Token, cookie, StringComparison.Ordinal); // an HMAC of the token, not the token

        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        req.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await c.SendAsync(req)).StatusCode);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        forged.Headers.Add("Cookie", "edgert_console=" + d.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task LiveStreams_AreLimited_429Beyond_AndCarryJpegFrames()
    {
        await using var d = await ConsoleDaemon.StartAsync(["--Console:MaxStreams=2"]);
        using var c = d.Client();
        var open = new List<(HttpResponseMessage Response, Stream Body)>();
        for (int i = 0; i < 2; i++)
        {
            var r = await c.GetAsync("/api/live.mjpg", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.StartsWith("multipart/x-mixed-replace", r.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
            open.Add((r, await r.Content.ReadAsStreamAsync()));
        }
        byte[] part = await ReadPartAsync(open[0].Body);
        Assert.Equal(0xFF, part[0]);
        Assert.Equal(0xD8, part[1]); // JPEG SOI

        using (var third = await c.GetAsync("/api/live.mjpg", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);

        open[1].Body.Dispose();
        open[1].Response.Dispose();
        // The server notices the closed connection at its next write (at most one preview period).
        HttpStatusCode again = HttpStatusCode.TooManyRequests;
        for (int i = 0; i < 50 && again == HttpStatusCode.TooManyRequests; i++)
        {
            await Task.Delay(100);
            using var r = await c.GetAsync("/api/live.mjpg", HttpCompletionOption.ResponseHeadersRead);
            again = r.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, again);
        foreach (var (r, b) in open) { b.Dispose(); r.Dispose(); }
    }

    [Fact]
    public async Task BadRequests_Get4xx_AndTheDaemonKeepsServingFrames()
    {
        await using var d = await ConsoleDaemon.StartAsync(["--Console:MaxBodyBytes=4096"]);
        await d.WaitForFramesAsync(3);
        using var c = d.Client();
        string before = File.ReadAllText(d.ZonesFile);

        // Oversized body, with and without a Content-Length.
        var big = new string(' ', 10_000) + ConsoleDaemon.ZonesJson;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await c.PostAsync("/api/zones", new StringContent(big, Encoding.UTF8, "application/json"))).StatusCode);
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new("application/json");
        using (var req = new HttpRequestMessage(HttpMethod.Post, "/api/zones") { Content = chunked })
        {
            req.Headers.TransferEncodingChunked = true;
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await c.SendAsync(req)).StatusCode);
        }
        // A huge announced body is refused from the headers alone.
        Assert.StartsWith("HTTP/1.1 413", await RawAsync(d.BaseUrl,
            $"POST /api/zones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {d.Token}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"), StringComparison.Ordinal);
        // Malformed and invalid zone JSON: 400 with the validator's reason.
        foreach (var (json, reason) in new[]
        {
            ("{ \"zones\": [ {", "not valid zones JSON"),
            ("[1,2,3]", "not valid zones JSON"),
            ("{ \"zones\": [] }", "no zones"),
            ("{ \"zones\": [ { \"name\": \"a\", \"points\": [[0,0],[2,0],[1,1]], \"classes\": [\"person\"] } ] }", "outside [0,1]"),
            ("{ \"zones\": [ { \"name\": \"../x\", \"points\": [[0,0],[1,0],[1,1]], \"classes\": [\"person\"] } ] }", "name"),
            ("{ \"zones\": [ { \"name\": \"a\", \"points\": [[0,0],[1,0],[1,1]], \"classes\": [\"unicorn\"] } ] }", "unknown class"),
            ("{ \"zones\": [], \"extra\": 1 }", "not valid zones JSON"),
        })
        {
            using var r = await c.PostAsync("/api/zones", new StringContent(json, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            string error = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
            Assert.Contains(reason, error, StringComparison.Ordinal);
        }
        // A form post (what a cross-site page could send) is refused before it is read.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await c.PostAsync("/api/zones", new StringContent(ConsoleDaemon.ZonesJson, Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);
        Assert.Equal(before, File.ReadAllText(d.ZonesFile)); // nothing was written

        // Path traversal in static files, sent raw (HttpClient would normalize the dots away): only the embedded names exist.
        foreach (var path in new[] { "/static/../../etc/passwd", "/static/..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
                     "/static/..%5c..%5cetc%5cpasswd", "/static/live.html", "/static/", "/static/console.css%00.html", "/etc/passwd", "//etc/passwd" })
        {
            string answer = await RawAsync(d.BaseUrl, $"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {d.Token}\r\nConnection: close\r\n\r\n");
            Assert.True(answer.StartsWith("HTTP/1.1 404", StringComparison.Ordinal) || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), $"{path}: {answer.Split('\r')[0]}");
            Assert.DoesNotContain("root:", answer, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/static/console.css")).StatusCode);

        // A raw request with a huge header and a garbage request line.
        Assert.StartsWith("HTTP/1.1 4", await RawAsync(d.BaseUrl, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", await RawAsync(d.BaseUrl, "\x01\x02garbage\r\n\r\n"), StringComparison.Ordinal);

        await d.WaitForFramesAsync(3); // the frame loop never noticed
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task SavingZones_WritesTheFileAtomically_AndTheAutomationUsesThem()
    {
        await using var d = await ConsoleDaemon.StartAsync();
        using var c = d.Client();
        var current = JsonDocument.Parse(await c.GetStringAsync("/api/zones")).RootElement;
        Assert.Equal("door", current.GetProperty("zones")[0].GetProperty("name").GetString());
        Assert.Equal(21, current.GetProperty("labels").GetArrayLength());

        const string next = """{ "zones": [ { "name": "yard", "points": [[0.1,0.1],[0.9,0.1],[0.5,0.9]], "classes": ["person", "dog"], "on_threshold": 0.2, "off_threshold": 0.1 } ] }""";
        using var r = await c.PostAsync("/api/zones", new StringContent(next, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var onDisk = ZoneSet.Load(d.ZonesFile); // what --zones reads at the next start
        Assert.Equal("yard", Assert.Single(onDisk.Zones).Name);
        Assert.Equal(["person", "dog"], onDisk.Zones[0].ClassNames);
        Assert.False(File.Exists(d.ZonesFile + ".tmp"));

        await d.WaitForFramesAsync(2);
        Assert.Equal("yard", Assert.Single(d.Zones.Engine.Zones.Zones).Name); // swapped in by the frame loop
        Assert.True(d.Zones.Engine.FramesProcessed > 0);
        var status = JsonDocument.Parse(await c.GetStringAsync("/api/status")).RootElement.GetProperty("zones");
        Assert.Equal(1, status.GetProperty("reloads").GetInt64());
        Assert.Equal("yard", status.GetProperty("states")[0].GetProperty("zone").GetString());
    }

    [Fact]
    public async Task WithoutZones_TheZonesApiSaysHowToEnableThem()
    {
        await using var d = await ConsoleDaemon.StartAsync(zones: false);
        using var c = d.Client();
        using var r = await c.GetAsync("/api/zones");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("--zones", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortTaken_LogsOneLine_AndTheDaemonRunsOn()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var logs = new ListLoggerProvider();
        await using var d = await ConsoleDaemon.StartAsync([$"--Console:Port={port}"], logs: logs);
        await d.WaitForFramesAsync(5);
        var lines = logs.Lines.Where(l => l.Contains("Console not started", StringComparison.Ordinal)).ToList();
        string line = Assert.Single(lines);
        Assert.DoesNotContain("EXCEPTION", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public async Task Readyz_IsOpen_AndReportsProgress()
    {
        await using var d = await ConsoleDaemon.StartAsync();
        using var c = d.Client(authorized: false);
        await d.WaitForFramesAsync(1);
        using var r = await c.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("ready\n", await r.Content.ReadAsStringAsync());
    }

    /// <summary>Reads one multipart part (headers, then Content-Length bytes) and returns its body.</summary>
    private static async Task<byte[]> ReadPartAsync(Stream s)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var header = new List<byte>();
        var one = new byte[1];
        while (!(header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
        {
            if (await s.ReadAsync(one, cts.Token) == 0) throw new EndOfStreamException();
            header.Add(one[0]);
        }
        string text = Encoding.ASCII.GetString([.. header]);
        Assert.StartsWith("--edgertframe\r\n", text, StringComparison.Ordinal);
        int length = int.Parse(text.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))["Content-Length:".Length..].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await s.ReadExactlyAsync(body, cts.Token);
        return body;
    }

    private static async Task<string> RawAsync(string baseUrl, string request)
    {
        var uri = new Uri(baseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        var buffer = new byte[512];
        int n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
