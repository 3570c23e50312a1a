using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4 (as Prometheus' own parser reads it): HELP then TYPE
/// before a family's samples, every sample in a declared family with an allowed suffix, valid names, quoted label values
/// with only \\, \" and \n escapes, float values (+Inf, -Inf, NaN), no duplicate series, and for histograms: le labels
/// ascending, cumulative counts non-decreasing, a +Inf bucket equal to _count, _sum present. Throws FormatException.
/// </summary>
internal static partial class PrometheusTextParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record Family(string Name, string Type, string Help, List<Sample> Samples);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static Dictionary<string, Family> Parse(string text)
    {
        if (!text.EndsWith('\n')) throw new FormatException("the exposition must end with a newline");
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Family? current = null;
        string? pendingHelp = null, pendingHelpName = null;
        int lineNo = 0;
        foreach (var line in text[..^1].Split('\n'))
        {
            lineNo++;
            if (line.Length == 0) throw new FormatException($"line {lineNo}: empty line");
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                int sp = rest.IndexOf(' ', StringComparison.Ordinal);
                if (sp <= 0) throw new FormatException($"line {lineNo}: HELP without text");
                pendingHelpName = rest[..sp];
                pendingHelp = rest[(sp + 1)..];
                if (!MetricName().IsMatch(pendingHelpName)) throw new FormatException($"line {lineNo}: bad metric name {pendingHelpName}");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                if (parts.Length != 2) throw new FormatException($"line {lineNo}: TYPE needs a name and a type");
                if (parts[0] != pendingHelpName) throw new FormatException($"line {lineNo}: TYPE {parts[0]} without its HELP just before");
                if (parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped")) throw new FormatException($"line {lineNo}: unknown type {parts[1]}");
                if (families.ContainsKey(parts[0])) throw new FormatException($"line {lineNo}: family {parts[0]} declared twice");
                current = new Family(parts[0], parts[1], pendingHelp!, []);
                families.Add(current.Name, current);
                pendingHelpName = null;
                continue;
            }
            if (line.StartsWith('#')) throw new FormatException($"line {lineNo}: unexpected comment");
            var sample = ParseSample(line, lineNo);
            if (current is null || !BelongsTo(sample.Name, current))
                throw new FormatException($"line {lineNo}: sample {sample.Name} outside its family (current: {current?.Name ?? "none"})");
            string key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
            if (!seen.Add(key)) throw new FormatException($"line {lineNo}: duplicate series {key}");
            current.Samples.Add(sample);
        }
        foreach (var f in families.Values)
            if (f.Type == "histogram") CheckHistogram(f);
        return families;
    }

    private static bool BelongsTo(string name, Family f) => f.Type switch
    {
        "counter" => name == f.Name + "_total",
        "histogram" => name == f.Name + "_bucket" || name == f.Name + "_sum" || name == f.Name + "_count",
        _ => name == f.Name,
    };

    private static Sample ParseSample(string line, int lineNo)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        string name = line[..i];
        if (!MetricName().IsMatch(name)) throw new FormatException($"line {lineNo}: bad metric name '{name}'");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                if (eq < 0) throw new FormatException($"line {lineNo}: label without '='");
                string label = line[i..eq];
                if (!LabelName().IsMatch(label)) throw new FormatException($"line {lineNo}: bad label name '{label}'");
                if (line[eq + 1] != '"') throw new FormatException($"line {lineNo}: label value not quoted");
                var value = new StringBuilder();
                int j = eq + 2;
                for (; ; j++)
                {
                    if (j >= line.Length) throw new FormatException($"line {lineNo}: unterminated label value");
                    char ch = line[j];
                    if (ch == '"') break;
                    if (ch == '\\')
                    {
                        char e = line[++j];
                        value.Append(e switch { '\\' => '\\', '"' => '"', 'n' => '\n', _ => throw new FormatException($"line {lineNo}: bad escape \\{e}") });
                    }
                    else value.Append(ch);
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"line {lineNo}: label {label} twice");
                i = j + 1;
                if (line[i] == ',') i++;
                else if (line[i] != '}') throw new FormatException($"line {lineNo}: expected ',' or '}}' after a label");
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"line {lineNo}: no space before the value");
        string v = line[(i + 1)..];
        if (v.Contains(' ', StringComparison.Ordinal)) throw new FormatException($"line {lineNo}: timestamps are not expected here");
        double d = v switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new FormatException($"line {lineNo}: bad value '{v}'"),
        };
        return new Sample(name, labels, d);
    }

    private static void CheckHistogram(Family f)
    {
        var series = f.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)));
        foreach (var g in series)
        {
            var buckets = g.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
            if (buckets.Count == 0) throw new FormatException($"{f.Name}{{{g.Key}}}: no buckets");
            double lastLe = double.NegativeInfinity, lastCount = 0;
            foreach (var b in buckets)
            {
                if (!b.Labels.TryGetValue("le", out var leText)) throw new FormatException($"{f.Name}: bucket without le");
                double le = leText == "+Inf" ? double.PositiveInfinity : double.Parse(leText, CultureInfo.InvariantCulture);
                if (le <= lastLe) throw new FormatException($"{f.Name}{{{g.Key}}}: le {leText} not ascending");
                if (b.Value < lastCount) throw new FormatException($"{f.Name}{{{g.Key}}}: bucket counts decrease at le {leText}");
                lastLe = le;
                lastCount = b.Value;
            }
            if (!double.IsPositiveInfinity(lastLe)) throw new FormatException($"{f.Name}{{{g.Key}}}: no +Inf bucket");
            var count = g.SingleOrDefault(s => s.Name.EndsWith("_count", StringComparison.Ordinal)) ?? throw new FormatException($"{f.Name}{{{g.Key}}}: no _count");
            _ = g.SingleOrDefault(s => s.Name.EndsWith("_sum", StringComparison.Ordinal)) ?? throw new FormatException($"{f.Name}{{{g.Key}}}: no _sum");
            if (count.Value != lastCount) throw new FormatException($"{f.Name}{{{g.Key}}}: +Inf bucket {lastCount} != _count {count.Value}");
        }
    }
}
