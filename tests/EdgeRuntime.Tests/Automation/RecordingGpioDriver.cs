using System.Device.Gpio;
using System.Diagnostics;
using EdgeRuntime.Automation.Gpio;

namespace EdgeRuntime.Tests.Automation;

/// <summary>One write the code under test made to a line.</summary>
internal readonly record struct PinWrite(int Line, PinValue Value, long Timestamp, int ThreadId);

/// <summary>
/// TEST DOUBLE, a stand-in for the GPIO hardware only (the logic under test runs unchanged on GpioController):
/// a chip with <c>pinCount</c> lines, some of them "taken" (opening them fails as a busy line does), that records
/// every write with a Stopwatch timestamp and the writing thread, and lets a test drive input levels and edges.
/// </summary>
internal sealed class RecordingGpioDriver(int pinCount = 28, params int[] takenLines) : GpioDriver
{
    private readonly Lock _lock = new();
    private readonly List<PinWrite> _writes = [];
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Callback)>> _callbacks = [];

    public HashSet<int> OpenLines { get; } = [];
    public bool Disposed { get; private set; }

    public IReadOnlyList<PinWrite> Writes
    {
        get { lock (_lock) return [.. _writes]; }
    }

    public IReadOnlyList<PinWrite> WritesTo(int line) => [.. Writes.Where(w => w.Line == line)];

    public PinValue LevelOf(int line)
    {
        lock (_lock) return _levels.TryGetValue(line, out var v) ? v : PinValue.Low;
    }

    public PinMode ModeOf(int line)
    {
        lock (_lock) return _modes[line];
    }

    /// <summary>The level a line has before anyone opens it (e.g. left active by a crashed process).</summary>
    public void Preset(int line, PinValue value)
    {
        lock (_lock) _levels[line] = value;
    }

    /// <summary>Drives an input line to <paramref name="value"/>, calling edge callbacks as the kernel would.</summary>
    public void SetInput(int line, PinValue value)
    {
        List<(PinEventTypes, PinChangeEventHandler)> toCall = [];
        PinEventTypes edge;
        lock (_lock)
        {
            var old = _levels.TryGetValue(line, out var v) ? v : PinValue.Low;
            _levels[line] = value;
            if (old == value) return;
            edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            if (_callbacks.TryGetValue(line, out var list)) toCall.AddRange(list.Where(c => (c.Types & edge) != 0));
        }
        foreach (var (_, callback) in toCall) callback(this, new PinValueChangedEventArgs(edge, line));
    }

    protected override int PinCount => pinCount;

    protected override void OpenPin(int pinNumber)
    {
        if (pinNumber >= pinCount) throw new ArgumentOutOfRangeException(nameof(pinNumber), $"no line {pinNumber}");
        if (takenLines.Contains(pinNumber)) throw new IOException($"Error while requesting line {pinNumber}: Device or resource busy");
        lock (_lock) OpenLines.Add(pinNumber);
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_lock) OpenLines.Remove(pinNumber);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_lock) _modes[pinNumber] = mode;
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_lock) return _modes.TryGetValue(pinNumber, out var m) ? m : PinMode.Input;
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => LevelOf(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            if (!OpenLines.Contains(pinNumber)) throw new InvalidOperationException($"line {pinNumber} is not open");
            _levels[pinNumber] = value;
            _writes.Add(new PinWrite(pinNumber, value, Stopwatch.GetTimestamp(), Environment.CurrentManagedThreadId));
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the code under test uses edge callbacks");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            if (!_callbacks.TryGetValue(pinNumber, out var list)) _callbacks[pinNumber] = list = [];
            list.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            if (_callbacks.TryGetValue(pinNumber, out var list)) list.RemoveAll(c => c.Callback == callback);
        }
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary>Hands the same recording driver to the code under test.</summary>
internal sealed class RecordingDriverFactory(RecordingGpioDriver driver) : IGpioDriverFactory
{
    public int Created { get; private set; }

    public GpioDriver Create(GpioOptions options)
    {
        Created++;
        return driver;
    }
}

/// <summary>A clock the test moves by hand (no sleeps).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void AdvanceMs(double ms) => _now += TimeSpan.FromMilliseconds(ms);
}
