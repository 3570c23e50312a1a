using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EdgeRuntime.Cli;

/// <summary>
/// What a command reads its arguments through. Normally a view of System.CommandLine's parse of the command's declared
/// grammar (<see cref="CliArgs(ParseResult)"/>: types, ranges and unknown options were checked there); the string[]
/// form is a small parser kept for tests that call a command's Run(string[]) directly (bench, ort-agreement).
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly ParseResult? _parse;

    public CliArgs(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        _parse = parse;
        var positional = new List<string>();
        foreach (Argument a in parse.CommandResult.Command.Arguments)
            if (parse.GetResult(a) is ArgumentResult r)
                foreach (Token t in r.Tokens) positional.Add(t.Value);
        Positional = positional;
    }

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
        if (_parse is not null)
        {
            Option o = Declared(name);
            return _parse.GetResult(o) is { Implicit: false } r ? (o is Option<string> so ? _parse.GetValue(so) : string.Join(',', r.Tokens.Select(t => t.Value))) : null;
        }
        _consumed.Add(name);
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    public bool Flag(string name)
    {
        if (_parse is not null) return Declared(name) is Option<bool> b && _parse.GetValue(b);
        _consumed.Add(name);
        return _options.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        if (_parse is not null && Declared(name) is Option<int> io)
            return _parse.GetResult(io) is { Implicit: false } ? _parse.GetValue(io) : fallback;
        string? v = Option(name);
        if (v is null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new CliException($"--{name} expects a whole number, got '{v}'");
    }

    /// <summary>A declared <see cref="Grammar.Double"/> option's value, or <paramref name="fallback"/> when it was not given.</summary>
    public double Double(string name, double fallback) => Value(name, fallback);

    /// <summary>A declared <see cref="Grammar.Long"/> option's value, or <paramref name="fallback"/> when it was not given.</summary>
    public long Long(string name, long fallback) => Value(name, fallback);

    private T Value<T>(string name, T fallback)
    {
        if (_parse is null) throw new InvalidOperationException($"--{name}: typed options need the declared grammar");
        if (Declared(name) is not Option<T> o) throw new InvalidOperationException($"option --{name} is not declared as {typeof(T).Name}");
        return _parse.GetResult(o) is { Implicit: false } ? _parse.GetValue(o)! : fallback;
    }

    /// <summary>The option --NAME of this command or a recursive one of its parents (a missing one is a bug in the table).</summary>
    private Option Declared(string name)
    {
        for (SymbolResult? c = _parse!.CommandResult; c is not null; c = c.Parent)
        {
            if (c is not CommandResult cr) continue;
            foreach (Option o in cr.Command.Options)
                if (o.Name == "--" + name && (ReferenceEquals(c, _parse.CommandResult) || o.Recursive)) return o;
        }
        throw new InvalidOperationException($"option --{name} is not declared for '{_parse.CommandResult.Command.Name}'");
    }

    /// <summary>Call after reading every option: fails on options the command does not know (the declared grammar already did).</summary>
    public void RejectUnknown()
    {
        if (_parse is not null) return;
        foreach (string name in _options.Keys)
            if (!_consumed.Contains(name)) throw new CliException($"unknown option --{name}");
    }
}

/// <summary>A usage error: printed without a stack trace, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
