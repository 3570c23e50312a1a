using System.Diagnostics;

namespace EdgeRuntime.Cli;

/// <summary>
/// A one-line progress bar on stderr: redrawn in place on a terminal, one line per 10% when redirected (CI logs).
/// </summary>
public sealed class ProgressBar(TextWriter writer, string label = "", bool quiet = false) : IProgress<(int Done, int Total, string Item)>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _lastDecile = -1;

    public void Report((int Done, int Total, string Item) value) => Report(value.Done, value.Total, value.Item);

    public void Report(int done, int total) => Report(done, total, "");

    public void Report(int done, int total, string item)
    {
        if (quiet || total == 0) return;
        double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        double eta = (total - done) / Math.Max(rate, 1e-9);
        int filled = (int)(30.0 * done / total);
        string line = $"{label}{(label.Length > 0 ? " " : "")}[{new string('#', filled)}{new string('.', 30 - filled)}] {done}/{total}  {rate:F2}/s  eta {eta:F0}s {item}";
        if (_interactive)
        {
            writer.Write("\r" + line.PadRight(100));
            if (done == total) writer.WriteLine();
            return;
        }
        int decile = 10 * done / total;
        if (decile == _lastDecile) return;
        _lastDecile = decile;
        writer.WriteLine(line);
    }

}
