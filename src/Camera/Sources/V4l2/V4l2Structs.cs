using System.Runtime.InteropServices;

namespace EdgeRuntime.Camera.Sources.V4l2;

// Blittable mirrors of the linux/videodev2.h structs the capture path uses, for LP64 Linux
// (x86-64 and arm64 share these layouts). Offsets follow the kernel header; tests check sizes and offsets.

/// <summary>struct v4l2_capability (104 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2Capability
{
    public fixed byte Driver[16];
    public fixed byte Card[32];
    public fixed byte BusInfo[32];
    public uint Version;
    public uint Capabilities;
    public uint DeviceCaps;
    public fixed uint Reserved[3];
}

/// <summary>struct v4l2_pix_format (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2PixFormat
{
    public uint Width;
    public uint Height;
    public uint PixelFormat;
    public uint Field;
    public uint BytesPerLine;
    public uint SizeImage;
    public uint Colorspace;
    public uint Priv;
    public uint Flags;
    public uint YcbcrEnc; // union with hsv_enc
    public uint Quantization;
    public uint XferFunc;
}

/// <summary>
/// struct v4l2_format (208 bytes): a u32 type, then a 200-byte union aligned to 8 because one member
/// (v4l2_window) holds pointers. Only the single-planar pix member is used.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 208)]
internal struct V4l2Format
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(8)] public V4l2PixFormat Pix;
}

/// <summary>struct v4l2_requestbuffers (20 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2RequestBuffers
{
    public uint Count;
    public uint Type;
    public uint Memory;
    public uint Capabilities;
    public byte Flags;
    public byte Reserved0;
    public byte Reserved1;
    public byte Reserved2;
}

/// <summary>
/// struct v4l2_buffer (88 bytes on LP64): struct timeval is two longs at offset 24 (after 4 bytes of
/// padding), struct v4l2_timecode is 16 bytes, and the memory union (offset / userptr / planes / fd) is
/// 8 bytes at offset 64, followed by length, reserved2 and the request_fd union, padded to 88.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal unsafe struct V4l2Buffer
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint Type;
    [FieldOffset(8)] public uint BytesUsed;
    [FieldOffset(12)] public uint Flags;
    [FieldOffset(16)] public uint Field;
    [FieldOffset(24)] public long TimestampSeconds;
    [FieldOffset(32)] public long TimestampMicroseconds;
    [FieldOffset(40)] public fixed byte Timecode[16];
    [FieldOffset(56)] public uint Sequence;
    [FieldOffset(60)] public uint Memory;
    [FieldOffset(64)] public uint Offset;     // m.offset (MMAP)
    [FieldOffset(64)] public ulong UserPtr;   // m.userptr (USERPTR)
    [FieldOffset(64)] public int Fd;          // m.fd (DMABUF)
    [FieldOffset(72)] public uint Length;
    [FieldOffset(76)] public uint Reserved2;
    [FieldOffset(80)] public int RequestFd;
}

/// <summary>struct v4l2_fract.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct V4l2Fract
{
    public uint Numerator;
    public uint Denominator;
}

/// <summary>struct v4l2_captureparm (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct V4l2CaptureParm
{
    public uint Capability;
    public uint CaptureMode;
    public V4l2Fract TimePerFrame;
    public uint ExtendedMode;
    public uint ReadBuffers;
    public fixed uint Reserved[4];
}

/// <summary>struct v4l2_streamparm (204 bytes: u32 type + a 200-byte union of 4-byte-aligned members).</summary>
[StructLayout(LayoutKind.Explicit, Size = 204)]
internal struct V4l2StreamParm
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public V4l2CaptureParm Capture;
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short REvents;
}
