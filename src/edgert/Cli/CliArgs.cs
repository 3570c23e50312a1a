using System.Globalization;

namespace EdgeRuntime.Cli;

/// <summary>
/// A small, AOT-friendly argument parser: positional arguments, `--name value` options and `--flag` switches.
/// Unknown options are errors, so typos do not pass silently.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args, IReadOnlySet<string> switches)
    {
        var positional = new List<string>();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string a = e.Current;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!switches.Contains(name))
                {
                    if (!e.MoveNext()) throw new CliException($"option --{name} needs a value");
                    value = e.Current;
                }
                _options[name] = value;
            }
            else
            {
                positional.Add(a);
            }
        }
        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    public string Required(int index, string what) =>
        index < Positional.Count ? Positional[index] : throw new CliException($"missing {what}");

    public string? Option(string name)
    {
        _consumed.Add(name);
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _options.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        string? v = Option(name);
        if (v is null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new CliException($"--{name} expects a whole number, got '{v}'");
    }

    /// <summary>Call after reading every option: fails on options the command does not know.</summary>
    public void RejectUnknown()
    {
        foreach (string name in _options.Keys)
            if (!_consumed.Contains(name)) throw new CliException($"unknown option --{name}");
    }
}

/// <summary>A usage error: printed without a stack trace, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
