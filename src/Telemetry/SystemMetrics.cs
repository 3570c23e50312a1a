using System.Globalization;

namespace EdgeRuntime.Telemetry;

/// <summary>Process and board readings for telemetry (Linux /proc and /sys; null elsewhere).</summary>
public static class SystemMetrics
{
    /// <summary>VmRSS of this process in bytes, or null when /proc/self/status is unavailable.</summary>
    public static long? ReadRssBytes(string statusPath = "/proc/self/status")
    {
        try
        {
            if (!File.Exists(statusPath)) return null;
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return ParseKbLine(line.AsSpan(6));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Parses "   12345 kB" into bytes.</summary>
    internal static long? ParseKbLine(ReadOnlySpan<char> rest)
    {
        rest = rest.Trim();
        int space = rest.IndexOf(' ');
        var number = space < 0 ? rest : rest[..space];
        if (!long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb)) return null;
        var unit = space < 0 ? ReadOnlySpan<char>.Empty : rest[(space + 1)..].Trim();
        return unit.Equals("kB", StringComparison.OrdinalIgnoreCase) || unit.IsEmpty ? kb * 1024 : null;
    }
}
