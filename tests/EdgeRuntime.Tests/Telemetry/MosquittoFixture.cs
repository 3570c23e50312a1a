using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeRuntime.Tests.Telemetry;

/// <summary>
/// A real mosquitto broker for one test: /usr/sbin/mosquitto -c &lt;temp conf&gt; on 127.0.0.1:&lt;free port&gt;.
/// <see cref="Stop"/> / <see cref="StartAsync"/> simulate a broker restart on the same port; dispose kills it.
/// </summary>
public sealed class MosquittoFixture : IAsyncDisposable
{
    public const string MosquittoPath = "/usr/sbin/mosquitto";

    private readonly string _dir;
    private readonly string _conf;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private MosquittoFixture(string dir, int port, string extraConfig)
    {
        _dir = dir;
        Port = port;
        _conf = Path.Combine(dir, "mosquitto.conf");
        File.WriteAllText(_conf,
            $"""
            per_listener_settings false
            persistence false
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            listener {port} 127.0.0.1
            {(string.IsNullOrEmpty(extraConfig) ? "allow_anonymous true" : extraConfig.Replace("{dir}", dir, StringComparison.Ordinal))}

            """);
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public string Directory => _dir;
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>
    /// Starts a broker; <paramref name="extraConfig"/> replaces "allow_anonymous true" (e.g. TLS, password file;
    /// "{dir}" stands for the broker's temp folder). Files that mosquitto reads after dropping root to its
    /// own user must be world-readable: <paramref name="prepareDirectory"/> writes them, the folder is made 0755.
    /// </summary>
    public static async Task<MosquittoFixture> StartNewAsync(string extraConfig = "", Action<string>? prepareDirectory = null)
    {
        if (!File.Exists(MosquittoPath))
            throw new InvalidOperationException($"mosquitto is not installed ({MosquittoPath} not found): apt-get install mosquitto");
        string dir = System.IO.Directory.CreateTempSubdirectory("edgert-mosquitto-").FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        prepareDirectory?.Invoke(dir);
        if (!OperatingSystem.IsWindows())
            foreach (var f in System.IO.Directory.GetFiles(dir))
                File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var fixture = new MosquittoFixture(dir, FreeLoopbackPort(), extraConfig);
        await fixture.StartAsync();
        return fixture;
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("mosquitto is already running");
        var psi = new ProcessStartInfo(MosquittoPath)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = _dir,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(_conf);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start mosquitto");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode} at start:\n{Log}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }
        throw new TimeoutException($"mosquitto did not open 127.0.0.1:{Port} within 10 s:\n{Log}");
    }

    /// <summary>Kills the broker (SIGKILL) and waits for it to exit.</summary>
    public void Stop()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
        try
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit(5000);
            }
        }
        finally
        {
            p.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        try { System.IO.Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
