using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeRuntime.Daemon;

namespace EdgeRuntime.Ota;

/// <summary>
/// Downloads a model over HTTP(S) into downloads/&lt;sha256&gt;.part with Range resume: the partial file and its
/// expected SHA-256/length (a .part.json sidecar) survive restarts, and the next attempt asks for the rest
/// (bytes=N-). Bounded by the manifest length and Ota:MaxModelBytes; connect/response timeout and a stall timeout.
/// A finished file is checked (length, SHA-256) and renamed to &lt;sha256&gt;.model.
/// </summary>
public sealed class HttpModelDownloader : IDisposable
{
    private readonly OtaOptions options;
    private readonly HttpClient _http;

    /// <param name="fallbackCaFile">Mqtt:CaFile: the CA for HTTPS when Ota:CaFile is not set.</param>
    public HttpModelDownloader(OtaOptions options, string? fallbackCaFile = null)
    {
        this.options = options;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(Math.Max(1, options.HttpTimeoutSeconds)),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            AllowAutoRedirect = false, // followed by hand: http(s) only, at most Ota:MaxRedirects
            MaxResponseHeadersLength = 64, // KiB
        };
        string ca = !string.IsNullOrEmpty(options.CaFile) ? options.CaFile : fallbackCaFile ?? "";
        if (ca.Length > 0)
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(ca);
            if (trust.Count == 0) throw new InvalidDataException($"no certificate in CA file {ca}");
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, chain, errors) => ValidateWithCustomCa(cert, chain, errors, trust);
        }
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Accepts the server certificate when it chains to one of the configured CAs and its name matches.</summary>
    internal static bool ValidateWithCustomCa(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection trust)
    {
        if (errors == SslPolicyErrors.None) return true;
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0 || certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public static string PartPath(string dir, string sha256) => Path.Combine(dir, sha256.ToLowerInvariant() + ".part");
    public static string DonePath(string dir, string sha256) => Path.Combine(dir, sha256.ToLowerInvariant() + ".model");

    /// <summary>Bytes of a partial download already on disk for this file (0 when none or for another file).</summary>
    public static long ResumableBytes(string dir, string sha256, long length)
    {
        string part = PartPath(dir, sha256), meta = part + ".json";
        if (!File.Exists(part) || !File.Exists(meta)) return 0;
        try
        {
            var info = JsonSerializer.Deserialize(File.ReadAllBytes(meta), OtaJsonContext.Default.PartialDownloadInfo);
            if (info is null || !string.Equals(info.Sha256, sha256, StringComparison.OrdinalIgnoreCase) || info.Length != length) return 0;
            long have = new FileInfo(part).Length;
            return have <= length ? have : 0;
        }
        catch (Exception ex) when (ex is JsonException or IOException) { return 0; }
    }

    /// <summary>
    /// Downloads (or resumes) <paramref name="url"/>; returns the path of the verified file. Bounded by Ota:DownloadDeadlineSeconds
    /// overall and Ota:MinDownloadBytesPerSecond per Ota:RateWindowSeconds (a trickling server cannot hold the agent).
    /// </summary>
    public async Task<string> DownloadAsync(string url, string sha256, long length, string dir, Action<long, long>? progress, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, options.DownloadDeadlineSeconds)));
        try
        {
            return await DownloadCoreAsync(url, sha256, length, dir, progress, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ModelDownloadException("deadline", $"{url}: not done within Ota:DownloadDeadlineSeconds={options.DownloadDeadlineSeconds} (will resume)");
        }
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(Uri uri, long have, string url, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            using var headerCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            headerCts.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, options.HttpTimeoutSeconds)));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headerCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ModelDownloadException("timeout", $"no response from {url} within {options.HttpTimeoutSeconds} s");
            }
            catch (HttpRequestException ex)
            {
                throw new ModelDownloadException("http-error", $"{url}: {ex.Message}", ex);
            }
            int code = (int)response.StatusCode;
            if (code is 301 or 302 or 303 or 307 or 308)
            {
                var location = response.Headers.Location;
                response.Dispose();
                if (hop >= Math.Max(0, options.MaxRedirects))
                    throw new ModelDownloadException("too-many-redirects", $"{url}: more than {options.MaxRedirects} redirects");
                if (location is null) throw new ModelDownloadException("bad-redirect", $"{url}: redirect without Location");
                var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
                    throw new ModelDownloadException("bad-redirect", $"{url}: redirect to a {next.Scheme} URL refused (http and https only)");
                uri = next;
                continue;
            }
            return response;
        }
    }

    private async Task<string> DownloadCoreAsync(string url, string sha256, long length, string dir, Action<long, long>? progress, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ModelDownloadException("bad-url", $"'{url}' is not an http(s) URL");
        if (length > options.MaxModelBytes)
            throw new ModelDownloadException("too-large", $"model is {length} bytes, Ota:MaxModelBytes is {options.MaxModelBytes}");
        Directory.CreateDirectory(dir);
        string done = DonePath(dir, sha256);
        if (File.Exists(done) && new FileInfo(done).Length == length && await HashAsync(done, ct).ConfigureAwait(false) == sha256.ToLowerInvariant())
            return done;

        string part = PartPath(dir, sha256), meta = part + ".json";
        long have = ResumableBytes(dir, sha256, length);
        if (have == 0)
        {
            File.Delete(part);
            DurableFile.WriteAllBytes(meta, JsonSerializer.SerializeToUtf8Bytes(new PartialDownloadInfo(sha256.ToLowerInvariant(), length, url), OtaJsonContext.Default.PartialDownloadInfo));
        }

        if (have < length)
        {
            var response = await SendFollowingRedirectsAsync(uri, have, url, ct).ConfigureAwait(false);
            using (response)
            {
                long offset;
                if (response.StatusCode == HttpStatusCode.PartialContent && have > 0)
                {
                    var range = response.Content.Headers.ContentRange;
                    if (range?.From != have)
                        throw new ModelDownloadException("bad-range", $"{url} answered Range bytes={have}- with {range}");
                    offset = have;
                }
                else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
                {
                    File.Delete(part); // what we have does not fit what the server has: start over next attempt
                    throw new ModelDownloadException("bad-range", $"{url} refused Range bytes={have}-");
                }
                else if (response.IsSuccessStatusCode)
                {
                    offset = 0; // server ignored Range (200): start over
                }
                else
                {
                    throw new ModelDownloadException("http-" + (int)response.StatusCode, $"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }
                long? contentLength = response.Content.Headers.ContentLength;
                if (contentLength is { } cl && offset + cl > length)
                    throw new ModelDownloadException("too-large", $"{url} sends {offset + cl} bytes, the manifest says {length}");

                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using var file = new FileStream(part, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write, FileShare.Read, 1 << 16);
                file.Seek(offset, SeekOrigin.Begin);
                file.SetLength(offset);
                var buffer = new byte[1 << 16];
                long pos = offset, lastReport = 0;
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
                long windowTicks = Math.Max(1, options.RateWindowSeconds) * 1000L, windowStart = Environment.TickCount64, windowBytes = 0;
                long minPerWindow = Math.Max(0, options.MinDownloadBytesPerSecond) * Math.Max(1, options.RateWindowSeconds);
                try
                {
                    while (true)
                    {
                        long now = Environment.TickCount64;
                        if (now - windowStart >= windowTicks)
                        {
                            if (windowBytes < minPerWindow)
                                throw new ModelDownloadException("too-slow", $"{url}: {windowBytes} bytes in {options.RateWindowSeconds} s, below Ota:MinDownloadBytesPerSecond={options.MinDownloadBytesPerSecond} (will resume)");
                            windowStart = now;
                            windowBytes = 0;
                        }
                        stall.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, options.StallTimeoutSeconds)));
                        int n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                        if (n == 0) break;
                        if (pos + n > length)
                            throw new ModelDownloadException("too-large", $"{url} sent more than the manifest's {length} bytes");
                        await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                        pos += n;
                        windowBytes += n;
                        if (pos - lastReport >= Math.Max(length / 20, 1 << 16))
                        {
                            await file.FlushAsync(ct).ConfigureAwait(false);
                            lastReport = pos;
                            progress?.Invoke(pos, length);
                        }
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new ModelDownloadException("stalled", $"{url}: no data for {options.StallTimeoutSeconds} s after {pos} bytes (will resume)");
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new ModelDownloadException("interrupted", $"{url}: connection lost after {pos} of {length} bytes (will resume): {ex.Message}", ex);
                }
                finally
                {
                    file.Flush(flushToDisk: true);
                }
                progress?.Invoke(pos, length);
                if (pos < length)
                    throw new ModelDownloadException("truncated", $"{url} ended after {pos} of {length} bytes (will resume)");
            }
        }
        return await FinishAsync(part, done, sha256, length, ct).ConfigureAwait(false);
    }

    /// <summary>Checks a complete .part file and renames it to the done name; a mismatch deletes it.</summary>
    internal static async Task<string> FinishAsync(string part, string done, string sha256, long length, CancellationToken ct)
    {
        long actual = new FileInfo(part).Length;
        if (actual != length)
            throw new ModelDownloadException("truncated", $"download is {actual} bytes, expected {length}");
        string hash = await HashAsync(part, ct).ConfigureAwait(false);
        if (!string.Equals(hash, sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(part);
            File.Delete(part + ".json");
            throw new ModelDownloadException("sha256-mismatch", $"downloaded file has sha256 {hash}, the manifest says {sha256}");
        }
        DurableFile.FsyncFile(part);
        DurableFile.Rename(part, done);
        File.Delete(part + ".json");
        DurableFile.FsyncDirectory(Path.GetDirectoryName(done)!);
        return done;
    }

    internal static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(fs, ct).ConfigureAwait(false));
    }

    public void Dispose() => _http.Dispose();
}
