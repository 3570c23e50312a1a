using System.Diagnostics;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Cli;

/// <summary>
/// The device program as a user runs it (a separate process): the top-level handler, the environment checks and the
/// daemon's start-up path, which in-process tests cannot reach without changing process-wide state.
/// </summary>
public sealed class CliProcessTests
{
    private static (int Exit, string Out, string Err) Edgert(IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DeviceProgram.Dll());
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("EDGERT_KERNELS");
        psi.Environment.Remove("EDGERT_VNNI");
        psi.Environment.Remove("EDGERT_CONFIG");
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"edgert {string.Join(' ', args)} did not exit within 60 s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static void AssertOneLine(string err, string expected)
    {
        string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}:\n{err}");
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public void VersionExitsZero()
    {
        var (exit, output, _) = Edgert(null, "--version");
        Assert.Equal(0, exit);
        Assert.StartsWith("edgert ", output, StringComparison.Ordinal);
        Assert.Contains("(commit ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BadKernelsVariableIsOneLineListingTheValidValues()
    {
        var (exit, _, err) = Edgert(new Dictionary<string, string> { ["EDGERT_KERNELS"] = "foo" }, "inspect", SharedData.Model(SharedData.CoralDm05));
        Assert.Equal(2, exit);
        AssertOneLine(err, "reference, portable, avx2, advsimd, advsimd-dot");
    }

    [Fact]
    public void BadVnniVariableIsOneLine()
    {
        var (exit, _, err) = Edgert(new Dictionary<string, string> { ["EDGERT_VNNI"] = "maybe" }, "inspect", SharedData.Model(SharedData.CoralDm05));
        Assert.Equal(2, exit);
        AssertOneLine(err, "EDGERT_VNNI=maybe is not a VNNI setting");
    }

    [Fact]
    public void DirectoryAsModelIsOneLine()
    {
        var (exit, _, err) = Edgert(null, "infer", Path.GetTempPath(), "x.jpg", "--out", "y.png");
        Assert.Equal(2, exit);
        AssertOneLine(err, "is a directory");
    }

    [Fact]
    public void OfflineVerbInTheDeviceBinarySaysWhereItWent()
    {
        var (exit, _, err) = Edgert(null, "quantize", "a.tflite", "b.tflite");
        Assert.Equal(2, exit);
        AssertOneLine(err, "edgert-tools");
    }

    [Fact]
    public void RunThreadsAbcAndRunHelp()
    {
        var (exit, _, err) = Edgert(null, "run", "--threads", "abc");
        Assert.Equal(2, exit);
        AssertOneLine(err, "--threads expects a whole number");
        var help = Edgert(new Dictionary<string, string> { ["EDGERT_CONFIG"] = "/nonexistent/config.json" }, "run", "--help");
        Assert.Equal(0, help.Exit); // help reads no configuration
        Assert.Contains("--model", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void RunWithAMissingModelIsOneLine()
    {
        var (exit, _, err) = Edgert(null, "run", "--model", "/nonexistent/m.tflite", "--source", "synthetic:");
        Assert.Equal(1, exit);
        AssertOneLine(err, "/nonexistent/m.tflite");
    }

    [Fact]
    public void RunWithAMissingConfigFileIsOneLine()
    {
        var (exit, _, err) = Edgert(null, "run", "--model", SharedData.Model(SharedData.CoralDm05), "--source", "synthetic:", "--config", "/nonexistent/edgert.json");
        Assert.Equal(2, exit);
        AssertOneLine(err, "/nonexistent/edgert.json");
    }
}
