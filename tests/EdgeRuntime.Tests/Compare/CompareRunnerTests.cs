using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Compare;
using EdgeRuntime.Quantization;
using EdgeRuntime.Segmentation;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Compare;

public class CompareRunnerTests
{
    /// <summary>
    /// The table builder on 2 VOC images with small models: float 257, its PTQ (2 calibration photos, not VOC), and
    /// Coral dm0.5. Sizes, arena, latency and MACs positive; mIoU and agreement in [0, 1]; the figure decodes with
    /// ImageDecoder at the size the layout promises.
    /// </summary>
    [Fact]
    public void TableOnTwoImagesIsSaneAndFigureDecodes()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "edgert-compare-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            IReadOnlyList<CompareModelSpec> all = CompareModels.Default(SharedData.Path("models"));
            CompareModelSpec[] specs = all.Where(s => s.Key is CompareModels.Float257 or "f257-ptq-minmax" or "coral-dm05").ToArray();
            specs[^1] = specs[^1] with { ReferenceKey = CompareModels.Float257 }; // keep the 513 float model out (slow here)
            var dataset = VocDataset.Open(SharedData.Path("data", "voc2012_val"), SharedData.Path("data", "voc2012_val", "val_first200.txt"), 2);
            var settings = new CompareSettings
            {
                Dataset = dataset,
                Calibration = CompareModels.DefaultCalibration(SharedData.Path("data")),
                MaxCalibrationImages = 2,
                OutDir = outDir,
                Warmup = 1,
                Iterations = 2,
                FigureIds = [dataset.Ids[0]],
                FigureTileWidth = 64,
            };
            CompareReport report = CompareRunner.Run(specs, settings);

            Assert.Equal(3, report.Rows.Count);
            Assert.Equal(2, report.CalibrationImages.Count);
            Assert.DoesNotContain(report.CalibrationImages, f => f.Contains("voc2012", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(outDir, "f257-ptq-minmax.tflite")));
            foreach (CompareRow row in report.Rows)
            {
                Assert.True(row.FileBytes > 0 && row.ArenaBytes > 0 && row.Macs > 0, row.Key);
                Assert.True(row.LatencyP50Ms > 0, row.Key);
                Assert.InRange(row.MeanIoU, 0, 1);
                Assert.Equal(2, row.Images);
            }
            CompareRow f = report.Rows[0], ptq = report.Rows[1], coral = report.Rows[2];
            Assert.Null(f.Agreement);
            Assert.Null(f.Pi5EstMsLow); // float compute: no estimate
            Assert.InRange(ptq.Agreement!.Value, 0.8, 1);
            Assert.InRange(coral.Agreement!.Value, 0, 1);
            Assert.Equal(f.Macs, ptq.Macs); // batch norm folding does not change conv MACs
            Assert.True(ptq.IntegerMacFraction > 0.95 && coral.IntegerMacFraction > 0.95);
            Assert.True(ptq.Pi5EstMsLow > 0 && ptq.Pi5EstMsLow < ptq.Pi5EstMsHigh && ptq.Pi4EstMsHigh > ptq.Pi5EstMsHigh);
            Assert.True(ptq.FileBytes < f.FileBytes / 2, "int8 weights should be < half the float file");

            string md = CompareMarkdown.Format(report);
            Assert.Contains("| float 257", md);
            Assert.Contains("est.", md);
            Assert.Contains("NOT from the evaluation set", md);

            var image = new RgbImage();
            ImageDecoder.DecodeFile(dataset.ImagePath(dataset.Ids[0]), image);
            var figure = new RgbImage();
            ImageDecoder.DecodeFile(Path.Combine(outDir, "figure.png"), figure);
            Assert.Equal(ComparisonFigure.Width(2 + specs.Length, 64), figure.Width);
            Assert.Equal(ComparisonFigure.Height([ComparisonFigure.TileHeight(image.Width, image.Height, 64)]), figure.Height);
            Assert.True(new FileInfo(Path.Combine(outDir, "figure.png")).Length < 300_000);
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void MacCountOfCoralDm1IsAFewGmacAllInteger()
    {
        var graph = EdgeRuntime.Tflite.TfliteModelReader.Load(SharedData.Model(SharedData.CoralDm1));
        var (macs, integer) = MacCounter.Count(graph);
        Assert.InRange(macs / 1e9, 1.5, 6.0);
        Assert.Equal(macs, integer);
    }

    [Fact]
    public void TinyFontDrawsBlackPixelsInsideTheClip()
    {
        var canvas = new byte[40 * 10 * 3];
        canvas.AsSpan().Fill(255);
        TinyFont.Draw(canvas, 40, 0, 0, "A1", 1, 40);
        Assert.Equal(0, canvas[(0 * 40 + 1) * 3]);     // A: top middle
        Assert.Equal(255, canvas[(0 * 40 + 0) * 3]);   // A: top left blank
        Assert.Equal(0, canvas[(4 * 40 + 4) * 3]);     // 1: bottom row starts at x=4
        Assert.Equal(255, canvas[(9 * 40 + 39) * 3]);
    }
}
