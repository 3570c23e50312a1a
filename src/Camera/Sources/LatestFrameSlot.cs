using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace EdgeRuntime.Camera.Sources;

/// <summary>
/// Latest-frame-wins hand-over between one producer (the capture loop) and one consumer (inference),
/// by triple buffering: the producer fills <see cref="ProducerBuffer"/> and <see cref="Publish"/>es it, which
/// swaps it with the "ready" buffer; the consumer takes the ready buffer in exchange for the one it held.
/// A published frame that is replaced before it was taken counts as dropped. Neither side ever waits for
/// the other to finish with a buffer, and nothing is allocated per frame.
/// </summary>
/// <remarks>
/// A frame returned by <see cref="TryTake"/>, <see cref="Take"/> or <see cref="TakeAsync"/> belongs to the
/// consumer until its next take. State changes happen under a short lock; only one take may wait at a time.
/// </remarks>
public sealed class LatestFrameSlot : IValueTaskSource<FrameBuffer?>
{
    private readonly object _gate = new();
    private FrameBuffer _back;   // producer's
    private FrameBuffer _ready;  // newest published; unread if _fresh
    private FrameBuffer _front;  // consumer's
    private bool _fresh;
    private bool _completed;
    private Exception? _error;
    private long _captured, _dropped, _taken, _sourceErrors;
    private Exception? _lastSourceError;

    private ManualResetValueTaskSourceCore<FrameBuffer?> _core = new() { RunContinuationsAsynchronously = true };
    private bool _asyncWaiting;
    private int _syncWaiting;
    private CancellationTokenRegistration _cancellation;

    /// <param name="frameCapacity">Initial capacity of each of the three buffers (they grow on demand).</param>
    public LatestFrameSlot(int frameCapacity = 1 << 20)
    {
        _back = new FrameBuffer(frameCapacity);
        _ready = new FrameBuffer(frameCapacity);
        _front = new FrameBuffer(frameCapacity);
    }

    /// <summary>Frames published by the producer.</summary>
    public long Captured => Interlocked.Read(ref _captured);

    /// <summary>Published frames replaced by a newer one before the consumer took them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames handed to the consumer.</summary>
    public long Taken => Interlocked.Read(ref _taken);

    /// <summary>Errors the producer reported from its source (see <see cref="ReportSourceError"/>).</summary>
    public long SourceErrors => Interlocked.Read(ref _sourceErrors);

    /// <summary>The most recent source error, if any.</summary>
    public Exception? LastSourceError => Volatile.Read(ref _lastSourceError);

    /// <summary>True once the producer has called <see cref="Complete"/> (frames may still wait to be taken).</summary>
    public bool IsCompleted { get { lock (_gate) return _completed; } }

    /// <summary>True once completed and the last frame has been taken: no frame will come any more.</summary>
    public bool IsEndOfStream { get { lock (_gate) return _completed && !_fresh; } }

    /// <summary>The error the stream ended with, or null.</summary>
    public Exception? Fault { get { lock (_gate) return _error; } }

    // ---- producer side ----

    /// <summary>The buffer the producer fills next. Changes after every <see cref="Publish"/>.</summary>
    public FrameBuffer ProducerBuffer => _back;

    /// <summary>Publishes <see cref="ProducerBuffer"/> as the newest frame.</summary>
    public void Publish()
    {
        FrameBuffer? handOver = null;
        CancellationTokenRegistration registration = default;
        lock (_gate)
        {
            if (_completed) throw new InvalidOperationException("the slot is completed");
            _captured++;
            if (_fresh) _dropped++;
            (_back, _ready) = (_ready, _back);
            _fresh = true;
            if (_asyncWaiting)
            {
                _asyncWaiting = false;
                handOver = TakeLocked();
                registration = _cancellation;
                _cancellation = default;
            }
            else if (_syncWaiting > 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
        if (handOver is not null)
        {
            registration.Unregister();
            _core.SetResult(handOver);
        }
    }

    /// <summary>Counts a failed read of the source (the producer keeps going or completes).</summary>
    public void ReportSourceError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Interlocked.Increment(ref _sourceErrors);
        Volatile.Write(ref _lastSourceError, error);
    }

    /// <summary>Ends the stream: takes return the last unread frame, then end-of-stream (or throw <paramref name="error"/>).</summary>
    public void Complete(Exception? error = null)
    {
        bool wake = false;
        CancellationTokenRegistration registration = default;
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
            _error = error;
            if (_asyncWaiting)
            {
                _asyncWaiting = false;
                wake = true;
                registration = _cancellation;
                _cancellation = default;
            }
            if (_syncWaiting > 0) Monitor.PulseAll(_gate);
        }
        if (wake)
        {
            registration.Unregister();
            if (error is null) _core.SetResult(null);
            else _core.SetException(error);
        }
    }

    // ---- consumer side ----

    /// <summary>Takes the newest unread frame, if there is one, without waiting.</summary>
    public bool TryTake([NotNullWhen(true)] out FrameBuffer? frame)
    {
        lock (_gate)
        {
            frame = _fresh ? TakeLocked() : null;
            return frame is not null;
        }
    }

    /// <summary>
    /// Waits for the newest unread frame. Returns null at the end of the stream; throws the producer's error
    /// if the stream failed, or <see cref="OperationCanceledException"/>.
    /// </summary>
    public FrameBuffer? Take(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_asyncWaiting) throw new InvalidOperationException("a take is already waiting");
            _syncWaiting++;
            try
            {
                while (!_fresh && !_completed)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate, cancellationToken.CanBeCanceled ? 50 : Timeout.Infinite);
                }
                if (_fresh) return TakeLocked();
                if (_error is not null) ExceptionDispatchInfo.Throw(_error);
                return null;
            }
            finally
            {
                _syncWaiting--;
            }
        }
    }

    /// <summary>
    /// Waits asynchronously for the newest unread frame (allocation-free). Returns null at the end of the
    /// stream; throws the producer's error if the stream failed, or <see cref="OperationCanceledException"/>.
    /// </summary>
    public ValueTask<FrameBuffer?> TakeAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_asyncWaiting || _syncWaiting > 0) throw new InvalidOperationException("a take is already waiting");
            if (_fresh) return new ValueTask<FrameBuffer?>(TakeLocked());
            if (_completed)
                return _error is null ? new ValueTask<FrameBuffer?>((FrameBuffer?)null) : ValueTask.FromException<FrameBuffer?>(_error);
            if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<FrameBuffer?>(cancellationToken);
            _core.Reset();
            _asyncWaiting = true;
            // Registered under the (re-entrant) lock so a concurrent Publish sees the registration to undo.
            if (cancellationToken.CanBeCanceled)
                _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((LatestFrameSlot)state!).CancelWait(token), this);
            return new ValueTask<FrameBuffer?>(this, _core.Version);
        }
    }

    private void CancelWait(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_asyncWaiting) return;
            _asyncWaiting = false;
            _cancellation = default;
        }
        _core.SetException(new OperationCanceledException(token));
    }

    private FrameBuffer TakeLocked()
    {
        (_front, _ready) = (_ready, _front);
        _fresh = false;
        _taken++;
        return _front;
    }

    FrameBuffer? IValueTaskSource<FrameBuffer?>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FrameBuffer?>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<FrameBuffer?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
