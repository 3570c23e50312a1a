using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeRuntime.Ota;

/// <summary>
/// Downloads a model over HTTP(S) into downloads/&lt;sha256&gt;.part with Range resume: the partial file and its
/// expected SHA-256/length (a .part.json sidecar) survive restarts, and the next attempt asks for the rest
/// (bytes=N-). Bounded by the manifest length and Ota:MaxModelBytes; connect/response timeout and a stall timeout.
/// A finished file is checked (length, SHA-256) and renamed to &lt;sha256&gt;.model.
/// </summary>
public sealed class HttpModelDownloader(OtaOptions options) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(Math.Max(1, options.HttpTimeoutSeconds)),
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
    })
    { Timeout = Timeout.InfiniteTimeSpan };

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

    /// <summary>Downloads (or resumes) <paramref name="url"/>; returns the path of the verified file.</summary>
    public async Task<string> DownloadAsync(string url, string sha256, long length, string dir, Action<long, long>? progress, CancellationToken ct)
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
                try
                {
                    while (true)
                    {
                        stall.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, options.StallTimeoutSeconds)));
                        int n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                        if (n == 0) break;
                        if (pos + n > length)
                            throw new ModelDownloadException("too-large", $"{url} sent more than the manifest's {length} bytes");
                        await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                        pos += n;
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
