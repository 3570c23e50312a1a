using EdgeRuntime.Graph;

namespace EdgeRuntime.Cli;

/// <summary>
/// The top-level handler: whatever a command throws becomes one line saying what is wrong and what to do, exit 1
/// (2 for a <see cref="CliException"/>). The stack trace is printed only with --verbose or EDGERT_VERBOSE=1.
/// </summary>
internal static class FailureReport
{
    public const string VerboseVariable = "EDGERT_VERBOSE";

    public static bool VerboseFromEnvironment() =>
        Environment.GetEnvironmentVariable(VerboseVariable) is { Length: > 0 } v && v != "0";

    public static int Write(Exception thrown, string who, bool verbose, TextWriter error)
    {
        Exception e = Unwrap(thrown);
        (string message, int exit) = Describe(e);
        error.WriteLine($"{who}: {OneLine(message)}");
        if (verbose) error.WriteLine(thrown.ToString());
        return exit;
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is TypeInitializationException or AggregateException or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        return e;
    }

    private static (string Message, int Exit) Describe(Exception e) => e switch
    {
        CliException => (e.Message, 2),
        FileNotFoundException f => ($"file not found: {f.FileName ?? e.Message}", 1),
        DirectoryNotFoundException => ($"not found: {e.Message}", 1),
        UnauthorizedAccessException => ($"{e.Message} (a directory given where a file is wanted, or no permission)", 1),
        ModelFormatException => (e.Message, 1),
        UnsupportedOperatorException => ($"{e.Message} (this build does not run that operator)", 1),
        InvalidDataException or NotSupportedException or PlatformNotSupportedException => (e.Message, 1),
        ArgumentException a => (a.ParamName is null ? a.Message : a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal), 1),
        IOException => (e.Message, 1),
        OperationCanceledException => ("cancelled", 1),
        _ => ($"unexpected {e.GetType().Name}: {e.Message} (rerun with --verbose or {VerboseVariable}=1 for the detail, and please report it)", 1),
    };

    /// <summary>Messages with line breaks (wrapped exceptions, usage text) become one line.</summary>
    public static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
