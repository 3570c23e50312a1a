using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace EdgeRuntime.Compare;

/// <summary>One model's row of the comparison.</summary>
public sealed record CompareRow
{
    public required string Key { get; init; }
    public required string Label { get; init; }
    public required string Kind { get; init; }
    public required string File { get; init; }
    public long FileBytes { get; init; }
    public long ArenaBytes { get; init; }
    public long PackedWeightBytes { get; init; }
    public required string Kernels { get; init; }
    public required string Input { get; init; }
    public double LatencyP50Ms { get; init; }
    public double LatencyMinMs { get; init; }
    public long Macs { get; init; }
    /// <summary>Fraction of the MACs whose input activation is int8/uint8 (the Pi estimate needs ~all of them).</summary>
    public double IntegerMacFraction { get; init; }
    /// <summary>Single-core estimates (ms) = MACs / int8 GMAC/s of docs/performance.md; null for float compute.</summary>
    public double? Pi5EstMsLow { get; init; }
    public double? Pi5EstMsHigh { get; init; }
    public double? Pi4EstMsLow { get; init; }
    public double? Pi4EstMsHigh { get; init; }
    public double MeanIoU { get; init; }
    public double PixelAccuracy { get; init; }
    public string? Reference { get; init; }
    /// <summary>Fraction of pixels equal to the reference model's class maps (null for references).</summary>
    public double? Agreement { get; init; }
    public int Images { get; init; }
    public double SecondsPerImage { get; init; }
    /// <summary>PTQ models: seconds spent in calibration + rewrite.</summary>
    public double? QuantizeSeconds { get; init; }
}

public sealed record CompareReport
{
    public required string Dataset { get; init; }
    public string? List { get; init; }
    public int Images { get; init; }
    public required IReadOnlyList<string> CalibrationImages { get; init; }
    public required string CalibrationNote { get; init; }
    public required string LatencyImage { get; init; }
    public int Warmup { get; init; }
    public int Iterations { get; init; }
    public int Threads { get; init; }
    public required string Machine { get; init; }
    public required string EstimateMethod { get; init; }
    public required IReadOnlyList<CompareRow> Rows { get; init; }
    public string? Figure { get; init; }
    public IReadOnlyList<string> FigureIds { get; init; } = [];
    public IReadOnlyList<string> FigureColumns { get; init; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CompareReport))]
public sealed partial class CompareJsonContext : JsonSerializerContext;

/// <summary>The Markdown table of a <see cref="CompareReport"/>.</summary>
public static class CompareMarkdown
{
    public static string Format(CompareReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"Dataset: {r.Dataset}{(r.List is null ? "" : $" ({Path.GetFileName(r.List)})")}, {r.Images} images; mIoU = one confusion matrix over all images (DeepLab protocol), each model on its own evaluation protocol (257: resize, 513: top-left pad).");
        sb.AppendLine();
        sb.AppendLine("| model | kind | file | arena | x64 p50 (1 thread) | Pi 5 est. | Pi 4 est. | GMAC | mIoU | pixel agreement |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (CompareRow row in r.Rows)
        {
            string agreement = row.Agreement is double a ? string.Create(c, $"{a * 100:F2}% vs {row.Reference}") : "(reference)";
            sb.AppendLine(c, $"| {row.Label} | {row.Kind} | {Mb(row.FileBytes)} | {Mb(row.ArenaBytes)} | {row.LatencyP50Ms:F0} ms | {Est(row.Pi5EstMsLow, row.Pi5EstMsHigh)} | {Est(row.Pi4EstMsLow, row.Pi4EstMsHigh)} | {row.Macs / 1e9:F2} | {row.MeanIoU * 100:F2} | {agreement} |");
        }
        sb.AppendLine();
        sb.AppendLine(c, $"- Latency: x64 ({r.Machine}), {r.Threads} thread, best kernels, preprocessing + inference + class map at image size, {r.Warmup} warm-up + {r.Iterations} timed runs on {r.LatencyImage}; median.");
        sb.AppendLine(c, $"- Pi est.: {r.EstimateMethod}");
        sb.AppendLine("- Pixel agreement: fraction of pixels with the same class as the float reference of the family: PTQ of the 257 model vs float 257; PTQ of the TF Hub model, TF Hub int8 and the Coral QAT models vs the TF Hub dynamic-range model (int8 weights, float compute; the float-ish reference of the 513 family — Coral is a different training run, so its agreement also reflects training, not only quantization).");
        sb.AppendLine(c, $"- Calibration (PTQ rows): {r.CalibrationNote}");
        sb.AppendLine("- Arena: the planned activation arena of our interpreter (excluding weights).");
        if (r.Figure is not null)
            sb.AppendLine(c, $"- Figure `{Path.GetFileName(r.Figure)}`: rows {string.Join(", ", r.FigureIds)}; columns {string.Join(" | ", r.FigureColumns)}.");
        return sb.ToString();
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F2} MB");

    private static string Est(double? lo, double? hi) =>
        lo is double l && hi is double h ? string.Create(CultureInfo.InvariantCulture, $"est. {l:F0}-{h:F0} ms") : "n/a (float)";
}
