using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Cli;

/// <summary>`edgert infer MODEL IMAGE --out mask.png [--overlay overlay.png]`: one image, a class-index PNG and a coloured overlay.</summary>
public static class InferCommand
{
    public static int Run(string[] args) => Run(new CliArgs(args, new HashSet<string>()));

    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        string modelPath = cli.Required(0, "MODEL");
        string imagePath = cli.Required(1, "IMAGE");
        string output = cli.Option("out") ?? throw new CliException("--out mask.png is required");
        string? overlayPath = cli.Option("overlay");
        var options = SegmenterArgs.Parse(cli);
        cli.RejectUnknown();

        using var segmenter = DeepLabSegmenter.Load(modelPath, options);
        var image = new RgbImage();
        ImageDecoder.DecodeFile(imagePath, image);
        var classMap = new byte[image.Width * image.Height];
        var timings = segmenter.Segment(image, classMap);

        var png = new PngEncoder();
        png.EncodeFile(output, classMap, image.Width, image.Height, PngColorFormat.Gray8);
        if (overlayPath is not null)
        {
            var blended = new byte[image.Width * image.Height * 3];
            Overlay.Blend(image.Pixels, classMap, image.Width, image.Height, blended);
            png.EncodeFile(overlayPath, blended, image.Width, image.Height, PngColorFormat.Rgb8);
        }

        Console.Out.WriteLine($"{Path.GetFileName(imagePath)} {image.Width}x{image.Height} -> {output}" + (overlayPath is null ? "" : $", {overlayPath}"));
        Console.Out.WriteLine($"preprocess {timings.PreprocessMs:F1} ms, inference {timings.InferenceMs:F1} ms ({segmenter.Interpreter.Isa}), postprocess {timings.PostprocessMs:F1} ms");
        var counts = new long[256];
        foreach (byte c in classMap) counts[c]++;
        for (int c = 0; c < counts.Length; c++)
        {
            if (counts[c] == 0) continue;
            string name = segmenter.ClassCount == 21 && c < 21 ? VocDataset.ClassNames[c] : $"class {c}";
            Console.Out.WriteLine($"  {name,-12} {100.0 * counts[c] / classMap.Length,6:F2}%");
        }
        return 0;
    }
}
