namespace EdgeRuntime.Segmentation;

/// <summary>A VOC-layout folder: JPEGImages/&lt;id&gt;.jpg with SegmentationClass/&lt;id&gt;.png ground truth (255 = ignore).</summary>
internal sealed class VocDataset
{
    public static readonly string[] ClassNames =
    [
        "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    public VocDataset(string root, IReadOnlyList<string> ids)
    {
        Root = root;
        Ids = ids;
    }

    public string Root { get; }
    public IReadOnlyList<string> Ids { get; }

    public string ImagePath(string id) => Path.Combine(Root, "JPEGImages", id + ".jpg");
    public string LabelPath(string id) => Path.Combine(Root, "SegmentationClass", id + ".png");

    /// <summary>Ids from a list file (one per line), or every image that has a label.</summary>
    public static VocDataset Open(string root, string? listFile = null, int? limit = null)
    {
        if (!Directory.Exists(Path.Combine(root, "JPEGImages")) || !Directory.Exists(Path.Combine(root, "SegmentationClass")))
            throw new DirectoryNotFoundException($"{root} is not a VOC-layout folder (JPEGImages/ and SegmentationClass/ expected)");
        IEnumerable<string> ids = listFile is not null
            ? File.ReadLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0)
            : Directory.EnumerateFiles(Path.Combine(root, "SegmentationClass"), "*.png")
                .Select(p => Path.GetFileNameWithoutExtension(p)!)
                .Where(id => File.Exists(Path.Combine(root, "JPEGImages", id + ".jpg")))
                .Order(StringComparer.Ordinal);
        if (limit is int n) ids = ids.Take(n);
        return new VocDataset(root, ids.ToArray());
    }
}
