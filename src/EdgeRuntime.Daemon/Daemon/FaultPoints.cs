namespace EdgeRuntime.Daemon;

/// <summary>
/// Fault injection for the fault suite (off unless EDGERT_FAULT_FILE is set): the file lists active points, one per
/// line, and can be changed while the daemon runs. An active point throws what the real fault would
/// (e.g. slot-write: IOException "No space left on device").
/// </summary>
public static class FaultPoints
{
    public const string Variable = "EDGERT_FAULT_FILE";
    /// <summary>Writing the inactive slot fails as on a full disk.</summary>
    public const string SlotWrite = "slot-write";
    /// <summary>The model verifier (golden check) throws.</summary>
    public const string VerifyThrows = "verify-throws";
    /// <summary>The frame loop throws (checked once per frame).</summary>
    public const string FrameLoop = "frame-loop";
    /// <summary>The frame source throws on open.</summary>
    public const string SourceOpen = "source-open";

    private static readonly string? File_ = Environment.GetEnvironmentVariable(Variable);

    public static bool Enabled => !string.IsNullOrEmpty(File_);

    public static bool IsActive(string point)
    {
        if (string.IsNullOrEmpty(File_)) return false;
        try
        {
            foreach (var line in File.ReadAllLines(File_))
                if (string.Equals(line.Trim(), point, StringComparison.Ordinal)) return true;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }

    public static void Hit(string point)
    {
        if (!IsActive(point)) return;
        throw point switch
        {
            SlotWrite => new IOException("No space left on device (injected)", 28),
            SourceOpen => new IOException("camera is gone (injected)"),
            _ => new InvalidOperationException($"injected fault at {point}"),
        };
    }
}
