
namespace EdgeRuntime.Tests.Api;

/// <summary>
/// The library's public surface must equal the checked-in baseline, so every change to it is deliberate and reviewed
/// (docs/api.md describes it). The dump is written to artifacts for the failure message to point at.
/// </summary>
public class PublicApiBaselineTests
{
    private const string UpdateVariable = "EDGERT_UPDATE_API_BASELINE";

    [Fact]
    public void PublicSurfaceEqualsTheBaseline()
    {
        string repo = RepositoryRoot();
        string baselinePath = Path.Combine(repo, "tests", "EdgeRuntime.Tests", "Api", "EdgeRuntime.api.txt");
        string actual = PublicApiDump.Of(typeof(EdgeModel).Assembly);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1") File.WriteAllText(baselinePath, actual);

        string actualPath = Path.Combine(repo, "artifacts", "EdgeRuntime.api.actual.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(actualPath)!);
        File.WriteAllText(actualPath, actual);
        string expected = File.Exists(baselinePath) ? File.ReadAllText(baselinePath).ReplaceLineEndings("\n") : "";
        Assert.True(expected == actual,
            $"The public API of EdgeRuntime differs from {baselinePath} (now: {actualPath}; diff the two). If the change is " +
            $"deliberate, update the baseline with `{UpdateVariable}=1 dotnet test -c Release --no-build tests/EdgeRuntime.Tests " +
            "--filter PublicApiBaselineTests`, update docs/api.md, and commit both. First difference: " + FirstDifference(expected, actual));
    }

    [Fact]
    public void TheDumpSeesTheFacadeAndNotTheInternals()
    {
        // Guards the baseline test itself: a dump that listed nothing (or everything) would compare equal forever.
        string dump = PublicApiDump.Of(typeof(EdgeModel).Assembly);
        Assert.Contains("public sealed class EdgeRuntime.EdgeModel : System.IDisposable", dump);
        Assert.Contains("static EdgeRuntime.EdgeModel Load(System.String path, EdgeRuntime.ModelOptions? options = null)", dump);
        Assert.DoesNotContain("EdgeRuntime.Runtime.Interpreter", dump);
        Assert.DoesNotContain("EdgeRuntime.Graph.ModelGraph", dump);
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end>", al = i < a.Length ? a[i] : "<end>";
            if (el != al) return $"line {i + 1}: baseline '{el}', now '{al}'";
        }
        return "none";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeRuntime.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no EdgeRuntime.sln above {AppContext.BaseDirectory}");
    }
}
