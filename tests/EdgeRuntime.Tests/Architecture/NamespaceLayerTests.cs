using System.Text.RegularExpressions;

namespace EdgeRuntime.Tests.Architecture;

/// <summary>
/// The interpreter library's namespaces form layers, each using only the layers before it, so no two namespaces
/// depend on each other (docs/architecture.md). The test reads the sources: using directives and qualified names
/// (EdgeRuntime.X.Y, or X.Y relative to EdgeRuntime), comments and string literals removed.
/// </summary>
public partial class NamespaceLayerTests
{
    /// <summary>Namespace (second part of EdgeRuntime.X...) -> the namespaces it may use: the library rows of the one
    /// layer table (<see cref="AssemblyLayerTests.Layers"/>). Each row uses only rows above it.</summary>
    private static readonly (string Namespace, string[] Uses)[] Layers =
        [.. AssemblyLayerTests.Layers.Where(l => AssemblyLayerTests.Library.Contains(l.Layer))];

    [Fact]
    public void TheLayerTableHasNoCycle()
    {
        var seen = new HashSet<string>();
        foreach (var (ns, uses) in Layers)
        {
            Assert.All(uses, u => Assert.True(seen.Contains(u), $"{ns} uses {u}, which is not a layer above it"));
            seen.Add(ns);
        }
    }

    [Fact]
    public void LibraryNamespacesUseOnlyTheLayersBeforeThem()
    {
        var allowed = Layers.ToDictionary(l => l.Namespace, l => l.Uses);
        var names = string.Join('|', allowed.Keys);
        var relative = new Regex($@"(?<![\w.])({names})\.(?=[A-Z])");
        var violations = new SortedSet<string>();
        foreach (string file in RepoPaths.SourceFiles("EdgeRuntime"))
        {
            string code = StripCommentsAndStrings(File.ReadAllText(file));
            string? ns = FileNamespace().Match(code) is { Success: true } m ? (m.Groups[1].Success ? m.Groups[1].Value : "Api") : null;
            string rel = Path.GetRelativePath(RepoPaths.Src, file);
            if (ns is null || !allowed.TryGetValue(ns, out string[]? uses))
            {
                violations.Add($"{rel}: namespace {ns ?? "(none)"} is not in the layer table");
                continue;
            }
            var used = Absolute().Matches(code).Select(x => x.Groups[1].Value)
                .Concat(relative.Matches(code).Select(x => x.Groups[1].Value));
            foreach (string u in used.Distinct())
                if (u != ns && !uses.Contains(u)) violations.Add($"{rel}: {ns} -> {u}");
        }
        Assert.True(violations.Count == 0, "namespace dependencies against docs/architecture.md:\n" + string.Join('\n', violations));
    }

    /// <summary>Blanks string and char literals, then comments, so names in them do not count as references.</summary>
    internal static string StripCommentsAndStrings(string code)
    {
        code = RawString().Replace(code, "\"\"");
        code = VerbatimString().Replace(code, "\"\"");
        code = CharLiteral().Replace(code, "' '");
        code = RegularString().Replace(code, "\"\"");
        code = BlockComment().Replace(code, " ");
        return LineComment().Replace(code, "");
    }

    [GeneratedRegex(@"^namespace EdgeRuntime(?:\.(\w+)[\w.]*)?\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"\bEdgeRuntime\.(\w+)")]
    private static partial Regex Absolute();

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"")]
    private static partial Regex RawString();

    [GeneratedRegex("@\"(?:\"\"|[^\"])*\"")]
    private static partial Regex VerbatimString();

    [GeneratedRegex(@"'(?:\\.|[^'\\\n])'")]
    private static partial Regex CharLiteral();

    [GeneratedRegex("\"(?:\\\\.|[^\"\\\\\\n])*\"")]
    private static partial Regex RegularString();

    [GeneratedRegex(@"/\*[\s\S]*?\*/")]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
}
