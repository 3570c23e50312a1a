namespace EdgeRuntime.Ota;

/// <summary>
/// Fault injection for power-cut tests: with EDGERT_OTA_CRASH_AT=&lt;point&gt; the process prints
/// "EDGERT_OTA_CRASH_POINT &lt;point&gt;" on stdout at that step of an install and freezes there,
/// so the test can SIGKILL it exactly in that state. Points: after-download, after-write, before-rename, after-rename.
/// </summary>
public static class CrashPoints
{
    public const string Variable = "EDGERT_OTA_CRASH_AT";
    public const string AfterDownload = "after-download";
    public const string AfterWrite = "after-write";
    public const string BeforeRename = "before-rename";
    public const string AfterRename = "after-rename";

    public static void Hit(string point)
    {
        if (!string.Equals(Environment.GetEnvironmentVariable(Variable), point, StringComparison.Ordinal)) return;
        Console.Out.WriteLine($"EDGERT_OTA_CRASH_POINT {point}");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
}
