using System.Text.Json.Serialization;

namespace EdgeRuntime.Automation.Zones;

/// <summary>
/// The zones file (JSON, snake_case): named polygons in normalized image coordinates ([0,1], x right, y down), each
/// with the classes it watches and its occupancy rule. See docs/mqtt.md "Zones".
/// </summary>
public sealed class ZonesFile
{
    /// <summary>Class names of the model, index = class id. Empty: the 21 PASCAL VOC labels.</summary>
    public List<string>? Labels { get; set; }

    public List<ZoneDefinition> Zones { get; set; } = [];
}

/// <summary>One zone as written in the file.</summary>
public sealed class ZoneDefinition
{
    /// <summary>Topic-safe name (letters, digits, '-', '_'): .../zones/&lt;name&gt;.</summary>
    public string Name { get; set; } = "";

    /// <summary>Polygon vertices as [x, y] pairs, at least 3, in order (either winding; even-odd fill).</summary>
    public List<double[]> Points { get; set; } = [];

    /// <summary>Class names watched in this zone (e.g. "person").</summary>
    public List<string> Classes { get; set; } = [];

    /// <summary>Coverage (fraction of the zone's pixels) at or above which a frame counts towards occupied.</summary>
    public double OnThreshold { get; set; } = 0.10;

    /// <summary>Coverage below which a frame counts towards clear (&lt;= on threshold: hysteresis).</summary>
    public double OffThreshold { get; set; } = 0.05;

    /// <summary>Consecutive frames at or above the on threshold before the zone becomes occupied (debounce).</summary>
    public int OnFrames { get; set; } = 2;

    /// <summary>Consecutive frames below the off threshold before the zone becomes clear.</summary>
    public int OffFrames { get; set; } = 5;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true, WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ZonesFile))]
internal sealed partial class ZonesJsonContext : JsonSerializerContext;
