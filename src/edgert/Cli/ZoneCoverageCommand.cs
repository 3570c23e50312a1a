using System.Diagnostics;
using System.Globalization;
using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Cli;

/// <summary>
/// <c>edgert zone-coverage [--frames N]</c>: the zone-coverage step alone (8 five-vertex polygon zones, person, on a
/// fixed synthetic 513x513 class map, as benchmarks/EdgeRuntime.Benchmarks ZoneCoverageBenchmarks "typical"), run
/// once to build the masks and then N times. For the ARM cycle model: runs with N=1 and N=3 under qemu differ by two
/// frames (scripts/arm-model.sh --command 'edgert zone-coverage --frames {N}'). Prints the mean time and a checksum.
/// </summary>
public static class ZoneCoverageCommand
{
    private const int Size = 513;

    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        int frames = cli.Int("frames", 100);
        var file = new ZonesFile();
        for (int i = 0; i < 8; i++)
        {
            file.Zones.Add(new ZoneDefinition
            {
                Name = $"z{i}",
                Points = SyntheticZoneScene.TypicalPolygon(i),
                Classes = ["person"],
            });
        }
        var engine = new ZoneEngine(ZoneSet.Validate(file));
        byte[] map = SyntheticZoneScene.BlobMap(Size);
        engine.ComputeCoverage(map, Size, Size); // masks built here, outside the frames
        long start = Stopwatch.GetTimestamp();
        for (int f = 0; f < frames; f++) engine.ComputeCoverage(map, Size, Size);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds / frames;
        double sum = 0;
        for (int r = 0; r < engine.RuleCount; r++) sum += engine.Coverage(r);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"zone-coverage: 8 zones, {Size}x{Size}, {frames} frames, {ms:F4} ms per frame, coverage sum {sum:F6}"));
        return 0;
    }
}
