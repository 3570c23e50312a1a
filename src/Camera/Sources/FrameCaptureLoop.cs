namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// The capture side of the latest-frame-wins pipeline: reads an <see cref="IFrameSource"/> as fast as it
/// delivers into a <see cref="LatestFrameSlot"/>, on a task of its own, until the source ends, fails too
/// often, or the loop is disposed. The slot is completed in every case (with the error if it failed).
/// </summary>
/// <remarks>
/// The loop starts on a dedicated thread, so a source whose reads block (V4L2 poll) keeps that thread and
/// does not hold a thread-pool thread; sources that await continue on the thread pool. Per frame it
/// allocates nothing beyond what the source's read allocates. A read that throws is counted in
/// <see cref="LatestFrameSlot.SourceErrors"/>, reported to <c>onError</c>, and retried after
/// <c>errorDelay</c>; <c>maxConsecutiveErrors</c> failures in a row end the stream with the last error.
/// The loop does not dispose the source.
/// </remarks>
public sealed class FrameCaptureLoop : IAsyncDisposable
{
    private readonly IFrameSource _source;
    private readonly LatestFrameSlot _slot;
    private readonly int _maxConsecutiveErrors;
    private readonly TimeSpan _errorDelay;
    private readonly Action<Exception>? _onError;
    private readonly CancellationTokenSource _stop = new();
    private Task? _task;

    public FrameCaptureLoop(IFrameSource source, LatestFrameSlot slot, int maxConsecutiveErrors = 5, TimeSpan? errorDelay = null, Action<Exception>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConsecutiveErrors);
        _source = source;
        _slot = slot;
        _maxConsecutiveErrors = maxConsecutiveErrors;
        _errorDelay = errorDelay ?? TimeSpan.FromMilliseconds(500);
        _onError = onError;
    }

    public IFrameSource Source => _source;

    public LatestFrameSlot Slot => _slot;

    /// <summary>Completes when the loop has stopped (it never faults: errors go to the slot).</summary>
    public Task Completion => _task ?? Task.CompletedTask;

    /// <summary>Creates and starts a loop.</summary>
    public static FrameCaptureLoop Start(IFrameSource source, LatestFrameSlot slot, int maxConsecutiveErrors = 5, TimeSpan? errorDelay = null, Action<Exception>? onError = null)
    {
        var loop = new FrameCaptureLoop(source, slot, maxConsecutiveErrors, errorDelay, onError);
        loop.Start();
        return loop;
    }

    /// <summary>Starts capturing (once).</summary>
    public void Start()
    {
        if (_task is not null) throw new InvalidOperationException("the capture loop is already running");
        _task = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        int consecutiveErrors = 0;
        Exception? fault = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                bool got;
                try
                {
                    got = await _source.ReadFrameAsync(_slot.ProducerBuffer, stop).ConfigureAwait(false);
                    consecutiveErrors = 0;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    _slot.ReportSourceError(e);
                    try { _onError?.Invoke(e); } catch { /* a logging failure must not stop capture */ }
                    if (++consecutiveErrors >= _maxConsecutiveErrors)
                    {
                        fault = e;
                        break;
                    }
                    try { await Task.Delay(_errorDelay, stop).ConfigureAwait(false); }
                    catch (OperationCanceledException) { break; }
                    continue;
                }
                if (!got) break;
                _slot.Publish();
            }
        }
        catch (Exception e)
        {
            fault = e;
        }
        finally
        {
            _slot.Complete(fault);
        }
    }

    /// <summary>Stops the loop and waits for it; the slot is completed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync().ConfigureAwait(false);
        if (_task is not null) await _task.ConfigureAwait(false);
        else _slot.Complete();
        _stop.Dispose();
    }
}
