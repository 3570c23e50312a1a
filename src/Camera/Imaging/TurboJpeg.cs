using System.Runtime.InteropServices;
using EdgeRuntime.Imaging;

namespace EdgeRuntime.Camera.Imaging;

/// <summary>Thrown when libturbojpeg (libjpeg-turbo's TurboJPEG API) cannot be loaded.</summary>
public sealed class TurboJpegNotFoundException : DllNotFoundException
{
    public TurboJpegNotFoundException(Exception inner)
        : base("JPEG decoding needs libjpeg-turbo's TurboJPEG library (" + TurboJpeg.LibraryName + "), which could not be loaded. " +
               "Install it with `apt-get install libturbojpeg0`. There is deliberately no fallback decoder: " +
               "pixel-exact preprocessing depends on libjpeg-turbo's islow DCT and fancy upsampling.", inner)
    {
    }
}

/// <summary>
/// Source-generated P/Invoke into libturbojpeg (TurboJPEG 2.x API). AOT-safe: blittable signatures only.
/// One decompressor handle per thread, freed by a finalizer when the thread's holder dies.
/// </summary>
internal static unsafe partial class TurboJpeg
{
    public const string LibraryName = "libturbojpeg.so.0";

    private const int TJPF_RGB = 0;
    private const int TJERR_WARNING = 0;
    /// <summary>0 = libjpeg defaults, exactly like djpeg: islow (accurate integer) DCT, fancy upsampling.</summary>
    private const int DecodeFlags = 0;

    [LibraryImport(LibraryName)]
    private static partial nint tjInitDecompress();

    [LibraryImport(LibraryName)]
    private static partial int tjDecompressHeader3(nint handle, byte* jpegBuf, CULong jpegSize,
        int* width, int* height, int* jpegSubsamp, int* jpegColorspace);

    [LibraryImport(LibraryName)]
    private static partial int tjDecompress2(nint handle, byte* jpegBuf, CULong jpegSize,
        byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(LibraryName)]
    private static partial byte* tjGetErrorStr2(nint handle);

    [LibraryImport(LibraryName)]
    private static partial int tjGetErrorCode(nint handle);

    [LibraryImport(LibraryName)]
    private static partial int tjDestroy(nint handle);

    private sealed class HandleHolder
    {
        public readonly nint Handle;
        public HandleHolder(nint handle) => Handle = handle;
        ~HandleHolder()
        {
            if (Handle != 0) tjDestroy(Handle);
        }
    }

    [ThreadStatic] private static HandleHolder? t_holder;

    private static nint GetHandle()
    {
        HandleHolder? holder = t_holder;
        if (holder != null) return holder.Handle;
        nint handle;
        try
        {
            handle = tjInitDecompress();
        }
        catch (DllNotFoundException e)
        {
            throw new TurboJpegNotFoundException(e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new TurboJpegNotFoundException(e);
        }
        if (handle == 0)
            throw new InvalidOperationException("tjInitDecompress failed: " + ErrorString(0));
        t_holder = new HandleHolder(handle);
        return handle;
    }

    private static string ErrorString(nint handle)
    {
        byte* s = tjGetErrorStr2(handle);
        return s == null ? "unknown TurboJPEG error" : Marshal.PtrToStringUTF8((nint)s) ?? "unknown TurboJPEG error";
    }

    /// <summary>Decodes a JPEG into interleaved RGB. Any libjpeg warning (e.g. corrupt or truncated data) is an error.</summary>
    public static void Decode(ReadOnlySpan<byte> jpeg, RgbImage into) => Decode(jpeg, into, ImageDecoder.DefaultMaxPixels);

    /// <summary>As <see cref="Decode(ReadOnlySpan{byte}, RgbImage)"/>; the header's width x height is checked against <paramref name="maxPixels"/> before the buffer is sized.</summary>
    public static void Decode(ReadOnlySpan<byte> jpeg, RgbImage into, long maxPixels)
    {
        nint handle = GetHandle();
        fixed (byte* src = jpeg)
        {
            int width, height, subsamp, colorspace;
            if (tjDecompressHeader3(handle, src, new CULong((nuint)jpeg.Length), &width, &height, &subsamp, &colorspace) != 0)
                throw new InvalidDataException("invalid JPEG header: " + ErrorString(handle));
            if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
                throw new InvalidDataException($"JPEG size {width}x{height} is out of range (1..16384)");
            ImageDecoder.CheckPixels("JPEG", width, height, maxPixels);
            into.Reset(width, height);
            Span<byte> pixels = into.Pixels;
            fixed (byte* dst = pixels)
            {
                int rc = tjDecompress2(handle, src, new CULong((nuint)jpeg.Length), dst, width, width * 3, height, TJPF_RGB, DecodeFlags);
                if (rc != 0)
                {
                    string kind = tjGetErrorCode(handle) == TJERR_WARNING ? "corrupt JPEG data (libjpeg warning)" : "JPEG decode failed";
                    throw new InvalidDataException($"{kind}: {ErrorString(handle)}");
                }
            }
        }
    }

    [LibraryImport(LibraryName)]
    private static partial nint tjInitCompress();

    [LibraryImport(LibraryName)]
    private static partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(LibraryName)]
    private static partial CULong tjBufSize(int width, int height, int jpegSubsamp);

    private const int TJSAMP_420 = 2;
    private const int TJFLAG_NOREALLOC = 1024;

    /// <summary>
    /// Encodes interleaved RGB as a 4:2:0 JPEG into <paramref name="into"/> (grown when too small, then reused) and returns
    /// the byte count. One compressor per call site: the caller serializes calls (the console's preview encoder does).
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> rgb, int width, int height, int quality, ref byte[] into, ref nint compressor)
    {
        if (width <= 0 || height <= 0 || rgb.Length < width * height * 3) throw new ArgumentException("RGB buffer does not match the size");
        if (compressor == 0)
        {
            try { compressor = tjInitCompress(); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { throw new TurboJpegNotFoundException(e); }
            if (compressor == 0) throw new InvalidOperationException("tjInitCompress failed: " + ErrorString(0));
        }
        int bound = checked((int)tjBufSize(width, height, TJSAMP_420).Value);
        if (into.Length < bound) into = new byte[bound];
        fixed (byte* src = rgb)
        fixed (byte* dst = into)
        {
            byte* buf = dst;
            CULong size = new((nuint)into.Length);
            // NOREALLOC: libjpeg-turbo writes into our buffer (sized by tjBufSize) and never mallocs its own.
            if (tjCompress2(compressor, src, width, width * 3, height, TJPF_RGB, &buf, &size, TJSAMP_420, Math.Clamp(quality, 1, 100), TJFLAG_NOREALLOC) != 0)
                throw new InvalidOperationException("JPEG encode failed: " + ErrorString(compressor));
            return checked((int)size.Value);
        }
    }

    /// <summary>Frees a compressor made by <see cref="Encode"/>.</summary>
    public static void DestroyCompressor(ref nint compressor)
    {
        if (compressor != 0) tjDestroy(compressor);
        compressor = 0;
    }
}
