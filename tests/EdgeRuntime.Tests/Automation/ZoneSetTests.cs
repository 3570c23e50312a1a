using System.Text;
using EdgeRuntime.Automation.Zones;

namespace EdgeRuntime.Tests.Automation;

public sealed class ZoneSetTests
{
    private static ZoneSet Parse(string json) => ZoneSet.Parse(Encoding.UTF8.GetBytes(json), "zones.json");

    private const string Square = "[[0.1,0.1],[0.5,0.1],[0.5,0.5],[0.1,0.5]]";

    [Fact]
    public void ValidFile_ParsesZonesClassesAndRules()
    {
        var set = Parse($$"""
            { "zones": [
                { "name": "doorway", "points": {{Square}}, "classes": ["person", "dog"], "on_threshold": 0.2, "off_threshold": 0.1, "on_frames": 3, "off_frames": 7 },
                { "name": "sofa_area", "points": [[0,0],[1,0],[0,1]], "classes": ["Cat"] } // comments are allowed
            ] }
            """);
        Assert.Equal(2, set.Zones.Count);
        var door = set.Zones[0];
        Assert.Equal("doorway", door.Name);
        Assert.Equal(new[] { 15, 12 }, door.ClassIds);
        Assert.Equal(new[] { "person", "dog" }, door.ClassNames);
        Assert.Equal((0.2, 0.1, 3, 7), (door.OnThreshold, door.OffThreshold, door.OnFrames, door.OffFrames));
        Assert.Equal(new[] { 8 }, set.Zones[1].ClassIds); // case-insensitive, canonical name kept
        Assert.Equal("cat", set.Zones[1].ClassNames[0]);
    }

    [Theory]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,1]], "classes": ["person"] } ] }""", "at least 3 points")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1.5,0],[1,1]], "classes": ["person"] } ] }""", "outside [0,1]")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,-0.1]], "classes": ["person"] } ] }""", "outside [0,1]")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["unicorn"] } ] }""", "unknown class 'unicorn'")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["person"] }, { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["person"] } ] }""", "duplicate zone name")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["person"], "on_threshold": 1.5 } ] }""", "on_threshold")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["person"], "on_threshold": 0.1, "off_threshold": 0.2 } ] }""", "must be <= on_threshold")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["person"], "on_frames": 0 } ] }""", "on_frames")]
    [InlineData("""{ "zones": [ { "name": "a/b", "points": [[0,0],[1,0],[1,1]], "classes": ["person"] } ] }""", "name 'a/b'")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1]], "classes": ["person"] } ] }""", "not an [x, y] pair")]
    [InlineData("""{ "zones": [] }""", "no zones")]
    [InlineData("""{ "zones": [ { "name": "a", "points": [[0,0],[1,0],[1,1]], "classes": ["person"], "colour": "red" } ] }""", "not valid zones JSON")]
    [InlineData("""{ "zones": [ """, "not valid zones JSON")]
    public void InvalidFile_OneLineReason(string json, string expected)
    {
        var ex = Assert.Throws<ZoneConfigException>(() => Parse(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.StartsWith("zones.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesOversizedAndMissingFiles()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-zones-").FullName;
        try
        {
            string big = Path.Combine(dir, "big.json");
            File.WriteAllBytes(big, new byte[ZoneSet.MaxFileBytes + 1]);
            Assert.Contains("bytes (at most", Assert.Throws<ZoneConfigException>(() => ZoneSet.Load(big)).Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", Assert.Throws<ZoneConfigException>(() => ZoneSet.Load(Path.Combine(dir, "none.json"))).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void CustomLabels_ReplaceVoc()
    {
        var set = Parse("""{ "labels": ["bg", "forklift"], "zones": [ { "name": "dock", "points": [[0,0],[1,0],[1,1]], "classes": ["forklift"] } ] }""");
        Assert.Equal(1, set.Zones[0].ClassIds[0]);
        Assert.Throws<ZoneConfigException>(() => Parse("""{ "labels": ["bg", "forklift"], "zones": [ { "name": "dock", "points": [[0,0],[1,0],[1,1]], "classes": ["person"] } ] }"""));
    }
}
