namespace EdgeRuntime.Tests.Architecture;

/// <summary>Folders of this checkout, found from the test binary (tests/EdgeRuntime.Tests/bin/CONFIG/TFM).</summary>
internal static class RepoPaths
{
    public static string Src { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src"));

    /// <summary>The .cs files of one project folder under src, without bin/ and obj/.</summary>
    public static IEnumerable<string> SourceFiles(string project)
    {
        string root = Path.Combine(Src, project);
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
            {
                string rel = Path.GetRelativePath(root, f).Replace('\\', '/');
                return !rel.StartsWith("bin/", StringComparison.Ordinal) && !rel.StartsWith("obj/", StringComparison.Ordinal);
            });
    }
}
