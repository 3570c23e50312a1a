using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Segmentation;

namespace EdgeRuntime.Daemon;

/// <summary>Decodes one captured frame into <paramref name="into"/>. Throws (e.g. InvalidDataException) for a corrupt frame.</summary>
public delegate void DecodeFrame(FrameBuffer frame, RgbImage into);

/// <summary>Writes the outputs of one frame (e.g. overlay and mask PNGs) into <paramref name="outputDirectory"/>.</summary>
public delegate void FrameOutputWriter(string outputDirectory, long frameId, RgbImage image, ReadOnlySpan<byte> classMap, int classCount);

/// <summary>Encodes a class map as an 8-bit grayscale PNG (pixel value = class id).</summary>
public delegate byte[] MaskPngEncoder(ReadOnlySpan<byte> classMap, int width, int height);

/// <summary>
/// The parts of the daemon that are written elsewhere, plugged in by whoever starts it (the CLI's `edgert run`,
/// or a test). Registered as a DI singleton.
/// </summary>
internal sealed class DaemonHooks
{
    /// <summary>Builds the segmenter (loads the model at <see cref="DaemonOptions.ModelPath"/>). Called once, on the frame loop.</summary>
    public required Func<DaemonOptions, ISegmenter> CreateSegmenter { get; set; }

    /// <summary>Opens the frame source for <see cref="DaemonOptions.Source"/> (e.g. <c>uri => FrameSourceFactory.Create(uri)</c>).</summary>
    public required Func<string, IFrameSource> OpenSource { get; set; }

    /// <summary>Frame decode; the default (Camera's FrameDecoder) handles encoded images, RGB24 and YUYV.</summary>
    public DecodeFrame Decode { get; set; } = FrameDecoder.Decode;

    /// <summary>Overlay/mask image writer for <see cref="DaemonOptions.OutputDirectory"/>. Null: masks are written as .erle files.</summary>
    public FrameOutputWriter? WriteOutputs { get; set; }

    /// <summary>PNG encoder for Mqtt:MaskEncoding=png. Null: masks fall back to the RLE encoding.</summary>
    public MaskPngEncoder? EncodeMaskPng { get; set; }

    /// <summary>Watchdog to ping. Null: systemd's (sd_notify WATCHDOG=1), active only when systemd set WATCHDOG_USEC.</summary>
    public IWatchdogNotifier? Watchdog { get; set; }
}
