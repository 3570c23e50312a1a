namespace EdgeRuntime.Camera.Sources.V4l2;

/// <summary>
/// V4L2 ioctl request numbers, computed like the kernel's _IOR/_IOW/_IOWR macros (asm-generic/ioctl.h,
/// used by x86-64 and arm64): nr in bits 0-7, type in 8-15, argument size in 16-29, direction in 30-31.
/// </summary>
internal static unsafe class V4l2Ioctl
{
    private const uint IocNone = 0, IocWrite = 1, IocRead = 2;

    internal static uint Ioc(uint dir, char type, uint nr, int size) =>
        (dir << 30) | ((uint)size << 16) | ((uint)type << 8) | nr;

    internal static uint IoR(char type, uint nr, int size) => Ioc(IocRead, type, nr, size);
    internal static uint IoW(char type, uint nr, int size) => Ioc(IocWrite, type, nr, size);
    internal static uint IoWR(char type, uint nr, int size) => Ioc(IocRead | IocWrite, type, nr, size);
    internal static uint Io(char type, uint nr) => Ioc(IocNone, type, nr, 0);

    public static readonly uint QueryCap = IoR('V', 0, sizeof(V4l2Capability));
    public static readonly uint GetFormat = IoWR('V', 4, sizeof(V4l2Format));
    public static readonly uint SetFormat = IoWR('V', 5, sizeof(V4l2Format));
    public static readonly uint RequestBuffers = IoWR('V', 8, sizeof(V4l2RequestBuffers));
    public static readonly uint QueryBuffer = IoWR('V', 9, sizeof(V4l2Buffer));
    public static readonly uint QueueBuffer = IoWR('V', 15, sizeof(V4l2Buffer));
    public static readonly uint DequeueBuffer = IoWR('V', 17, sizeof(V4l2Buffer));
    public static readonly uint StreamOn = IoW('V', 18, sizeof(int));
    public static readonly uint StreamOff = IoW('V', 19, sizeof(int));
    public static readonly uint SetParam = IoWR('V', 22, sizeof(V4l2StreamParm));
}

/// <summary>Constants from linux/videodev2.h.</summary>
internal static class V4l2Constants
{
    public const uint BufTypeVideoCapture = 1;
    public const uint MemoryMmap = 1;
    public const uint FieldAny = 0;
    public const uint CapVideoCapture = 0x00000001;
    public const uint CapStreaming = 0x04000000;
    public const uint CapDeviceCaps = 0x80000000;
    public const uint CapTimePerFrame = 0x1000;
    public const uint BufFlagError = 0x00000040;

    public const uint PixFmtMjpeg = (uint)'M' | ((uint)'J' << 8) | ((uint)'P' << 16) | ((uint)'G' << 24);
    public const uint PixFmtJpeg = (uint)'J' | ((uint)'P' << 8) | ((uint)'E' << 16) | ((uint)'G' << 24);
    public const uint PixFmtYuyv = (uint)'Y' | ((uint)'U' << 8) | ((uint)'Y' << 16) | ((uint)'V' << 24);

    public static string FourCc(uint code) =>
        string.Create(4, code, static (span, c) =>
        {
            for (int i = 0; i < 4; i++)
            {
                char ch = (char)((c >> (8 * i)) & 0xFF);
                span[i] = ch is >= ' ' and <= '~' ? ch : '?';
            }
        });
}
