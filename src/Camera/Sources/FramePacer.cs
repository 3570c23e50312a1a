namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Paces a source to a frame rate with a <see cref="PeriodicTimer"/> (allocation-free per tick).
/// The first frame is immediate; missed ticks coalesce, so a slow consumer is not followed by a burst.
/// </summary>
internal sealed class FramePacer : IDisposable
{
    private readonly PeriodicTimer? _timer;
    private bool _started;

    public FramePacer(double fps)
    {
        if (double.IsNaN(fps) || fps < 0) throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be >= 0 (0 = unpaced)");
        if (fps > 0) _timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / fps));
    }

    public bool IsPaced => _timer is not null;

    /// <summary>Completes when the next frame is due (the result has no meaning).</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_timer is null || !_started)
        {
            _started = true;
            return new ValueTask<bool>(true);
        }
        return _timer.WaitForNextTickAsync(cancellationToken);
    }

    public void Dispose() => _timer?.Dispose();
}
