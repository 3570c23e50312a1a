using System.Globalization;

namespace EdgeRuntime.Bench;

/// <summary>
/// Resident-set figures of this process from /proc/self/status (Linux): VmRSS (now) and VmHWM (peak, "high water
/// mark"). Writing "5" to /proc/self/clear_refs resets VmHWM to the current RSS, so a peak can be attributed to one
/// phase. Elsewhere, or without /proc, values are -1 and reset reports false.
/// </summary>
public static class ProcessMemory
{
    public static long CurrentRssBytes() => ReadStatus("VmRSS:");

    public static long PeakRssBytes() => ReadStatus("VmHWM:");

    /// <summary>Full, compacting GC, so managed garbage of an earlier phase does not blur the next baseline.</summary>
    public static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Resets VmHWM to the current RSS. False when the kernel does not allow it (then the peak is the process lifetime's).</summary>
    public static bool TryResetPeak()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ReadStatus(string key)
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
                // "VmHWM:	  123456 kB"
                string[] parts = line[key.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }
}
