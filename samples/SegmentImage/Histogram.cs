namespace SegmentImage;

/// <summary>Pixels per class, the classes present only, largest first.</summary>
internal static class Histogram
{
    public static List<(string Name, int Pixels)> Count(ReadOnlySpan<byte> classMap, IReadOnlyList<string> labels)
    {
        var counts = new int[256];
        foreach (byte cls in classMap) counts[cls]++;
        var present = new List<(string Name, int Pixels)>();
        for (int cls = 0; cls < counts.Length; cls++)
            if (counts[cls] > 0) present.Add((cls < labels.Count ? labels[cls] : $"class {cls}", counts[cls]));
        present.Sort((a, b) => b.Pixels.CompareTo(a.Pixels));
        return present;
    }
}
