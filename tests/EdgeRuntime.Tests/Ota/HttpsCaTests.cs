using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeRuntime.Ota;
using EdgeRuntime.Tests.Telemetry;

namespace EdgeRuntime.Tests.Ota;

/// <summary>OTA HTTPS downloads honour the configured CA file (Ota:CaFile, else Mqtt:CaFile): a loopback HTTPS server.</summary>
public sealed class HttpsCaTests
{
    private static async Task ServeOnceAsync(TcpListener listener, X509Certificate2 cert, byte[] body)
    {
        try
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(client.GetStream());
            await ssl.AuthenticateAsServerAsync(cert);
            var buf = new byte[4096];
            var header = new StringBuilder();
            while (!header.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await ssl.ReadAsync(buf);
                if (n == 0) return;
                header.Append(Encoding.ASCII.GetString(buf, 0, n));
            }
            await ssl.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
            await ssl.WriteAsync(body);
        }
        catch (Exception) { /* the client refused our certificate */ }
    }

    [Fact]
    public async Task CaFile_Trusted_Downloads_OtherCaOrSystemStore_Refused()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-https-").FullName;
        try
        {
            var pki = MqttTlsTests.WritePki(dir);
            using var pem = X509Certificate2.CreateFromPemFile(pki.ServerCert, pki.ServerKey);
            using var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            byte[] body = RandomNumberGenerator.GetBytes(5000);
            string sha = Convert.ToHexStringLower(SHA256.HashData(body));
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            string url = $"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/model";
            try
            {
                foreach (var (ca, fallback, ok) in new[] { (pki.CaPem, (string?)null, true), ("", pki.CaPem, true), (pki.OtherCaPem, null, false), ("", null, false) })
                {
                    var serve = ServeOnceAsync(listener, cert, body);
                    using var http = new HttpModelDownloader(new OtaOptions { CaFile = ca, HttpTimeoutSeconds = 5 }, fallback);
                    string downloads = Path.Combine(dir, "dl-" + Guid.NewGuid().ToString("N")[..6]);
                    if (ok)
                    {
                        string path = await http.DownloadAsync(url, sha, body.Length, downloads, null, CancellationToken.None);
                        Assert.Equal(body, File.ReadAllBytes(path));
                    }
                    else
                    {
                        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() => http.DownloadAsync(url, sha, body.Length, downloads, null, CancellationToken.None));
                        Assert.Equal("http-error", ex.Reason);
                    }
                    await serve.WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
            finally
            {
                listener.Stop();
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
