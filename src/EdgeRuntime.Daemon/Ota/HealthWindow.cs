using System.Globalization;
using EdgeRuntime.Daemon;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Ota;

/// <summary>
/// Watches the first <c>frames</c> frames a newly activated model serves: it passes when none failed and the p95 of
/// their segmentation time is within the latency budget; it fails at the first inference error.
/// </summary>
public sealed class HealthWindow : IFrameObserver
{
    private readonly string _sha256;
    private readonly int _frames;
    private readonly double _budgetMs;
    private readonly double[] _samples;
    private readonly TaskCompletionSource<string?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <param name="sha256">Only frames served by this model count.</param>
    public HealthWindow(string sha256, int frames, double budgetMs)
    {
        _sha256 = sha256;
        _frames = Math.Max(1, frames);
        _budgetMs = budgetMs;
        _samples = new double[_frames];
    }

    /// <summary>Completes with null (healthy) or the failure reason.</summary>
    public Task<string?> Result => _result.Task;

    public int FramesSeen => Volatile.Read(ref _count);

    /// <summary>p95 of the samples so far, ms.</summary>
    public double P95Ms
    {
        get
        {
            int n = Math.Min(Volatile.Read(ref _count), _frames);
            if (n == 0) return 0;
            var copy = _samples[..n];
            Array.Sort(copy);
            return copy[Math.Clamp((int)Math.Ceiling(0.95 * n) - 1, 0, n - 1)];
        }
    }

    public void OnFrame(long frameId, ModelInfo model, double segmentMs, Exception? error)
    {
        if (_result.Task.IsCompleted || !string.Equals(model.Sha256, _sha256, StringComparison.OrdinalIgnoreCase)) return;
        if (error is not null)
        {
            _result.TrySetResult("inference-error:" + error.GetType().Name + ": " + (error.Message.Length > 120 ? error.Message[..120] : error.Message));
            return;
        }
        int i = _count;
        if (i >= _frames) return;
        _samples[i] = segmentMs;
        Volatile.Write(ref _count, i + 1);
        if (i + 1 < _frames) return;
        double p95 = P95Ms;
        _result.TrySetResult(_budgetMs > 0 && p95 > _budgetMs
            ? $"latency-budget-exceeded:p95 {p95.ToString("F2", CultureInfo.InvariantCulture)} ms > {_budgetMs.ToString("F2", CultureInfo.InvariantCulture)} ms"
            : null);
    }
}
