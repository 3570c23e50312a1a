using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Frames from a child process that writes MJPEG (concatenated JPEGs) to stdout: the base of
/// <see cref="RpicamFrameSource"/> and <see cref="FfmpegFrameSource"/>, and usable directly for any such program.
/// </summary>
/// <remarks>
/// The program is resolved on PATH when the source is created, so a missing program fails early with a
/// clear <see cref="FrameSourceException"/>. The process starts on the first read (or <see cref="Start"/>).
/// Its stderr is drained continuously (a full stderr pipe would stall the child) and passed line by line to
/// the log callback; the last lines are kept for error messages. When stdout ends, a zero exit code is the
/// end of the stream and anything else throws. Disposing kills the process tree and waits for it.
/// </remarks>
public class ProcessFrameSource : IFrameSource
{
    private const int StderrTailLines = 20;

    private readonly string _program;
    private readonly string[] _arguments;
    private readonly int _maxFrameBytes;
    private readonly Action<string>? _log;
    private readonly Queue<string> _stderrTail = new();
    private Process? _process;
    private MjpegStreamReader? _reader;
    private Task? _stderrPump;
    private long _frameId;
    private bool _disposed;

    /// <param name="program">Program name (searched on PATH) or path.</param>
    /// <param name="arguments">Arguments, passed as-is (no shell quoting involved).</param>
    /// <param name="maxFrameBytes">Largest accepted frame; larger ones are dropped as corrupt.</param>
    /// <param name="log">Receives the child's stderr lines and lifecycle messages; may be null.</param>
    public ProcessFrameSource(string program, IEnumerable<string> arguments, int maxFrameBytes = MjpegStreamReader.DefaultMaxFrameBytes, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        _program = ResolveProgram(program)
            ?? throw new FrameSourceException($"program '{program}' was not found (searched PATH={Environment.GetEnvironmentVariable("PATH")}); install it or give its full path");
        _arguments = arguments.ToArray();
        _maxFrameBytes = maxFrameBytes;
        _log = log;
    }

    /// <summary>The resolved program path.</summary>
    public string ProgramPath => _program;

    /// <summary>The arguments the program is started with.</summary>
    public IReadOnlyList<string> Arguments => _arguments;

    public virtual string Description => $"{Path.GetFileName(_program)} {string.Join(' ', _arguments)}";

    /// <summary>The MJPEG splitter's counters (frames, corrupt frames, garbage bytes); null before start.</summary>
    public MjpegStreamReader? Reader => _reader;

    /// <summary>Exit code once the process has exited, else null.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Starts the process if it is not running yet.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_process is not null) return;
        var info = new ProcessStartInfo(_program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string a in _arguments) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new FrameSourceException($"could not start '{_program}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FrameSourceException($"could not start '{_program}': {e.Message}", e);
        }
        process.StandardInput.Close(); // no interactive input: programs that read stdin see EOF
        _process = process;
        _reader = new MjpegStreamReader(process.StandardOutput.BaseStream, _maxFrameBytes);
        _stderrPump = Task.Run(() => DrainStderrAsync(process));
        _log?.Invoke($"started {Description} (pid {process.Id})");
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        Start();
        if (await _reader!.ReadFrameAsync(frame, cancellationToken).ConfigureAwait(false))
        {
            frame.FrameId = ++_frameId;
            frame.Timestamp = DateTimeOffset.UtcNow;
            return true;
        }

        // stdout ended: the exit code says whether that is the end of the stream or a failure.
        Process process = _process!;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try { await process.WaitForExitAsync(linked.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FrameSourceException($"{Path.GetFileName(_program)} closed stdout but did not exit");
            }
        }
        if (_stderrPump is not null) await _stderrPump.ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new FrameSourceException($"{Path.GetFileName(_program)} exited with code {process.ExitCode}{StderrTail()}");
        _log?.Invoke($"{Path.GetFileName(_program)} finished after {_frameId} frames");
        return false;
    }

    private async Task DrainStderrAsync(Process process)
    {
        try
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_stderrTail)
                {
                    if (_stderrTail.Count == StderrTailLines) _stderrTail.Dequeue();
                    _stderrTail.Enqueue(line);
                }
                _log?.Invoke($"{Path.GetFileName(_program)}: {line}");
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The pipe went away while disposing.
        }
    }

    private string StderrTail()
    {
        lock (_stderrTail)
            return _stderrTail.Count == 0 ? "" : ":" + Environment.NewLine + string.Join(Environment.NewLine, _stderrTail);
    }

    /// <summary>Finds <paramref name="program"/> like a shell would: a path is taken as is, a bare name is searched on PATH.</summary>
    public static string? ResolveProgram(string program)
    {
        if (program.Contains('/')) return File.Exists(program) ? Path.GetFullPath(program) : null;
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path)) return null;
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string file)
    {
        if (OperatingSystem.IsWindows()) return true;
        UnixFileMode mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        GC.SuppressFinalize(this);
        Process? process = _process;
        if (process is null) return;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                _log?.Invoke($"stopped {Path.GetFileName(_program)} (pid {process.Id})");
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            _log?.Invoke($"could not stop {Path.GetFileName(_program)}: {e.Message}");
        }
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        if (_stderrPump is not null)
        {
            try { await _stderrPump.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
        process.Dispose();
    }
}
