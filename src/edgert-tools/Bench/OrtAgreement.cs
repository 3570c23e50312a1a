using System.Text.Json.Serialization;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;
using EdgeRuntime.Onnx;
using EdgeRuntime.Runtime;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Bench;

public sealed record AgreementImage(string Id, int Width, int Height, long EqualPixels, double Agreement);

public sealed record AgreementReport(
    string Model,
    string Dataset,
    int Images,
    long Pixels,
    long EqualPixels,
    double Agreement,
    double MinImageAgreement,
    string? MinImageId,
    IReadOnlyList<AgreementImage> PerImage);

/// <summary>
/// Class-map agreement between edgert's interpreter and ONNX Runtime running <see cref="OnnxExporter.Export"/> of
/// the same graph: each image is decoded and preprocessed once, the same input bytes go to both runtimes, and the
/// class maps at the image's size are compared pixel by pixel. Agreement = equal pixels / all pixels, pooled over
/// the images.
/// </summary>
public static class OrtAgreement
{
    /// <summary>The images of a VOC-layout folder (DATASET/JPEGImages/*.jpg), sorted by id.</summary>
    public static IReadOnlyList<string> DatasetImages(string dataset)
    {
        string dir = Path.Combine(dataset, "JPEGImages");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dataset} has no JPEGImages/ folder");
        string[] files = Directory.GetFiles(dir, "*.jpg");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary><paramref name="count"/> items spread evenly over the list (first, ..., near last): a representative subset.</summary>
    public static IReadOnlyList<T> Spread<T>(IReadOnlyList<T> items, int count)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (count >= items.Count) return items;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var picked = new List<T>(count);
        for (int i = 0; i < count; i++) picked.Add(items[(int)((long)i * items.Count / count)]);
        return picked;
    }

    public static AgreementReport Run(string modelPath, string dataset, IReadOnlyList<string> images, int threads = 1,
        Action<AgreementImage>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ModelGraph graph = Tflite.TfliteModelReader.Load(modelPath);
        var model = SegmentationModel.Describe(graph);
        byte[] onnx = OnnxExporter.Export(graph);

        var (options, _) = BenchRunner.InterpreterOptionsFor(threads, profile: false);
        Interpreter interpreter = Interpreter.Create(graph, options);
        try
        {
            using var session = new OnnxRuntimeSession(onnx, new OnnxRuntimeSessionSettings { Threads = threads });
            var preprocessor = new InputPreprocessor(model.Input, model.DefaultFitMode);
            var decoder = new ClassMapDecoder(model);
            var image = new RgbImage();
            var results = new List<AgreementImage>(images.Count);
            long pixels = 0, equal = 0;
            byte[] ours = [], theirs = [];
            foreach (string path in images)
            {
                ImageDecoder.DecodeFile(path, image);
                int n = image.Width * image.Height;
                if (ours.Length != n)
                {
                    ours = new byte[n];
                    theirs = new byte[n];
                }
                ImageRegion region = preprocessor.Process(image, interpreter.InputBytes());
                interpreter.InputBytes().CopyTo(session.InputBytes);
                interpreter.Invoke();
                session.Run();
                decoder.Decode(interpreter.OutputBytes(), region, image.Height, image.Width, ours);
                decoder.Decode(session.OutputBytes, region, image.Height, image.Width, theirs);
                long same = PixelAgreement.CountEqual(ours, theirs);
                var r = new AgreementImage(Path.GetFileNameWithoutExtension(path), image.Width, image.Height, same, (double)same / n);
                results.Add(r);
                progress?.Invoke(r);
                pixels += n;
                equal += same;
            }
            AgreementImage? worst = results.Count == 0 ? null : results.MinBy(r => r.Agreement);
            return new AgreementReport(modelPath, dataset, results.Count, pixels, equal,
                pixels == 0 ? double.NaN : (double)equal / pixels, worst?.Agreement ?? double.NaN, worst?.Id, results);
        }
        finally
        {
            BenchRunner.Release(interpreter);
        }
    }
}

/// <summary>JSON of `ort-agreement --json` (the same options as the bench report).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgreementReport))]
public sealed partial class AgreementJsonContext : JsonSerializerContext;
