using System.Globalization;
using System.Text;

namespace EdgeRuntime.WebConsole.Metrics;

/// <summary>
/// Prometheus text exposition format 0.0.4: one HELP and one TYPE line per family, then its samples;
/// label values escaped (backslash, double quote, newline), values as Go's strconv would print them (+Inf, -Inf, NaN).
/// </summary>
internal sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _sb = new();

    public void Family(string name, string type, string help)
    {
        _sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, IReadOnlyList<KeyValuePair<string, string>> labels, double value, string? extraLabel = null, string? extraValue = null)
    {
        _sb.Append(name);
        if (labels.Count > 0 || extraLabel is not null)
        {
            _sb.Append('{');
            bool first = true;
            foreach (var (k, v) in labels)
            {
                if (!first) _sb.Append(',');
                first = false;
                _sb.Append(SanitizeName(k)).Append("=\"").Append(EscapeLabel(v)).Append('"');
            }
            if (extraLabel is not null)
            {
                if (!first) _sb.Append(',');
                _sb.Append(extraLabel).Append("=\"").Append(EscapeLabel(extraValue ?? "")).Append('"');
            }
            _sb.Append('}');
        }
        _sb.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    public override string ToString() => _sb.ToString();

    public static string FormatValue(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

    public static string EscapeLabel(string v)
    {
        if (v.AsSpan().IndexOfAny('\\', '"', '\n') < 0) return v;
        return v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    private static string EscapeHelp(string v) => v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]*: anything else becomes '_' (labels: no ':').</summary>
    public static string SanitizeName(string name, bool allowColon = false)
    {
        if (name.Length == 0) return "_";
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            bool ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok) chars[i] = '_';
        }
        return new string(chars);
    }
}
