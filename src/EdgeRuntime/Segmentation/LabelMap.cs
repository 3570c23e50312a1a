namespace EdgeRuntime.Segmentation;

/// <summary>
/// Class names, one per line. Only the first N non-empty lines are labels: Coral's pascal_voc_segmentation_labels.txt
/// has 21 labels, a blank line and two prose lines that are not labels.
/// </summary>
internal sealed class LabelMap
{
    private readonly string[] _names;

    private LabelMap(string[] names) => _names = names;

    public int Count => _names.Length;
    public IReadOnlyList<string> Names => _names;
    public string this[int classId] => _names[classId];

    /// <summary>Name of <paramref name="classId"/>, or "class N" when the id is beyond the file.</summary>
    public string NameOf(int classId) => (uint)classId < (uint)_names.Length ? _names[classId] : $"class {classId}";

    /// <summary>
    /// Parses labels. With <paramref name="classCount"/>, the first that many non-empty lines (trimmed); fewer is an
    /// error. Without it, the non-empty lines up to the first blank line that follows a label (so trailing prose
    /// after a blank line is ignored).
    /// </summary>
    public static LabelMap Parse(string text, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (classCount is <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), "class count must be positive");
        var names = new List<string>();
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                if (classCount is null && names.Count > 0) break;
                continue;
            }
            names.Add(line);
            if (names.Count == classCount) break;
        }
        if (classCount is int n && names.Count < n)
            throw new InvalidDataException($"label file has {names.Count} non-empty lines, {n} labels expected");
        if (names.Count == 0) throw new InvalidDataException("label file has no labels");
        return new LabelMap([.. names]);
    }

    public static LabelMap Load(string path, int? classCount = null) => Parse(File.ReadAllText(path), classCount);
}
