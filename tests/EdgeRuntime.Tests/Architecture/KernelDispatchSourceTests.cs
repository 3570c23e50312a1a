using System.Text.RegularExpressions;

namespace EdgeRuntime.Tests.Architecture;

/// <summary>
/// Issue 12: one kernel dispatcher. Kernels/KernelDispatcher.cs is the only source that reads EDGERT_KERNELS or
/// EDGERT_VNNI and the only one that asks the CPU what it has (IsSupported / IsHardwareAccelerated); every kernel
/// gets the decision as a parameter. The scan covers every project under src/, comments removed.
/// </summary>
public partial class KernelDispatchSourceTests
{
    private const string Dispatcher = "EdgeRuntime/Kernels/KernelDispatcher.cs";

    private static IEnumerable<(string Rel, string Code)> Sources()
    {
        foreach (string dir in Directory.EnumerateDirectories(RepoPaths.Src))
        {
            foreach (string file in RepoPaths.SourceFiles(Path.GetFileName(dir)))
                yield return (Path.GetRelativePath(RepoPaths.Src, file).Replace('\\', '/'), StripComments(File.ReadAllText(file)));
        }
    }

    [Fact]
    public void OnlyTheDispatcherReadsTheKernelEnvironmentVariables()
    {
        var offenders = new SortedSet<string>();
        bool dispatcherSeen = false;
        foreach (var (rel, code) in Sources())
        {
            if (rel == Dispatcher)
            {
                dispatcherSeen = true;
                Assert.Contains("\"EDGERT_KERNELS\"", code, StringComparison.Ordinal);
                Assert.Contains("\"EDGERT_VNNI\"", code, StringComparison.Ordinal);
                continue;
            }
            // The names as whole string literals (what a GetEnvironmentVariable call would need), or the dispatcher's
            // constants handed to GetEnvironmentVariable.
            if (KernelVariableLiteral().IsMatch(code) || EnvironmentRead().IsMatch(code)) offenders.Add(rel);
        }
        Assert.True(dispatcherSeen, $"{Dispatcher} was not found under {RepoPaths.Src}");
        Assert.True(offenders.Count == 0, "read EDGERT_KERNELS/EDGERT_VNNI outside KernelDispatcher:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void OnlyTheDispatcherChecksCpuFeatures()
    {
        var offenders = new SortedSet<string>();
        foreach (var (rel, code) in Sources())
        {
            if (rel == Dispatcher) continue;
            foreach (Match m in FeatureCheck().Matches(code)) offenders.Add($"{rel}: {m.Value}");
        }
        Assert.True(offenders.Count == 0, "CPU feature checks outside KernelDispatcher:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TheScanWouldSeeAnOffender()
    {
        // The patterns themselves, so a typo in them cannot make the two tests above pass vacuously.
        Assert.Matches(KernelVariableLiteral(), "Environment.GetEnvironmentVariable(\"EDGERT_VNNI\")");
        Assert.Matches(EnvironmentRead(), "Environment.GetEnvironmentVariable(KernelDispatcher.VnniEnvironmentVariable)");
        Assert.Matches(FeatureCheck(), "if (AvxVnni.IsSupported && AdvSimd.Arm64.IsSupported)");
        Assert.Matches(FeatureCheck(), "Vector128.IsHardwareAccelerated");
        Assert.DoesNotMatch(FeatureCheck(), "KernelDispatcher.IsSupported(isa)");
        Assert.DoesNotMatch(KernelVariableLiteral(), "$\"{detected} (EDGERT_KERNELS={requested})\"");
    }

    private static string StripComments(string code) => LineComment().Replace(BlockComment().Replace(code, " "), "");

    [GeneratedRegex("\"EDGERT_(KERNELS|VNNI)\"")]
    private static partial Regex KernelVariableLiteral();

    [GeneratedRegex(@"GetEnvironmentVariable\(\s*KernelDispatcher\.(Vnni)?EnvironmentVariable\b")]
    private static partial Regex EnvironmentRead();

    [GeneratedRegex(@"(?<!KernelDispatcher)\b(Avx\w*|Sse\w*|Fma|Bmi\d|Lzcnt|Popcnt|X86Base|AdvSimd|Dp|Rdm|Crc32|Aes|Sha\d+|ArmBase|Vector\d+)(\.(Arm64|X64|V\d+|VL))?\.(IsSupported|IsHardwareAccelerated)\b")]
    private static partial Regex FeatureCheck();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
}
