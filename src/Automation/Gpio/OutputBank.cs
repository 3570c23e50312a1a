using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// The zone rules' outputs: a transition sets the demand of every output mapped to its zone (and class, when the
/// output names one), synchronously, so the pin changes before the frame's publish step returns. An output without a
/// class is demanded while any watched class in its zone is occupied. Never throws into the frame loop.
/// </summary>
public sealed class OutputBank : IZoneTransitionSink
{
    private readonly OutputChannel[] _channels;
    private readonly HashSet<string>[] _occupiedClasses;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private long _writeFailures;

    public OutputBank(IReadOnlyList<OutputChannel> channels, TimeProvider clock, ILogger logger)
    {
        _channels = [.. channels];
        _occupiedClasses = [.. channels.Select(_ => new HashSet<string>(StringComparer.OrdinalIgnoreCase))];
        _clock = clock;
        _logger = logger;
    }

    public IReadOnlyList<OutputChannel> Channels => _channels;

    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    public void OnZoneTransition(in ZoneTransition transition)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            for (int i = 0; i < _channels.Length; i++)
            {
                var o = _channels[i].Options;
                if (!string.Equals(o.Zone, transition.Zone, StringComparison.OrdinalIgnoreCase)) continue;
                if (o.Class.Length > 0 && !string.Equals(o.Class, transition.ClassName, StringComparison.OrdinalIgnoreCase)) continue;
                var occupied = _occupiedClasses[i];
                if (transition.State == ZoneState.Occupied) occupied.Add(transition.ClassName);
                else occupied.Remove(transition.ClassName);
                try { _channels[i].SetDemand(occupied.Count > 0, now); } catch (Exception ex) { WriteFailed(i, ex); }
            }
        }
    }

    /// <summary>Ends holds, pulses and minimum on-times that ran out (called every Gpio:TickMs).</summary>
    public void Tick()
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            for (int i = 0; i < _channels.Length; i++)
            {
                try { _channels[i].Tick(now); } catch (Exception ex) { WriteFailed(i, ex); }
            }
        }
    }

    /// <summary>Every output to its inactive level (shutdown).</summary>
    public void SafeState()
    {
        lock (_lock)
        {
            for (int i = 0; i < _channels.Length; i++)
            {
                _occupiedClasses[i].Clear();
                try { _channels[i].SafeState(); } catch (Exception ex) { WriteFailed(i, ex); }
            }
        }
    }

    private void WriteFailed(int index, Exception ex)
    {
        long n = Interlocked.Increment(ref _writeFailures);
        if (n <= 10 || n % 1000 == 0)
            _logger.LogWarning("GPIO output {Name} (line {Line}) write failed: {Error} ({Count} failures)",
                _channels[index].Options.Name, _channels[index].Line, ex.Message, n);
    }
}
