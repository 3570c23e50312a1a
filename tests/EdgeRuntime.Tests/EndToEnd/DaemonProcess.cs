using System.Diagnostics;
using System.Globalization;

namespace EdgeRuntime.Tests.EndToEnd;

/// <summary>
/// `edgert run ...` as a separate OS process: the dotnet-hosted edgert.dll of the build under test
/// (<see cref="Locate"/>), or the binary named by EDGERT_E2E_BINARY (e.g. the NativeAOT artifacts/publish/linux-x64/edgert).
/// Captures stdout/stderr, sends signals, kills.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    /// <summary>Environment variable that replaces the dotnet-hosted daemon with another executable (or .dll).</summary>
    public const string BinaryVariable = "EDGERT_E2E_BINARY";

    private readonly Process _process;
    private readonly List<string> _lines = [];

    private DaemonProcess(Process process)
    {
        _process = process;
        Pid = process.Id;
    }

    /// <summary>The PID at start (the dotnet host runs the app in its own process, so this is the daemon).</summary>
    public int Pid { get; }

    public string Binary { get; private init; } = "";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output { get { lock (_lines) return string.Join('\n', _lines); } }

    /// <summary>
    /// The daemon to run: EDGERT_E2E_BINARY when set; else the device program's src/edgert/bin/&lt;Configuration&gt;/&lt;tfm&gt;/edgert.dll
    /// of this checkout (same configuration as the test assembly).
    /// </summary>
    public static string Locate()
    {
        string? env = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrWhiteSpace(env))
            return File.Exists(env) ? Path.GetFullPath(env) : throw new FileNotFoundException($"{BinaryVariable}={env} does not exist", env);

        return Support.DeviceProgram.Dll();
    }

    /// <summary>Starts `edgert run &lt;args&gt;`.</summary>
    public static DaemonProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        string binary = Locate();
        bool dll = binary.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var psi = new ProcessStartInfo(dll ? "dotnet" : binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // no console input: the console lifetime must not depend on it
        };
        if (dll) psi.ArgumentList.Add(binary);
        psi.ArgumentList.Add("run");
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Nothing from the test runner's environment may reconfigure the daemon.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("EDGERT_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment is not null)
            foreach (var (key, value) in environment) psi.Environment[key] = value;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {binary}");
        var d = new DaemonProcess(process) { Binary = binary };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (d._lines) d._lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (d._lines) d._lines.Add("ERR " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return d;
    }

    public bool HasLine(string fragment)
    {
        lock (_lines) return _lines.Any(l => l.Contains(fragment, StringComparison.Ordinal));
    }

    public async Task WaitForLineAsync(string fragment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasLine(fragment)) return;
            if (_process.HasExited) throw new InvalidOperationException($"daemon exited with {_process.ExitCode} before '{fragment}':\n{Output}");
            await Task.Delay(20);
        }
        throw new TimeoutException($"no '{fragment}' from the daemon within {timeout.TotalSeconds} s:\n{Output}");
    }

    /// <summary>Sends a signal with the kill(1) program (`kill -TERM &lt;pid&gt;`), as an init system or an operator would.</summary>
    public void Signal(string name)
    {
        var psi = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("-" + name);
        psi.ArgumentList.Add(Pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(psi) ?? throw new InvalidOperationException("could not start kill");
        string err = kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {Pid} failed ({kill.ExitCode}): {err}");
    }

    /// <summary>SIGKILL (Process.Kill on Unix), then waits for the exit.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>Waits for the process to exit; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flush the redirected output
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) KillHard();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
