using EdgeRuntime.Planning;

namespace EdgeRuntime.Tests.Planning;

public class GreedyBestFitPlannerTests
{
    private static readonly GreedyBestFitPlanner Planner = new();

    [Fact]
    public void BuffersThatNeverLiveTogetherShareMemory()
    {
        // A chain a -> b -> c: a dies when b is made, so c can take a's place.
        BufferRequest[] chain = [new(1000, 0, 1), new(1000, 1, 2), new(1000, 2, 3)];
        MemoryPlan plan = Planner.Plan(chain, 64);
        Assert.Equal(2048, plan.ArenaSize); // two 1024-aligned buffers alive at once, never three
        Assert.Equal(plan.Offsets[0], plan.Offsets[2]);
    }

    [Fact]
    public void LaterBuffersFillTheHolesOfDeadOnes()
    {
        // Worked by hand, largest first:
        //   #0 1000 B, steps 0-1 -> 0
        //   #1  100 B, steps 0-9 -> 1000 (above #0, alive with it)
        //   #2  100 B, steps 5-9 -> 0    (#0 is dead by then: its hole is free)
        //   #3  100 B, steps 0-9 -> 1100 (alive with #0, #1 and #2)
        //   #4   60 B, steps 5-6 -> 100  (the hole between #2 and #1 fits it)
        BufferRequest[] requests = [new(1000, 0, 1), new(100, 0, 9), new(100, 5, 9), new(100, 0, 9), new(60, 5, 6)];
        MemoryPlan plan = Planner.Plan(requests, 4);
        AssertNoLiveOverlap(requests, plan);
        Assert.Equal([0L, 1000, 0, 1100, 100], plan.Offsets);
        Assert.Equal(1200, plan.ArenaSize);
    }

    [Fact]
    public void SmallBufferPrefersTheTightestGap()
    {
        // Worked by hand, largest first:
        //   X 500 B, steps 0-1 -> 0
        //   Y 100 B, steps 1-9 -> 500
        //   Z 100 B, steps 2-9 -> 0    (X's hole)
        //   W  50 B, steps 0-2 -> 600
        //   V  50 B, steps 0-9 -> 650
        //   S  40 B, steps 3-4: alive with Y, Z, V only, so the holes are [100,500) and [600,650).
        //   First fit would take 100; best fit takes 600 and keeps the big hole whole.
        BufferRequest[] requests = [new(500, 0, 1), new(100, 1, 9), new(100, 2, 9), new(50, 0, 2), new(50, 0, 9), new(40, 3, 4)];
        MemoryPlan plan = Planner.Plan(requests, 1);
        AssertNoLiveOverlap(requests, plan);
        Assert.Equal([0L, 500, 0, 600, 650, 600], plan.Offsets);
        Assert.Equal(700, plan.ArenaSize);
    }

    [Fact]
    public void LowerBoundIsTheLargestLiveSet()
    {
        BufferRequest[] requests = [new(100, 0, 2), new(50, 1, 1), new(70, 2, 3), new(500, 4, 4)];
        Assert.Equal(500, GreedyBestFitPlanner.LiveSetLowerBound(requests, 1));
        requests[3] = new(10, 4, 4);
        Assert.Equal(170, GreedyBestFitPlanner.LiveSetLowerBound(requests, 1)); // step 2: 100 + 70
    }

    [Fact]
    public void RandomGraphsNeverOverlapAndStayNearTheBound()
    {
        var rng = new Random(42);
        for (int trial = 0; trial < 300; trial++)
        {
            int n = rng.Next(1, 60);
            var requests = new BufferRequest[n];
            for (int i = 0; i < n; i++)
            {
                int first = rng.Next(0, 40);
                requests[i] = new BufferRequest(rng.Next(1, 5000), first, first + rng.Next(0, 6));
            }
            MemoryPlan plan = Planner.Plan(requests, 16);
            AssertNoLiveOverlap(requests, plan);
            long bound = GreedyBestFitPlanner.LiveSetLowerBound(requests, 16);
            Assert.True(plan.ArenaSize >= bound);
            Assert.True(plan.Offsets.All(o => o % 16 == 0));
        }
    }

    internal static void AssertNoLiveOverlap(BufferRequest[] requests, MemoryPlan plan)
    {
        for (int i = 0; i < requests.Length; i++)
            for (int j = i + 1; j < requests.Length; j++)
            {
                if (!requests[i].OverlapsInTime(requests[j])) continue;
                bool disjoint = plan.Offsets[i] + requests[i].Size <= plan.Offsets[j] || plan.Offsets[j] + requests[j].Size <= plan.Offsets[i];
                Assert.True(disjoint, $"buffers {i} and {j} overlap while both alive");
            }
    }
}
