using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRuntime.Automation.Zones;

/// <summary>
/// Per frame: coverage of every watched class in every zone, the occupancy rules, and the transitions raised to every
/// <see cref="IZoneTransitionSink"/> in order, synchronously. Zone masks are built when the class-map size first
/// appears (or changes); after that <see cref="Process"/> allocates nothing (sinks may).
/// </summary>
public sealed class ZoneEngine
{
    private readonly ZoneSet _zones;
    private readonly IZoneTransitionSink[] _sinks;
    private readonly ILogger _logger;
    // One rule per (zone, watched class), zone-major.
    private readonly int[] _ruleZone;
    private readonly byte[] _ruleClass;
    private readonly string[] _ruleClassName;
    private readonly OccupancyRule[] _rules;
    private readonly double[] _coverage;
    private readonly DateTimeOffset[] _ruleSince;
    private readonly DateTimeOffset[] _zoneSince;
    private readonly bool[] _zoneChanged;
    private ZoneMask[] _masks = [];
    private long _sinkFailures;

    public ZoneEngine(ZoneSet zones, IEnumerable<IZoneTransitionSink>? sinks = null, ILogger<ZoneEngine>? logger = null)
    {
        _zones = zones ?? throw new ArgumentNullException(nameof(zones));
        _sinks = sinks?.ToArray() ?? [];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var ruleZone = new List<int>();
        var ruleClass = new List<byte>();
        var ruleName = new List<string>();
        var rules = new List<OccupancyRule>();
        for (int z = 0; z < zones.Zones.Count; z++)
        {
            var zone = zones.Zones[z];
            for (int k = 0; k < zone.ClassIds.Count; k++)
            {
                ruleZone.Add(z);
                ruleClass.Add(checked((byte)zone.ClassIds[k]));
                ruleName.Add(zone.ClassNames[k]);
                rules.Add(new OccupancyRule(zone.OnThreshold, zone.OffThreshold, zone.OnFrames, zone.OffFrames));
            }
        }
        _ruleZone = ruleZone.ToArray();
        _ruleClass = ruleClass.ToArray();
        _ruleClassName = ruleName.ToArray();
        _rules = rules.ToArray();
        _coverage = new double[_rules.Length];
        _ruleSince = new DateTimeOffset[_rules.Length];
        _zoneSince = new DateTimeOffset[zones.Zones.Count];
        _zoneChanged = new bool[zones.Zones.Count];
    }

    public ZoneSet Zones => _zones;
    public int RuleCount => _rules.Length;
    public long FramesProcessed { get; private set; }
    public long LastFrameId { get; private set; }
    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    /// <summary>Zone masks for the current class-map size (empty before the first frame).</summary>
    public IReadOnlyList<ZoneMask> Masks => _masks;

    public int RuleZone(int rule) => _ruleZone[rule];
    public string RuleClassName(int rule) => _ruleClassName[rule];
    public double Coverage(int rule) => _coverage[rule];
    public ZoneState RuleState(int rule) => _rules[rule].State;
    public DateTimeOffset RuleSince(int rule) => _ruleSince[rule];

    /// <summary>Occupied when any watched class in the zone is.</summary>
    public ZoneState ZoneStateOf(int zone)
    {
        for (int r = 0; r < _rules.Length; r++)
            if (_ruleZone[r] == zone && _rules[r].State == ZoneState.Occupied) return ZoneState.Occupied;
        return ZoneState.Clear;
    }

    public DateTimeOffset ZoneSince(int zone) => _zoneSince[zone];

    /// <summary>Whether the zone's state (any of its rules) changed on the last processed frame.</summary>
    public bool ZoneChanged(int zone) => _zoneChanged[zone];

    /// <summary>Builds the masks for a class-map size (allocates; called by <see cref="Process"/> when the size changes).</summary>
    public void Prepare(int width, int height)
    {
        if (_masks.Length == _zones.Zones.Count && _masks.Length > 0 && _masks[0].Width == width && _masks[0].Height == height) return;
        var masks = new ZoneMask[_zones.Zones.Count];
        for (int z = 0; z < masks.Length; z++) masks[z] = ZoneMask.Rasterize(_zones.Zones[z].Polygon, width, height);
        _masks = masks;
    }

    /// <summary>Coverage only (no rules, no sinks): the part the benchmark measures.</summary>
    public void ComputeCoverage(ReadOnlySpan<byte> classMap, int width, int height)
    {
        Prepare(width, height);
        var masks = _masks;
        for (int r = 0; r < _rules.Length; r++)
        {
            var mask = masks[_ruleZone[r]];
            _coverage[r] = mask.PixelCount == 0 ? 0 : mask.Count(classMap, _ruleClass[r]) / (double)mask.PixelCount;
        }
    }

    /// <summary>Coverage, rules and transitions of one frame. Never throws because of a sink.</summary>
    public void Process(ReadOnlySpan<byte> classMap, int width, int height, long frameId, DateTimeOffset timestamp)
    {
        if (width <= 0 || height <= 0 || classMap.Length < width * height) return;
        ComputeCoverage(classMap, width, height);
        if (FramesProcessed == 0)
        {
            _ruleSince.AsSpan().Fill(timestamp);
            _zoneSince.AsSpan().Fill(timestamp);
        }
        FramesProcessed++;
        LastFrameId = frameId;
        Array.Clear(_zoneChanged);
        for (int r = 0; r < _rules.Length; r++)
        {
            int zone = _ruleZone[r];
            var before = ZoneStateOf(zone);
            if (!_rules[r].Update(_coverage[r])) continue;
            _ruleSince[r] = timestamp;
            if (ZoneStateOf(zone) != before) _zoneSince[zone] = timestamp;
            _zoneChanged[zone] = true;
            var transition = new ZoneTransition(_zones.Zones[zone].Name, _ruleClassName[r], _rules[r].State, _coverage[r], frameId, timestamp);
            Raise(transition);
        }
    }

    private void Raise(in ZoneTransition transition)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                sink.OnZoneTransition(transition);
            }
            catch (Exception ex)
            {
                // The contract says sinks do not throw; one that does must not stop the others or the frame loop.
                if (Interlocked.Increment(ref _sinkFailures) <= 10)
                    _logger.LogError(ex, "Zone transition sink {Sink} failed on {Zone}/{Class}", sink.GetType().Name, transition.Zone, transition.ClassName);
            }
        }
    }
}
