using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Telemetry;

/// <summary>TLS with client certificates and username/password against mosquitto (certificates made by the test).</summary>
public sealed class MqttTlsTests
{
    private static readonly TimeSpan Timeout = TelemetryTestData.Timeout;

    internal sealed record Pki(string CaPem, string ServerCert, string ServerKey, string ClientCert, string ClientKey, string OtherCaPem);

    private static X509Certificate2 MakeCa(string name, ECDsa key)
    {
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static (string certPem, string keyPem) Issue(X509Certificate2 ca, string cn, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            req.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        // A leaf must not outlive its issuer: derived from the CA's own NotAfter (a second clock read could land a
        // second later than the CA's and make Create throw).
        using var cert = req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), new DateTimeOffset(ca.NotAfter).AddHours(-1), serial);
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    internal static Pki WritePki(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = MakeCa("edgert-test-ca", caKey);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = MakeCa("some-other-ca", otherKey);
        var (serverCert, serverKey) = Issue(ca, "localhost", server: true);
        var (clientCert, clientKey) = Issue(ca, "edgert-device", server: false);
        string P(string name, string content) { var p = Path.Combine(dir, name); File.WriteAllText(p, content); return p; }
        return new Pki(P("ca.pem", ca.ExportCertificatePem()), P("server.pem", serverCert), P("server.key", serverKey),
            P("client.pem", clientCert), P("client.key", clientKey), P("other-ca.pem", other.ExportCertificatePem()));
    }

    [Fact]
    public async Task MutualTls_WithPassword_Connects_AndWrongCaOrNoClientCertFails()
    {
        Pki? pki = null;
        await using var broker = await MosquittoFixture.StartNewAsync(
            """
            cafile {dir}/ca.pem
            certfile {dir}/server.pem
            keyfile {dir}/server.key
            require_certificate true
            allow_anonymous false
            password_file {dir}/passwd
            """,
            dir =>
            {
                pki = WritePki(dir);
                var psi = new ProcessStartInfo("/usr/bin/mosquitto_passwd") { UseShellExecute = false, WorkingDirectory = dir };
                foreach (var a in new[] { "-c", "-b", Path.Combine(dir, "passwd"), "device", "s3cret" }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                p.WaitForExit(10_000);
                Assert.Equal(0, p.ExitCode);
            });

        MqttOptions Tls(string device) => new()
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            DeviceId = device,
            UseTls = true,
            CaFile = pki!.CaPem,
            ClientCertFile = pki.ClientCert,
            ClientKeyFile = pki.ClientKey,
            Username = "device",
            Password = "s3cret",
            TimeoutSeconds = 3,
            ReconnectMinDelayMs = 100,
            ReconnectMaxDelayMs = 300,
        };

        await using (var ok = new MqttPublisher(Tls("tls-ok")))
        {
            ok.Start();
            Assert.True(await ok.WaitUntilConnectedAsync(Timeout), "mutual TLS connection failed:\n" + broker.Log);
        }

        var wrongCa = Tls("tls-wrong-ca");
        wrongCa.CaFile = pki!.OtherCaPem;
        var noClientCert = Tls("tls-no-cert");
        noClientCert.ClientCertFile = null;
        noClientCert.ClientKeyFile = null;
        var wrongPassword = Tls("tls-bad-pass");
        wrongPassword.Password = "nope";
        var untrusting = Tls("tls-untrusted-ok");
        untrusting.CaFile = null;
        untrusting.AllowUntrustedCertificates = true;

        foreach (var (options, shouldConnect) in new[] { (wrongCa, false), (noClientCert, false), (wrongPassword, false), (untrusting, true) })
        {
            await using var p = new MqttPublisher(options);
            p.Start();
            bool connected = await p.WaitUntilConnectedAsync(shouldConnect ? Timeout : TimeSpan.FromSeconds(2));
            Assert.True(connected == shouldConnect, $"{options.DeviceId}: connected={connected}, expected {shouldConnect}\n{broker.Log}");
            if (!shouldConnect) Assert.True(p.ConnectFailures >= 1);
        }
    }
}
