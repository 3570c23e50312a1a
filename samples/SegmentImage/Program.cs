// SegmentImage: segments one image with a TFLite segmentation model through the EdgeRuntime package, writes a PNG
// overlay (classes tinted over the photo) and prints how many pixels each class covers.
//   SegmentImage <model.tflite> <image.jpg|png> <out.png> [--threads N]
// Exit codes: 0 ok, 1 the work failed (unreadable model or image), 2 the command line is wrong.
using EdgeRuntime;
using SegmentImage;

const string Usage = "usage: SegmentImage <model.tflite> <image> <out.png> [--threads N]";

if (args is ["--help" or "-h"])
{
    Console.WriteLine(Usage);
    return 0;
}
if (!CommandLine.TryParse(args, out CommandLine? options, out string? problem))
{
    Console.Error.WriteLine($"SegmentImage: {problem}");
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    RgbFrame image = ImageFiles.ReadRgb(options.ImagePath);
    using var segmenter = ImageSegmenter.Load(options.ModelPath, new ModelOptions { Threads = options.Threads });
    byte[] classMap = new byte[image.Width * image.Height];
    SegmentTimings timings = segmenter.Segment(image.Pixels, image.Width, image.Height, classMap);

    ImageFiles.WritePng(options.OutputPath, Overlay.Tint(image, classMap), image.Width, image.Height);

    Console.WriteLine($"{Path.GetFileName(options.ImagePath)}: {image.Width}x{image.Height}, " +
        $"{segmenter.Kernels} kernels, {timings.TotalMs:F1} ms (inference {timings.InferenceMs:F1} ms)");
    foreach ((string name, int pixels) in Histogram.Count(classMap, segmenter.Labels))
        Console.WriteLine($"  {name,-14} {pixels,9} px {100.0 * pixels / classMap.Length,6:F2} %");
    Console.WriteLine($"overlay: {options.OutputPath}");
    return 0;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
    or EdgeRuntime.Graph.ModelFormatException or EdgeRuntime.Graph.UnsupportedOperatorException
    or PlatformNotSupportedException or ArgumentException)
{
    Console.Error.WriteLine($"SegmentImage: {e.Message}");
    return 1;
}
