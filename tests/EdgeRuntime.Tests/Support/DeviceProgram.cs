namespace EdgeRuntime.Tests.Support;

/// <summary>
/// The device program's dotnet-hosted build (src/edgert/bin/&lt;Configuration&gt;/&lt;tfm&gt;/edgert.dll of this checkout,
/// same configuration as the test assembly). The test project references it without its assembly (the tools
/// program, which it does reference, compiles the same sources), so tests that need a separate edgert process use it.
/// </summary>
internal static class DeviceProgram
{
    public static string Dll()
    {
        string testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        string tfm = Path.GetFileName(testDir);                                  // net10.0
        string config = Path.GetFileName(Path.GetDirectoryName(testDir)!);      // Debug / Release
        string repo = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", ".."));
        string built = Path.Combine(repo, "src", "edgert", "bin", config, tfm, "edgert.dll");
        return File.Exists(built) ? built : throw new FileNotFoundException($"edgert.dll not found at {built}: build the solution first", built);
    }
}
