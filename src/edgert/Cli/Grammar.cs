using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EdgeRuntime.Cli;

/// <summary>
/// Builders for the declared grammar (System.CommandLine, no reflection binding): every option says its type and range
/// here, so a bad value is one usage line (exit 2) before any command code runs.
/// </summary>
internal static class Grammar
{
    /// <summary>A command whose action reads its values through <see cref="CliArgs"/>.</summary>
    public static Command Verb(string name, string description, Func<CliArgs, int> run, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (Symbol s in symbols) Add(command, s);
        command.SetAction(parse => run(new CliArgs(parse)));
        return command;
    }

    /// <summary>A command that only groups subcommands (fleet): given alone it is a usage error naming them.</summary>
    public static Command Group(string name, string description, params Command[] subcommands)
    {
        var command = new Command(name, description);
        foreach (Command c in subcommands) command.Add(c);
        return command;
    }

    public static void Add(Command command, Symbol s)
    {
        switch (s)
        {
            case Argument a: command.Add(a); break;
            case Option o: command.Add(o); break;
            case Command c: command.Add(c); break;
            default: throw new ArgumentException($"cannot add {s.GetType().Name}", nameof(s));
        }
    }

    /// <summary>A file the command reads: a directory is refused here, a missing file when it is opened (exit 1).</summary>
    public static Argument<string> InFile(string name, string description)
    {
        var a = new Argument<string>(name) { Description = description };
        a.Validators.Add(r => NotADirectory(r, name, r.GetValueOrDefault<string>()));
        return a;
    }

    /// <summary>A file the command writes: refused when it names a directory.</summary>
    public static Argument<string> OutFile(string name, string description) => InFile(name, description);

    /// <summary>An optional positional argument (e.g. a folder).</summary>
    public static Argument<string> Folder(string name, string description) => new(name) { Description = description };

    /// <summary>--NAME PATH of a file to read or write (a directory is refused).</summary>
    public static Option<string> FileOption(string name, string description, bool required = false)
    {
        var o = new Option<string>(name) { Description = description, HelpName = "FILE", Required = required };
        o.Validators.Add(r => NotADirectory(r, name, r.GetValueOrDefault<string>()));
        return o;
    }

    public static Option<string> Text(string name, string description, string helpName = "VALUE") =>
        new(name) { Description = description, HelpName = helpName };

    public static Option<string> Choice(string name, string description, params string[] values)
    {
        var o = new Option<string>(name) { Description = description };
        o.AcceptOnlyFromAmong(values);
        return o;
    }

    public static Option<bool> Switch(string name, string description) => new(name) { Description = description };

    /// <summary>--NAME N, a whole number of at least <paramref name="min"/> (and at most <paramref name="max"/>).</summary>
    public static Option<int> Int(string name, string description, int min, int max = int.MaxValue)
    {
        var o = new Option<int>(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = r =>
            {
                string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                {
                    r.AddError($"{name} expects a whole number, got '{text}'");
                    return 0;
                }
                if (n < min || n > max)
                    r.AddError(max == int.MaxValue ? $"{name} must be at least {min}, got {n}" : $"{name} must be {min}..{max}, got {n}");
                return n;
            },
        };
        return o;
    }

    /// <summary>--NAME N, a whole number (64-bit) of at least <paramref name="min"/>.</summary>
    public static Option<long> Long(string name, string description, long min)
    {
        return new Option<long>(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = r =>
            {
                string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n))
                {
                    r.AddError($"{name} expects a whole number, got '{text}'");
                    return 0;
                }
                if (n < min) r.AddError($"{name} must be at least {min}, got {n}");
                return n;
            },
        };
    }

    /// <summary>--NAME X, a finite number (invariant culture: 0.5, 1e-3) in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<double> Double(string name, string description, double min, double max = double.MaxValue, string helpName = "X")
    {
        return new Option<double>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = r =>
            {
                string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
                {
                    r.AddError($"{name} expects a number, got '{text}'");
                    return 0;
                }
                if (x < min || x > max)
                    r.AddError(max == double.MaxValue
                        ? string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {min}, got {x}")
                        : string.Create(CultureInfo.InvariantCulture, $"{name} must be {min}..{max}, got {x}"));
                return x;
            },
        };
    }

    /// <summary>--NAME I,J,...: a comma-separated list of whole numbers of at least <paramref name="min"/>.</summary>
    public static Option<string> IntList(string name, string description, int min)
    {
        var o = new Option<string>(name) { Description = description, HelpName = "I,J,..." };
        o.Validators.Add(r =>
        {
            foreach (string s in (r.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) || i < min)
                {
                    r.AddError($"{name}: '{s}' is not a whole number of at least {min}");
                    return;
                }
        });
        return o;
    }

    /// <summary>--NAME TIME, an ISO 8601 date and time (UTC unless it says otherwise).</summary>
    public static Option<string> Time(string name, string description)
    {
        var o = new Option<string>(name) { Description = description, HelpName = "ISO8601" };
        o.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (v is not null && !DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                r.AddError($"{name} expects an ISO 8601 time (e.g. 2026-12-31T23:00:00Z), got '{v}'");
        });
        return o;
    }

    /// <summary>The same option set marked required (Text/FileOption... stay the one place that builds it).</summary>
    public static T Required<T>(T option) where T : Option
    {
        option.Required = true;
        return option;
    }

    /// <summary>The same symbol hidden from --help (helpers kept for scripts, aliases).</summary>
    public static T Hidden<T>(T symbol) where T : Symbol
    {
        symbol.Hidden = true;
        return symbol;
    }

    private static void NotADirectory(SymbolResult r, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value) && Directory.Exists(value))
            r.AddError($"{name} '{value}' is a directory; give a file path");
    }
}
