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
            double x = (i % 4) * 0.22, y = (i / 4) * 0.45;
            file.Zones.Add(new ZoneDefinition
            {
                Name = $"z{i}",
                Points = [[x, y], [x + 0.3, y + 0.02], [x + 0.34, y + 0.3], [x + 0.15, y + 0.5], [x + 0.01, y + 0.35]],
                Classes = ["person"],
            });
        }
        var engine = new ZoneEngine(ZoneSet.Validate(file));
        var map = new byte[Size * Size];
        var rng = new Random(42);
        for (int blob = 0; blob < 6; blob++)
        {
            int cx = rng.Next(Size), cy = rng.Next(Size), r = rng.Next(30, 120);
            byte cls = blob % 2 == 0 ? (byte)15 : (byte)12;
            for (int y = Math.Max(0, cy - r); y < Math.Min(Size, cy + r); y++)
                for (int x = Math.Max(0, cx - r); x < Math.Min(Size, cx + r); x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r) map[y * Size + x] = cls;
        }
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
