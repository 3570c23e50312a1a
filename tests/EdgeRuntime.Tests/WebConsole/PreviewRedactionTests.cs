using EdgeRuntime.Automation;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.WebConsole;

namespace EdgeRuntime.Tests.WebConsole;

/// <summary>
/// The preview JPEG of a synthetic frame whose "person" region carries a distinctive texture (a 2-pixel black/white
/// checkerboard, which survives JPEG at quality 100 but not redaction): redacted, the decoded region no longer looks like
/// the frame; not redacted (the control), it does. Outside the region the frame is kept either way.
/// </summary>
public sealed class PreviewRedactionTests(ITestOutputHelper output)
{
    private const int W = 96, H = 64, Person = 15;
    private const int X0 = 24, X1 = 72, Y0 = 16, Y1 = 48; // the person box (multiples of 8 and 16: JPEG blocks, pixelate blocks)

    [Theory]
    [InlineData(true, false, "pixelate")] // Console:Redact, snapshots off
    [InlineData(true, false, "fill")]
    [InlineData(false, true, "pixelate")] // Automation:Snapshot:Enabled redacts the preview as well
    public void RedactedClass_PixelsInTheJpeg_AreNotTheFramePixels(bool consoleRedact, bool snapshotsOn, string mode)
    {
        var (frame, classes) = Frame();
        var automation = new AutomationOptions { Snapshot = new SnapshotOptions { Enabled = snapshotsOn, Classes = ["person"], Mode = mode, BlockSize = 16 } };
        using var preview = new LivePreview(new ConsoleOptions { Redact = consoleRedact, JpegQuality = 100, StreamFps = 30 }, automation);
        Assert.True(preview.Redacting);
        var (inside, outside) = Errors(preview, frame, classes);
        output.WriteLine($"mean |jpeg - frame| per channel: person region {inside:0.0}, elsewhere {outside:0.0}");
        Assert.True(inside > 60, $"redacted region differs from the frame by only {inside:0.0} per channel on average");
        Assert.True(outside < 12, $"the rest of the frame differs by {outside:0.0} per channel");
    }

    [Fact]
    public void WithoutRedaction_TheRegionIsTheFrame_TheControl()
    {
        var (frame, classes) = Frame();
        var automation = new AutomationOptions { Snapshot = new SnapshotOptions { Enabled = false, Classes = ["person"] } };
        using var preview = new LivePreview(new ConsoleOptions { Redact = false, JpegQuality = 100, StreamFps = 30 }, automation);
        Assert.False(preview.Redacting);
        var (inside, outside) = Errors(preview, frame, classes);
        output.WriteLine($"mean |jpeg - frame| per channel: person region {inside:0.0}, elsewhere {outside:0.0}");
        Assert.True(inside < 20, $"unredacted region differs from the frame by {inside:0.0} per channel");
        Assert.True(outside < 12, $"the rest of the frame differs by {outside:0.0} per channel");
    }

    /// <summary>A smooth colour gradient with a black/white checkerboard box labelled person.</summary>
    private static (RgbImage Frame, byte[] Classes) Frame()
    {
        var px = new byte[W * H * 3];
        var classes = new byte[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                bool person = x >= X0 && x < X1 && y >= Y0 && y < Y1;
                if (person)
                {
                    byte v = ((x / 2 + y / 2) & 1) == 0 ? (byte)0 : (byte)255;
                    px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = v;
                    classes[i] = Person;
                }
                else
                {
                    px[3 * i] = (byte)(40 + x); px[3 * i + 1] = (byte)(60 + y); px[3 * i + 2] = 120;
                }
            }
        return (new RgbImage(W, H, px), classes);
    }

    /// <summary>Mean absolute difference per channel between the still JPEG (decoded) and the frame, inside the person box
    /// (2 px in from its edge) and outside it (2 px away), so JPEG ringing at the border counts for neither.</summary>
    private static (double Inside, double Outside) Errors(LivePreview preview, RgbImage frame, byte[] classes)
    {
        preview.WantStill();
        preview.Offer(frame, classes, frameId: 1);
        byte[] jpeg = preview.Jpeg(overlay: false, out _) ?? throw new InvalidOperationException("no preview frame");
        var decoded = new RgbImage();
        ImageDecoder.Decode(jpeg, decoded);
        Assert.Equal((W, H), (decoded.Width, decoded.Height));
        var a = frame.Pixels;
        var b = decoded.Pixels;
        double inSum = 0, outSum = 0;
        long inN = 0, outN = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                bool inside = x >= X0 + 2 && x < X1 - 2 && y >= Y0 + 2 && y < Y1 - 2;
                bool outside = x < X0 - 2 || x >= X1 + 2 || y < Y0 - 2 || y >= Y1 + 2;
                if (!inside && !outside) continue;
                int i = 3 * (y * W + x);
                double e = (Math.Abs(a[i] - b[i]) + Math.Abs(a[i + 1] - b[i + 1]) + Math.Abs(a[i + 2] - b[i + 2])) / 3.0;
                if (inside) { inSum += e; inN++; } else { outSum += e; outN++; }
            }
        return (inSum / inN, outSum / outN);
    }
}
