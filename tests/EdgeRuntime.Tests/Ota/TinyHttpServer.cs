using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeRuntime.Tests.Ota;

/// <summary>
/// A minimal HTTP/1.1 file server on 127.0.0.1 that the test controls: honours "Range: bytes=N-" (206), and can cut
/// a response after N bytes (connection closed) or stall after N bytes, per request. Records every request's Range.
/// </summary>
public sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _accept;

    public TinyHttpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = Task.Run(AcceptLoop);
    }

    public int Port { get; }
    public ConcurrentQueue<(string Path, long? RangeStart)> Requests { get; } = new();

    /// <summary>Decides per request (0-based count for that path): null = serve fully, else (bytes to send, then cut or stall).</summary>
    public Func<string, int, (long Bytes, bool Stall)?>? Behaviour { get; set; }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>Path -> Location: answered with 302.</summary>
    public ConcurrentDictionary<string, string> Redirects { get; } = new(StringComparer.Ordinal);
    /// <summary>Path -> status code: answered with that status and no body.</summary>
    public ConcurrentDictionary<string, int> Statuses { get; } = new(StringComparer.Ordinal);
    /// <summary>Paths whose request is read and never answered.</summary>
    public ConcurrentDictionary<string, bool> Hangs { get; } = new(StringComparer.Ordinal);
    /// <summary>Path -> milliseconds between single bytes of the body (a trickling server).</summary>
    public ConcurrentDictionary<string, int> Trickles { get; } = new(StringComparer.Ordinal);

    public void Serve(string path, byte[] content) => _files[path] = content;

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_cts.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(client));
        }
    }

    private readonly ConcurrentDictionary<string, int> _counts = new();

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var header = new StringBuilder();
                var one = new byte[1];
                while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                {
                    if (await stream.ReadAsync(one, _cts.Token) == 0) return;
                    header.Append((char)one[0]);
                    if (header.Length > 16384) return;
                }
                var lines = header.ToString().Split("\r\n");
                string path = lines[0].Split(' ')[1].TrimStart('/');
                long? rangeStart = null;
                foreach (var l in lines)
                    if (l.StartsWith("Range: bytes=", StringComparison.OrdinalIgnoreCase))
                        rangeStart = long.Parse(l["Range: bytes=".Length..].Split('-')[0], CultureInfo.InvariantCulture);
                Requests.Enqueue((path, rangeStart));
                int n = _counts.AddOrUpdate(path, 0, (_, c) => c + 1);
                if (Hangs.ContainsKey(path))
                {
                    await Task.Delay(Timeout.Infinite, _cts.Token);
                    return;
                }
                if (Redirects.TryGetValue(path, out var location))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _cts.Token);
                    return;
                }
                if (Statuses.TryGetValue(path, out int code))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {code} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _cts.Token);
                    return;
                }
                if (!_files.TryGetValue(path, out var content))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _cts.Token);
                    return;
                }
                long start = rangeStart is { } r && r < content.Length ? r : 0;
                string status = start > 0 ? "206 Partial Content" : "200 OK";
                string extra = start > 0 ? $"Content-Range: bytes {start}-{content.Length - 1}/{content.Length}\r\n" : "";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n{extra}Content-Length: {content.Length - start}\r\nConnection: close\r\n\r\n"), _cts.Token);
                if (Trickles.TryGetValue(path, out int perByte))
                {
                    for (long i = start; i < content.Length; i++)
                    {
                        await stream.WriteAsync(content.AsMemory((int)i, 1), _cts.Token);
                        await stream.FlushAsync(_cts.Token);
                        await Task.Delay(perByte, _cts.Token);
                    }
                    return;
                }
                var behaviour = Behaviour?.Invoke(path, n);
                long limit = behaviour is { } b ? Math.Min(b.Bytes, content.Length - start) : content.Length - start;
                await stream.WriteAsync(content.AsMemory((int)start, (int)limit), _cts.Token);
                await stream.FlushAsync(_cts.Token);
                if (behaviour is { Stall: true }) await Task.Delay(Timeout.Infinite, _cts.Token);
                // behaviour without stall: close now (the client sees a premature end).
            }
            catch (Exception) { /* client went away or server stopping */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        try { await _accept; } catch (Exception) { }
        _cts.Dispose();
    }
}
