using BenchmarkDotNet.Attributes;
using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Benchmarks;

/// <summary>
/// Zone coverage of 8 polygon zones on a 513x513 class map (target: &lt;= 0.3 ms on one x64 core, 0 bytes allocated).
/// "typical": eight overlapping 5-vertex zones of 8-12 % of the frame each; "full": eight zones that each cover the
/// whole frame (the worst case: every pixel read 8 times). Classes: person alone, or person and dog (two counts per zone).
/// Process adds the occupancy rules (no transition on this map) to the coverage.
/// </summary>
[MemoryDiagnoser]
public class ZoneCoverageBenchmarks
{
    private const int Size = 513;
    private byte[] _map = [];
    private ZoneEngine _engine = null!;

    [Params("typical", "full")]
    public string Zones { get; set; } = "typical";

    [Params(1, 2)]
    public int Classes { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        var file = new ZonesFile();
        string[] classes = Classes == 1 ? ["person"] : ["person", "dog"];
        for (int i = 0; i < 8; i++)
        {
            List<double[]> points = Zones == "full" ? [[0, 0], [1, 0], [1, 1], [0, 1]] : SyntheticZoneScene.TypicalPolygon(i);
            file.Zones.Add(new ZoneDefinition { Name = $"z{i}", Points = points, Classes = [.. classes] });
        }
        _engine = new ZoneEngine(ZoneSet.Validate(file));
        _map = SyntheticZoneScene.BlobMap(Size);
        _engine.ComputeCoverage(_map, Size, Size); // masks built outside the measurement
    }

    [Benchmark]
    public void Coverage() => _engine.ComputeCoverage(_map, Size, Size);

    [Benchmark]
    public void Process() => _engine.Process(_map, Size, Size, 1, DateTimeOffset.UnixEpoch);
}
