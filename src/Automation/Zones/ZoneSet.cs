using System.Text.Json;

namespace EdgeRuntime.Automation.Zones;

/// <summary>A validated zone: polygon, watched class ids (with their names) and the occupancy rule.</summary>
public sealed record Zone(
    string Name,
    IReadOnlyList<(double X, double Y)> Polygon,
    IReadOnlyList<int> ClassIds,
    IReadOnlyList<string> ClassNames,
    double OnThreshold,
    double OffThreshold,
    int OnFrames,
    int OffFrames);

/// <summary>The zones of one device, validated; <see cref="Load"/> reads and checks a zones file.</summary>
public sealed class ZoneSet
{
    /// <summary>A zones file larger than this is refused before it is read (it is hostile input like any file).</summary>
    public const long MaxFileBytes = 1 << 20;
    public const int MaxZones = 64;
    public const int MaxPointsPerZone = 256;
    public const int MaxFrames = 10_000;

    /// <summary>The 21 PASCAL VOC labels (the default class names; index = class id).</summary>
    public static readonly IReadOnlyList<string> PascalVocLabels =
    [
        "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    public ZoneSet(IReadOnlyList<Zone> zones, IReadOnlyList<string> labels)
    {
        Zones = zones;
        Labels = labels;
    }

    public static ZoneSet Empty { get; } = new([], PascalVocLabels);

    public IReadOnlyList<Zone> Zones { get; }
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Reads and validates a zones file; throws <see cref="ZoneConfigException"/> with a one-line reason.</summary>
    public static ZoneSet Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new ZoneConfigException($"zones file {path} does not exist");
        if (info.Length > MaxFileBytes) throw new ZoneConfigException($"zones file {path} is {info.Length} bytes (at most {MaxFileBytes})");
        byte[] json;
        try { json = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new ZoneConfigException($"zones file {path}: {ex.Message}"); }
        return Parse(json, path);
    }

    /// <summary>Parses and validates zones JSON (<paramref name="origin"/> names it in errors).</summary>
    public static ZoneSet Parse(ReadOnlySpan<byte> json, string origin = "zones")
    {
        ZonesFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, ZonesJsonContext.Default.ZonesFile);
        }
        catch (JsonException ex)
        {
            throw new ZoneConfigException($"{origin}: not valid zones JSON ({ex.Message.Split('\n')[0]})");
        }
        if (file is null) throw new ZoneConfigException($"{origin}: empty");
        return Validate(file, origin);
    }

    /// <summary>Checks every rule a zone must obey; the first violation is the error.</summary>
    public static ZoneSet Validate(ZonesFile file, string origin = "zones")
    {
        ArgumentNullException.ThrowIfNull(file);
        var labels = file.Labels is { Count: > 0 } l ? l : (IReadOnlyList<string>)PascalVocLabels;
        if (labels.Count > 256) throw new ZoneConfigException($"{origin}: {labels.Count} labels (a class map holds at most 256 classes)");
        if (file.Zones is null || file.Zones.Count == 0) throw new ZoneConfigException($"{origin}: no zones");
        if (file.Zones.Count > MaxZones) throw new ZoneConfigException($"{origin}: {file.Zones.Count} zones (at most {MaxZones})");
        var names = new HashSet<string>(StringComparer.Ordinal);
        var zones = new List<Zone>(file.Zones.Count);
        for (int i = 0; i < file.Zones.Count; i++)
        {
            var z = file.Zones[i] ?? throw new ZoneConfigException($"{origin}: zone #{i + 1} is null");
            string where = $"{origin}: zone '{z.Name}'";
            if (!IsValidName(z.Name)) throw new ZoneConfigException($"{origin}: zone #{i + 1} name '{z.Name}' must be 1-64 letters, digits, '-' or '_'");
            if (!names.Add(z.Name)) throw new ZoneConfigException($"{where}: duplicate zone name");
            if (z.Points is null || z.Points.Count < 3) throw new ZoneConfigException($"{where}: a polygon needs at least 3 points, has {z.Points?.Count ?? 0}");
            if (z.Points.Count > MaxPointsPerZone) throw new ZoneConfigException($"{where}: {z.Points.Count} points (at most {MaxPointsPerZone})");
            var polygon = new List<(double, double)>(z.Points.Count);
            for (int p = 0; p < z.Points.Count; p++)
            {
                var pt = z.Points[p];
                if (pt is null || pt.Length != 2) throw new ZoneConfigException($"{where}: point #{p + 1} is not an [x, y] pair");
                if (!InUnitRange(pt[0]) || !InUnitRange(pt[1]))
                    throw new ZoneConfigException($"{where}: point #{p + 1} [{pt[0]}, {pt[1]}] is outside [0,1] (coordinates are normalized)");
                polygon.Add((pt[0], pt[1]));
            }
            if (z.Classes is null || z.Classes.Count == 0) throw new ZoneConfigException($"{where}: watches no classes");
            var ids = new List<int>();
            var classNames = new List<string>();
            foreach (var name in z.Classes)
            {
                int id = IndexOf(labels, name);
                if (id < 0) throw new ZoneConfigException($"{where}: unknown class '{name}' (known: {string.Join(", ", labels)})");
                if (ids.Contains(id)) throw new ZoneConfigException($"{where}: class '{name}' listed twice");
                ids.Add(id);
                classNames.Add(labels[id]);
            }
            if (!InUnitRange(z.OnThreshold) || z.OnThreshold <= 0) throw new ZoneConfigException($"{where}: on_threshold {z.OnThreshold} must be in (0,1]");
            if (!InUnitRange(z.OffThreshold)) throw new ZoneConfigException($"{where}: off_threshold {z.OffThreshold} must be in [0,1]");
            if (z.OffThreshold > z.OnThreshold) throw new ZoneConfigException($"{where}: off_threshold {z.OffThreshold} must be <= on_threshold {z.OnThreshold}");
            if (z.OnFrames is < 1 or > MaxFrames) throw new ZoneConfigException($"{where}: on_frames {z.OnFrames} must be in 1..{MaxFrames}");
            if (z.OffFrames is < 1 or > MaxFrames) throw new ZoneConfigException($"{where}: off_frames {z.OffFrames} must be in 1..{MaxFrames}");
            zones.Add(new Zone(z.Name, polygon, ids, classNames, z.OnThreshold, z.OffThreshold, z.OnFrames, z.OffFrames));
        }
        return new ZoneSet(zones, labels);
    }

    /// <summary>These zones as a zones file (labels included), e.g. for an editor to start from.</summary>
    public ZonesFile ToFile() => new()
    {
        Labels = [.. Labels],
        Zones = [.. Zones.Select(z => new ZoneDefinition
        {
            Name = z.Name,
            Points = [.. z.Polygon.Select(p => new[] { p.X, p.Y })],
            Classes = [.. z.ClassNames],
            OnThreshold = z.OnThreshold,
            OffThreshold = z.OffThreshold,
            OnFrames = z.OnFrames,
            OffFrames = z.OffFrames,
        })],
    };

    /// <summary>A zones file as JSON (snake_case, indented: the format <see cref="Load"/> reads).</summary>
    public static byte[] Serialize(ZonesFile file) => JsonSerializer.SerializeToUtf8Bytes(file, ZonesJsonContext.Default.ZonesFile);

    private static bool InUnitRange(double v) => double.IsFinite(v) && v >= 0 && v <= 1;

    private static int IndexOf(IReadOnlyList<string> labels, string? name)
    {
        if (name is null) return -1;
        for (int i = 0; i < labels.Count; i++)
            if (string.Equals(labels[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>Names become topic levels and Home Assistant object ids: keep them to a safe alphabet.</summary>
    internal static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64) return false;
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        return true;
    }
}

/// <summary>A zones file (or Automation setting) that cannot be used; one line for the user. A FormatException, so `edgert run` reports it as a configuration error (exit code 2).</summary>
public sealed class ZoneConfigException(string message) : FormatException(message);
