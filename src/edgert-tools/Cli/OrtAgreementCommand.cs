using System.Globalization;
using System.Text.Json;
using EdgeRuntime.Bench;

namespace EdgeRuntime.Cli;

/// <summary>
/// Hidden verb <c>edgert ort-agreement MODEL DATASET [--limit N] [--threads N] [--min PERCENT] [--json out.json]</c>:
/// pixel agreement of edgert's class maps with ONNX Runtime's (the exported QDQ model) on the images of a VOC-layout
/// folder; --limit N takes N images spread evenly over the sorted set. Exit 0 when the pooled agreement is at least
/// --min (default 99.5 %), 3 when below.
/// </summary>
public static class OrtAgreementCommand
{
    public static int Run(string[] args) => Run(args, Console.Out);

    public static int Run(CliArgs cli) => Run(cli, Console.Out);

    public static int Run(string[] args, TextWriter output) => Run(new CliArgs(args, new HashSet<string> { "quiet" }), output);

    public static int Run(CliArgs cli, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(output);
        string model = cli.Required(0, "MODEL");
        string dataset = cli.Required(1, "DATASET");
        int limit = cli.Int("limit", int.MaxValue);
        int threads = cli.Int("threads", 1);
        string? minText = cli.Option("min");
        string? json = cli.Option("json");
        bool quiet = cli.Flag("quiet");
        cli.RejectUnknown();
        if (limit < 1) throw new CliException("--limit must be at least 1");
        if (threads < 1) throw new CliException("--threads must be at least 1");
        double min = 99.5;
        if (minText is not null && !double.TryParse(minText, NumberStyles.Float, CultureInfo.InvariantCulture, out min))
            throw new CliException($"--min expects a percentage, got '{minText}'");

        IReadOnlyList<string> images = OrtAgreement.Spread(OrtAgreement.DatasetImages(dataset), limit);
        AgreementReport report;
        try
        {
            report = OrtAgreement.Run(model, dataset, images, threads, quiet ? null : r =>
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Id}  {r.Width}x{r.Height}  {r.Agreement * 100:F3} %")));
        }
        catch (Exception e) when (BenchCommand.IsMissingOrt(e))
        {
            Console.Error.WriteLine($"edgert: ONNX Runtime could not be loaded ({BenchCommand.FirstLine(e)}); libonnxruntime.so must sit beside edgert");
            return 1;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ort-agreement: {report.Images} images, {report.EqualPixels:N0} of {report.Pixels:N0} pixels equal = {report.Agreement * 100:F3} % (worst image {report.MinImageId}: {report.MinImageAgreement * 100:F3} %)"));
        if (json is not null) File.WriteAllText(json, JsonSerializer.Serialize(report, AgreementJsonContext.Default.AgreementReport));
        return report.Agreement * 100 >= min ? 0 : 3;
    }
}
