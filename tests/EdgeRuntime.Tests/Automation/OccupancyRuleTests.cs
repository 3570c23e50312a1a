using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Tests.Automation;

public sealed class OccupancyRuleTests
{
    /// <summary>Feeds coverages and returns the frame indices where the state changed, with the new state.</summary>
    private static List<(int Frame, ZoneState State)> Run(OccupancyRule rule, params double[] coverage)
    {
        var changes = new List<(int, ZoneState)>();
        for (int i = 0; i < coverage.Length; i++)
            if (rule.Update(coverage[i])) changes.Add((i, rule.State));
        return changes;
    }

    [Fact]
    public void OccupiedAfterNFramesAbove_ClearAfterMFramesBelow()
    {
        var changes = Run(new OccupancyRule(0.3, 0.1, onFrames: 3, offFrames: 2),
            0.5, 0.5, 0.5, 0.5, 0.05, 0.05, 0.05);
        Assert.Equal([(2, ZoneState.Occupied), (5, ZoneState.Clear)], changes);
    }

    [Fact]
    public void Flicker_BreaksTheStreak_AndTheBandBetweenThresholdsHoldsTheState()
    {
        // Above/below alternating never reaches 2 consecutive frames either way.
        Assert.Empty(Run(new OccupancyRule(0.3, 0.1, 2, 2), 0.5, 0.0, 0.5, 0.0, 0.5, 0.0));
        // Once occupied, coverage between off and on (0.2) keeps it occupied however long.
        var changes = Run(new OccupancyRule(0.3, 0.1, 1, 2), 0.5, 0.2, 0.2, 0.2, 0.2, 0.05, 0.2, 0.05, 0.05);
        Assert.Equal([(0, ZoneState.Occupied), (8, ZoneState.Clear)], changes);
    }

    [Fact]
    public void OnThresholdIsInclusive_OffIsExclusive()
    {
        Assert.Equal([(0, ZoneState.Occupied)], Run(new OccupancyRule(0.3, 0.1, 1, 1), 0.3, 0.1));
        Assert.Equal([(0, ZoneState.Occupied), (2, ZoneState.Clear)], Run(new OccupancyRule(0.3, 0.1, 1, 1), 0.3, 0.1, 0.0999));
    }
}
