using EdgeRuntime.Segmentation;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Daemon;

/// <summary>Sees every frame the frame loop segments (called on the frame loop: keep it cheap).</summary>
public interface IFrameObserver
{
    /// <param name="frameId">Source frame id.</param>
    /// <param name="model">The model that served the frame.</param>
    /// <param name="segmentMs">Preprocess + inference + postprocess time, ms (0 when it failed).</param>
    /// <param name="error">The exception when segmentation failed.</param>
    void OnFrame(long frameId, ModelInfo model, double segmentMs, Exception? error);
}

/// <summary>
/// The segmenter the frame loop uses, replaceable while it runs: OTA builds the next segmenter beside the
/// running one and <see cref="OfferAsync"/>s it; the frame loop picks it up between two frames
/// (<see cref="TryTakePending"/>), serves the very next frame with it and disposes the old one. No frame is skipped.
/// </summary>
internal sealed class SegmenterSwitch
{
    private sealed record Pending(ISegmenter Segmenter, ModelInfo? Model, TaskCompletionSource<long> Swapped);

    private readonly Lock _lock = new();
    private Pending? _pending;
    private IFrameObserver[] _observers = [];
    private long _swaps;

    /// <summary>
    /// Builds the first segmenter (set by OTA to boot the installed model, falling back to older ones).
    /// Null: <see cref="DaemonHooks.CreateSegmenter"/> with the configured model.
    /// </summary>
    public Func<DaemonOptions, DaemonHooks, (ISegmenter Segmenter, ModelInfo? Model)>? InitialFactory { get; set; }

    /// <summary>The model serving frames now (null before the first frame loop start).</summary>
    public ModelInfo? Active { get; private set; }

    /// <summary>Completed swaps.</summary>
    public long SwapCount => Interlocked.Read(ref _swaps);

    public void AddObserver(IFrameObserver observer)
    {
        lock (_lock) _observers = [.. _observers, observer];
    }

    public void RemoveObserver(IFrameObserver observer)
    {
        lock (_lock) _observers = [.. _observers.Where(o => !ReferenceEquals(o, observer))];
    }

    /// <summary>
    /// Hands <paramref name="next"/> to the frame loop. Completes with the id of the first frame it served, or is
    /// cancelled (and <paramref name="next"/> disposed) when the frame loop stops or another offer replaces it.
    /// </summary>
    public Task<long> OfferAsync(ISegmenter next, ModelInfo? model)
    {
        ArgumentNullException.ThrowIfNull(next);
        var pending = new Pending(next, model, new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        Pending? replaced;
        lock (_lock)
        {
            replaced = _pending;
            _pending = pending;
        }
        if (replaced is not null) Abandon(replaced);
        return pending.Swapped.Task;
    }

    /// <summary>Frame loop: first segmenter.</summary>
    internal (ISegmenter Segmenter, ModelInfo? Model) CreateInitial(DaemonOptions options, DaemonHooks hooks) =>
        InitialFactory is { } f ? f(options, hooks) : (hooks.CreateSegmenter(options), null);

    /// <summary>Frame loop, between frames: the offered segmenter, if any.</summary>
    internal bool TryTakePending(out ISegmenter next, out ModelInfo? model, out TaskCompletionSource<long> swapped)
    {
        Pending? p;
        lock (_lock)
        {
            p = _pending;
            _pending = null;
        }
        next = p?.Segmenter!;
        model = p?.Model;
        swapped = p?.Swapped!;
        return p is not null;
    }

    internal bool HasPending => Volatile.Read(ref _pending) is not null;

    /// <summary>Frame loop: the swap is done (<paramref name="model"/> serves from <paramref name="firstFrameId"/> on).</summary>
    internal void Swapped(TaskCompletionSource<long> swapped, ModelInfo model, long firstFrameId)
    {
        Active = model;
        Interlocked.Increment(ref _swaps);
        swapped.TrySetResult(firstFrameId);
    }

    internal void SetActive(ModelInfo model) => Active = model;

    internal void ReportFrame(long frameId, ModelInfo model, double segmentMs, Exception? error)
    {
        foreach (var o in Volatile.Read(ref _observers)) o.OnFrame(frameId, model, segmentMs, error);
    }

    /// <summary>Frame loop stopped: drop whatever was offered and not taken.</summary>
    internal void Shutdown()
    {
        Pending? p;
        lock (_lock)
        {
            p = _pending;
            _pending = null;
        }
        if (p is not null) Abandon(p);
    }

    private static void Abandon(Pending p)
    {
        p.Swapped.TrySetCanceled();
        p.Segmenter.Dispose();
    }
}
