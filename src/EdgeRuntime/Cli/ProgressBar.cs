using System.Diagnostics;

namespace EdgeRuntime.Cli;

/// <summary>A one-line progress bar on stderr (redrawn in place on a terminal; every 10% otherwise).</summary>
internal sealed class ProgressBar(TextWriter writer, bool quiet)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _lastDecile = -1;

    public void Report(int done, int total)
    {
        if (quiet || total == 0) return;
        double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        double eta = (total - done) / Math.Max(rate, 1e-9);
        int filled = (int)(30.0 * done / total);
        string line = $"[{new string('#', filled)}{new string('.', 30 - filled)}] {done}/{total}  {rate:F2}/s  eta {eta:F0}s";
        if (_interactive)
        {
            writer.Write("\r" + line);
        }
        else
        {
            int decile = 10 * done / total;
            if (decile == _lastDecile) return;
            _lastDecile = decile;
            writer.WriteLine(line);
        }
    }

    public void Done()
    {
        if (!quiet && _interactive) writer.WriteLine();
    }
}
