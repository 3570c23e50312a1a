using System.CommandLine;
using System.Text.Json;
using EdgeRuntime.Cli;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Cli;

/// <summary>
/// The edgert-tools grammar run in-process (it holds every verb of both programs): each case of issue 12's list exits
/// 1 or 2 with one line and no stack frame, every --help exits 0.
/// </summary>
public sealed class CommandLineTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CommandLine.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The failure is exactly one line naming <paramref name="expected"/>, without stack frames.</summary>
    private static void AssertOneLine(string err, string expected)
    {
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}:\n{err}");
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    private static IEnumerable<string[]> CommandPaths(Command c, string[] prefix)
    {
        foreach (Command sub in c.Subcommands)
        {
            string[] path = [.. prefix, sub.Name];
            yield return path;
            foreach (string[] deeper in CommandPaths(sub, path)) yield return deeper;
        }
    }

    [Fact]
    public void EveryCommandHelpExitsZero()
    {
        var paths = CommandPaths(CommandLine.BuildRoot(TextWriter.Null), []).ToList();
        Assert.Contains(paths, p => p.SequenceEqual(new[] { "selftest", "kernels" }));
        Assert.True(paths.Count >= 14, $"only {paths.Count} commands");
        foreach (string[] path in paths)
        {
            var (exit, output, err) = Run([.. path, "--help"]);
            Assert.True(exit == 0, $"{string.Join(' ', path)} --help exited {exit}: {err}");
            Assert.True(output.Contains("Usage:", StringComparison.Ordinal), $"{string.Join(' ', path)} --help printed no usage");
        }
    }

    [Fact]
    public void RootHelpListsCommandsAndExitCodes()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        Assert.Contains("exit codes: 0 ok, 1 runtime failure", output, StringComparison.Ordinal);
        Assert.Contains("inspect", output, StringComparison.Ordinal);
        Assert.Contains("quantize", output, StringComparison.Ordinal);
    }

    [Fact]
    public void VersionNamesCommitAndKernelVariant()
    {
        var (exit, output, _) = Run("--version");
        Assert.Equal(0, exit);
        Assert.Contains("(commit ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("commit unknown", output, StringComparison.Ordinal);
        Assert.Contains("kernels " + EdgeRuntime.Kernels.KernelDispatcher.Name(EdgeRuntime.Kernels.KernelDispatcher.Detect()), output, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCommandIsAUsageError() => Assert.Equal(2, Run().Exit);

    [Theory]
    [InlineData(new[] { "inspect", "m.tflite", "--bogus" }, "--bogus")]
    [InlineData(new[] { "inspect", "a.tflite", "b.tflite" }, "b.tflite")]
    [InlineData(new[] { "run", "--model", "m.tflite", "--source", "synthetic:", "--bogus" }, "--bogus")]
    [InlineData(new[] { "run", "--model", "m.tflite", "--source", "synthetic:", "extra" }, "extra")]
    [InlineData(new[] { "run", "--threads", "abc" }, "--threads expects a whole number, got 'abc'")]
    [InlineData(new[] { "eval", "m.tflite", "voc", "--limit", "-5" }, "--limit must be at least 1, got -5")]
    [InlineData(new[] { "bench", "m.tflite", "--iterations", "0" }, "--iterations must be at least 1, got 0")]
    [InlineData(new[] { "bench", "m.tflite", "--threads", "abc" }, "--threads expects a whole number")]
    [InlineData(new[] { "infer", "m.tflite", "i.jpg" }, "--out")]
    [InlineData(new[] { "infer", "m.tflite", "i.jpg", "--out", "o.png", "--mode", "stretch" }, "stretch")]
    [InlineData(new[] { "nosuchverb" }, "nosuchverb")]
    public void UsageErrorsAreOneLineExitTwo(string[] args, string expected)
    {
        var (exit, _, err) = Run(args);
        Assert.Equal(2, exit);
        AssertOneLine(err, expected);
    }

    [Fact]
    public void RunWithoutModelSaysModelIsRequired()
    {
        var (exit, _, err) = Run("run", "--source", "synthetic:");
        Assert.Equal(2, exit);
        AssertOneLine(err, "--model is required");
    }

    [Fact]
    public void RunHelpShowsModelAndExitsZero()
    {
        var (exit, output, _) = Run("run", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--model", output, StringComparison.Ordinal);
        Assert.Contains("required", output, StringComparison.Ordinal);
        Assert.Contains("--status-interval", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DirectoryWhereAFileIsWantedIsOneLine()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-cli").FullName;
        try
        {
            string model = SharedData.Model(SharedData.CoralDm05);
            foreach (string[] args in new[]
            {
                new[] { "inspect", dir },
                ["infer", model, dir, "--out", "x.png"],
                ["infer", model, "img.jpg", "--out", dir],
                ["eval", model, "voc", "--json", dir],
                ["bench", model, "--json", dir],
                ["export-onnx", model, dir],
            })
            {
                var (exit, _, err) = Run(args);
                Assert.True(exit == 2, $"{string.Join(' ', args)} exited {exit}: {err}");
                AssertOneLine(err, "is a directory");
            }
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void TextFileAsModelIsNotATfliteModel()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "hello, this is a text file and not a model at all\n");
            var (exit, _, err) = Run("inspect", path);
            Assert.Equal(1, exit);
            AssertOneLine(err, "not a TFLite model");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingModelIsFileNotFound()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"edgert-missing-{Guid.NewGuid():N}.tflite");
        var (exit, _, err) = Run("inspect", missing);
        Assert.Equal(1, exit);
        AssertOneLine(err, "file not found: " + missing);
        (exit, _, err) = Run("inspect", "/nonexistent-dir/model.tflite");
        Assert.Equal(1, exit);
        AssertOneLine(err, "not found");
    }

    [Fact]
    public void QuantizeGivenAUint8ModelIsOneLine()
    {
        string outPath = Path.Combine(Path.GetTempPath(), $"edgert-q-{Guid.NewGuid():N}.tflite");
        var (exit, _, err) = Run("quantize", SharedData.Model(SharedData.CoralDm05), outPath, "--calibration-dir", SharedData.Path("data", "voc2012_val", "JPEGImages"));
        Assert.Equal(1, exit);
        AssertOneLine(err, "already quantized");
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void EvalJsonOnASubsetIsValidJsonWithNullForAbsentClasses()
    {
        string dir = Directory.CreateTempSubdirectory("edgert-eval").FullName;
        try
        {
            string voc = SharedData.Path("data", "voc2012_val");
            string list = Path.Combine(dir, "ids.txt");
            File.WriteAllLines(list, File.ReadLines(Path.Combine(voc, "val_first200.txt")).Take(1));
            string json = Path.Combine(dir, "eval.json");
            var (exit, _, err) = Run("eval", SharedData.Model(SharedData.CoralDm05), voc, "--list", list, "--json", json, "--quiet");
            Assert.True(exit == 0, err);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var perClass = doc.RootElement.GetProperty("perClassIoU");
            // One image holds a few of the 21 classes: the others have no IoU, written as null.
            Assert.Contains(perClass.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Null);
            Assert.Contains(perClass.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Number);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void UnexpectedExceptionIsOneLineAndDetailOnlyWhenVerbose()
    {
        var quiet = new StringWriter();
        Assert.Equal(1, FailureReport.Write(new InvalidOperationException("boom"), "edgert x", verbose: false, quiet));
        AssertOneLine(quiet.ToString(), "unexpected InvalidOperationException: boom");
        var verbose = new StringWriter();
        try { throw new InvalidOperationException("boom"); }
        catch (InvalidOperationException e) { FailureReport.Write(e, "edgert x", verbose: true, verbose); }
        Assert.Contains("   at ", verbose.ToString(), StringComparison.Ordinal);
    }
}
