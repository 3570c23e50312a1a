using System.Device.Gpio;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>Statistics of an inference gate for telemetry.</summary>
public interface IInferenceGateTelemetry
{
    InferenceGateStats Snapshot();
}

/// <summary>
/// Inference only while a trigger input (PIR, button) is active plus <c>Gpio:TriggerTrailingFrames</c> frames after
/// the last one went inactive. Each frame reads the inputs' levels; an active edge seen between two frames (a PIR
/// pulse shorter than a frame) is latched by an edge callback so it still counts.
/// <see cref="ShouldInfer"/> runs on the frame loop's thread and allocates nothing.
/// </summary>
public sealed class TriggerGate : IInferenceGate, IInferenceGateTelemetry, IDisposable
{
    private readonly GpioController _controller;
    private readonly (int Line, bool ActiveLow)[] _inputs;
    private readonly int _trailingFrames;
    private readonly double _inferencePowerW;
    private readonly PinChangeEventHandler _onEdge;
    private int _latched;
    private int _remaining;
    private long _seen, _inferred;
    private bool _triggered;

    public TriggerGate(GpioController controller, IReadOnlyList<(int Line, bool ActiveLow)> inputs, int trailingFrames, double inferencePowerW)
    {
        _controller = controller;
        _inputs = [.. inputs];
        _trailingFrames = trailingFrames;
        _inferencePowerW = inferencePowerW;
        _onEdge = OnEdge;
        foreach (var (line, _) in _inputs)
            _controller.RegisterCallbackForPinValueChangedEvent(line, PinEventTypes.Rising | PinEventTypes.Falling, _onEdge);
    }

    public bool ShouldInfer()
    {
        _seen++;
        _triggered = Interlocked.Exchange(ref _latched, 0) != 0 | AnyInputActive();
        if (_triggered) _remaining = _trailingFrames;
        else if (_remaining > 0) _remaining--;
        else return false;
        _inferred++;
        return true;
    }

    public InferenceGateStats Snapshot()
    {
        double duty = _seen == 0 ? 1 : (double)_inferred / _seen;
        return new InferenceGateStats
        {
            Triggered = _triggered,
            FramesSeen = _seen,
            FramesInferred = _inferred,
            DutyCycle = Math.Round(duty, 4),
            EstimatedSavingW = _inferencePowerW > 0 ? Math.Round((1 - duty) * _inferencePowerW, 3) : null,
        };
    }

    private bool AnyInputActive()
    {
        foreach (var (line, activeLow) in _inputs)
        {
            if (_controller.Read(line) == GpioPinBank.Level(true, activeLow)) return true;
        }
        return false;
    }

    private void OnEdge(object sender, PinValueChangedEventArgs e)
    {
        foreach (var (line, activeLow) in _inputs)
        {
            if (line != e.PinNumber) continue;
            var activeEdge = activeLow ? PinEventTypes.Falling : PinEventTypes.Rising;
            if ((e.ChangeType & activeEdge) != 0) Volatile.Write(ref _latched, 1);
        }
    }

    public void Dispose()
    {
        foreach (var (line, _) in _inputs)
        {
            try { _controller.UnregisterCallbackForPinValueChangedEvent(line, _onEdge); }
            catch (InvalidOperationException) { /* the controller is already closed */ }
        }
    }
}
