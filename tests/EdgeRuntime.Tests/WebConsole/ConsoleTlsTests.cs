using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeRuntime.WebConsole;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>
/// Console:CertificatePath over real HTTPS on loopback with a self-signed certificate made here: the token works over
/// TLS (the client trusts exactly that certificate), plain HTTP to the same port does not, and a certificate that cannot
/// be loaded costs one log line while the daemon goes on serving frames.
/// </summary>
public sealed class ConsoleTlsTests : IDisposable
{
    private const string Password = "pfx-secret-0";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgert-console-tls-").FullName;
    private readonly string _pfx;
    private readonly string _thumbprint;

    public ConsoleTlsTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=edgert-console-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _thumbprint = cert.Thumbprint;
        _pfx = Path.Combine(_dir, "console.pfx");
        File.WriteAllBytes(_pfx, cert.Export(X509ContentType.Pfx, Password));
    }

    [Fact]
    public async Task Https_WithToken_Works_PlainHttpToThePortFails()
    {
        await using var d = await ConsoleDaemon.StartAsync([$"--Console:CertificatePath={_pfx}", $"--Console:CertificatePassword={Password}"]);
        Assert.StartsWith("https://127.0.0.1:", d.BaseUrl, StringComparison.Ordinal);
        await d.WaitForFramesAsync(2);

        string? seen = null;
        using var handler = new HttpClientHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            // Trust exactly the certificate made above, nothing else (no chain to a root: it is self-signed).
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => (seen = cert?.Thumbprint) == _thumbprint,
        };
        using var https = new HttpClient(handler) { BaseAddress = new Uri(d.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        using (var anonymous = await https.GetAsync("/api/status"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        https.DefaultRequestHeaders.Authorization = new("Bearer", d.Token);
        using (var status = await https.GetAsync("/api/status"))
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(_thumbprint, seen);
        using (var metrics = await https.GetAsync("/metrics"))
            Assert.Contains("edgert_frames_processed_total", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Over HTTPS the login cookie is Secure.
        using var login = await https.PostAsync("/login", new FormUrlEncodedContent([new("token", d.Token)]));
        Assert.Contains("secure", login.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);

        // The same port in clear: the TLS listener drops the connection, no page and no token check over plain HTTP.
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        using var req = new HttpRequestMessage(HttpMethod.Get, d.BaseUrl.Replace("https://", "http://", StringComparison.Ordinal) + "api/status");
        req.Headers.Authorization = new("Bearer", d.Token);
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.SendAsync(req));

        // A client that does not trust the certificate is refused too (the default validation).
        using var untrusting = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(d.BaseUrl + "healthz"));
        await d.WaitForFramesAsync(2);
    }

    [Theory]
    [InlineData("wrong-password")]
    [InlineData("missing-file")]
    [InlineData("not-a-pfx")]
    public async Task UnusableCertificate_LogsOneLine_AndTheDaemonServesFrames(string what)
    {
        string path = _pfx, password = Password;
        switch (what)
        {
            case "wrong-password": password = "not-the-password"; break;
            case "missing-file": path = Path.Combine(_dir, "nope.pfx"); break;
            default: path = Path.Combine(_dir, "garbage.pfx"); File.WriteAllText(path, "this is not a certificate"); break;
        }
        var logs = new ListLoggerProvider();
        await using var d = await ConsoleDaemon.StartAsync([$"--Console:CertificatePath={path}", $"--Console:CertificatePassword={password}"], logs: logs);
        await d.WaitForFramesAsync(5);
        string line = Assert.Single(logs.Lines, l => l.Contains("Console not started", StringComparison.Ordinal));
        Assert.DoesNotContain("EXCEPTION", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain(password, line, StringComparison.Ordinal); // the password never reaches the log
        Assert.Null(d.Services.GetRequiredService<ConsoleServer>().BaseUrl); // no console, and the frames above kept coming
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
