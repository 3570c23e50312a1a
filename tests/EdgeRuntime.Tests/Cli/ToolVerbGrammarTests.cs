using System.CommandLine;
using EdgeRuntime.Cli;

namespace EdgeRuntime.Tests.Cli;

/// <summary>
/// quantize, compare and fleet on the declared grammar (issue 12): --help exits 0 on each command and fleet subcommand,
/// a bad number, an unknown option or a missing required option/argument is one usage line, exit 2, before any work.
/// </summary>
public sealed class ToolVerbGrammarTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CommandLine.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static void AssertUsage(string[] args, string expected)
    {
        var (exit, _, err) = Run(args);
        Assert.True(exit == 2, $"{string.Join(' ', args)} exited {exit}: {err}");
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}:\n{err}");
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string[]> HelpCases => new()
    {
        { ["quantize", "--help"], ["--calibration-dir", "--percentile", "--keep-float", "--report-images"] },
        { ["quantize", "eval", "--help"], ["--predictions", "--step"] },
        { ["compare", "--help"], ["--dataset", "--figure-ids", "--only", "--iterations"] },
        { ["fleet", "--help"], ["keygen", "sign", "enroll", "publish", "status", "rollout"] },
        { ["fleet", "keygen", "--help"], ["--out", "--key-id"] },
        { ["fleet", "sign", "--help"], ["--key", "--version", "--golden-min-agreement", "--expires-in-hours", "--no-shapes"] },
        { ["fleet", "enroll", "--help"], ["--device", "--devices", "--pub", "--broker", "--credentials"] },
        { ["fleet", "publish", "--help"], ["--group", "--chunk-size", "--clear", "--ca-file"] },
        { ["fleet", "status", "--help"], ["--broker", "--wait-ms", "--devices", "--username"] },
        { ["fleet", "rollout", "--help"], ["--stages", "--success", "--max-failures", "--allow-unsigned-states", "--discovery-ms"] },
    };

    [Theory]
    [MemberData(nameof(HelpCases))]
    public void HelpExitsZeroAndListsTheOptions(string[] args, string[] options)
    {
        var (exit, output, err) = Run(args);
        Assert.True(exit == 0, $"{string.Join(' ', args)} exited {exit}: {err}");
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        foreach (string o in options) Assert.Contains(o, output, StringComparison.Ordinal);
    }

    [Fact]
    public void FleetHasExactlyTheSixSubcommands()
    {
        Command fleet = CommandLine.BuildRoot(TextWriter.Null).Subcommands.Single(c => c.Name == "fleet");
        Assert.Equal(["enroll", "keygen", "publish", "rollout", "sign", "status"], fleet.Subcommands.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    // Bad numbers (each was exit 1 or silently accepted by the hand parsers).
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite", "--calibration-dir", "d", "--percentile", "abc" }, "--percentile expects a number, got 'abc'")]
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite", "--calibration-dir", "d", "--percentile", "250" }, "--percentile must be 0..100, got 250")]
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite", "--calibration-dir", "d", "--max-images", "x" }, "--max-images expects a whole number, got 'x'")]
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite", "--calibration-dir", "d", "--keep-float", "3,x" }, "--keep-float: 'x'")]
    [InlineData(new[] { "quantize", "eval", "m.tflite", "voc", "--step", "0" }, "--step must be at least 1, got 0")]
    [InlineData(new[] { "compare", "--dataset", "voc", "--percentile", "1,5" }, "--percentile expects a number, got '1,5'")]
    [InlineData(new[] { "compare", "--dataset", "voc", "--limit", "ten" }, "--limit expects a whole number, got 'ten'")]
    [InlineData(new[] { "fleet", "sign", "m.tflite", "--key", "k.pem", "--name", "n", "--version", "0", "--out", "m.json" }, "--version must be at least 1, got 0")]
    [InlineData(new[] { "fleet", "sign", "m.tflite", "--key", "k.pem", "--name", "n", "--version", "1", "--out", "m.json", "--expires", "soon" }, "--expires expects an ISO 8601 time")]
    [InlineData(new[] { "fleet", "rollout", "m.json", "--stages", "c:d", "--broker", "h:1", "--success", "1.5" }, "--success must be 0..1, got 1.5")]
    [InlineData(new[] { "fleet", "status", "--broker", "h:1", "--wait-ms", "-1" }, "--wait-ms must be at least 0, got -1")]
    // Unknown options and words.
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite", "--calibration-dir", "d", "--bogus" }, "--bogus")]
    [InlineData(new[] { "compare", "--dataset", "voc", "--bogus", "1" }, "--bogus")]
    [InlineData(new[] { "fleet", "keygen", "--out", "d", "--bogus" }, "--bogus")]
    [InlineData(new[] { "fleet", "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite", "--calibration-dir", "d", "--calibration", "median" }, "median")]
    // Missing required options, arguments and subcommands.
    [InlineData(new[] { "quantize", "f.tflite", "o.tflite" }, "--calibration-dir")]
    [InlineData(new[] { "quantize", "--calibration-dir", "d" }, "quantize")]
    [InlineData(new[] { "compare" }, "--dataset")]
    [InlineData(new[] { "compare", "--dataset", "/nonexistent/voc", "--iterations", "0" }, "--iterations must be at least 1, got 0")]
    [InlineData(new[] { "fleet" }, "fleet")]
    [InlineData(new[] { "fleet", "keygen" }, "--out")]
    [InlineData(new[] { "fleet", "sign", "m.tflite", "--key", "k.pem", "--name", "n", "--out", "m.json" }, "--version")]
    [InlineData(new[] { "fleet", "publish", "m.json", "--device", "d" }, "--broker")]
    [InlineData(new[] { "fleet", "rollout", "m.json", "--broker", "h:1" }, "--stages")]
    [InlineData(new[] { "fleet", "enroll", "--devices", "d", "--pub", "p.pem" }, "--device")]
    public void UsageErrorsAreOneLineExitTwo(string[] args, string expected) => AssertUsage(args, expected);

    [Fact]
    public void CheckedAfterParsingStillExitTwo()
    {
        // Rules across options, enforced by the command itself as a CliException.
        AssertUsage(["fleet", "publish", "m.json", "--broker", "h:1"], "give exactly one of --device D or --group G");
        AssertUsage(["fleet", "enroll", "--device", "d", "--devices", "dir"], "give exactly one of --pub FILE or --broker host:port");
    }

    [Fact]
    public void KeygenWritesTheKeyPairAndRefusesToOverwriteIt()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-keys-").FullName;
        try
        {
            var (exit, _, err) = Run("fleet", "keygen", "--out", dir, "--key-id", "k1");
            Assert.True(exit == 0, err);
            Assert.True(File.Exists(Path.Combine(dir, "k1.key.pem")));
            Assert.StartsWith("-----BEGIN", File.ReadAllText(Path.Combine(dir, "k1.pub.pem")), StringComparison.Ordinal);
            AssertUsage(["fleet", "keygen", "--out", dir, "--key-id", "k1"], "refusing to overwrite a key");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SignWithAMissingKeyIsARuntimeFailureNamedAfterTheSubcommand()
    {
        string model = Support.SharedData.Model(Support.SharedData.CoralDm05);
        string outPath = Path.Combine(Path.GetTempPath(), $"edgert-m-{Guid.NewGuid():N}.json");
        var (exit, _, err) = Run("fleet", "sign", model, "--key", "/nonexistent/k.key.pem", "--name", "n", "--version", "3",
            "--url", "https://example.invalid/m.tflite", "--out", outPath);
        Assert.Equal(1, exit);
        Assert.StartsWith("edgert fleet sign: ", err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(outPath));
    }
}
