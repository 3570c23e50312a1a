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

    /// <summary>
    /// A command whose own parser reads the words after it (quantize, compare, fleet: their options are listed in the
    /// description, which is what --help prints). The words go through unchanged and in order.
    /// </summary>
    public static Command Passthrough(string name, string description, Func<string[], int> run)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        command.Add(new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore, Description = "see above" });
        command.SetAction(parse => run(WordsAfter(parse)));
        return command;
    }

    /// <summary>The words after the command's own name, in order (the global --verbose left out).</summary>
    internal static string[] WordsAfter(ParseResult parse)
    {
        var words = new List<string>();
        Token id = parse.CommandResult.IdentifierToken;
        bool after = false;
        foreach (Token t in parse.Tokens)
        {
            if (after && t.Value != "--verbose") words.Add(t.Value);
            else if (ReferenceEquals(t, id) || (t.Type == TokenType.Command && t.Value == id.Value)) after = true;
        }
        return [.. words];
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

    private static void NotADirectory(SymbolResult r, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value) && Directory.Exists(value))
            r.AddError($"{name} '{value}' is a directory; give a file path");
    }
}
