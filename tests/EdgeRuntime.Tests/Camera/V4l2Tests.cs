using System.Runtime.CompilerServices;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Camera.Sources.V4l2;

namespace EdgeRuntime.Tests.Camera;

public class V4l2Tests
{
    [Fact]
    public unsafe void StructSizesMatchTheKernel()
    {
        // linux/videodev2.h on LP64 (x86-64 and arm64), checked with sizeof in C.
        Assert.Equal(104, sizeof(V4l2Capability));
        Assert.Equal(48, sizeof(V4l2PixFormat));
        Assert.Equal(208, sizeof(V4l2Format));
        Assert.Equal(20, sizeof(V4l2RequestBuffers));
        Assert.Equal(88, sizeof(V4l2Buffer));
        Assert.Equal(40, sizeof(V4l2CaptureParm));
        Assert.Equal(204, sizeof(V4l2StreamParm));
        Assert.Equal(8, sizeof(PollFd));
        Assert.Equal(88, Unsafe.SizeOf<V4l2Buffer>());
    }

    [Fact]
    public unsafe void FieldOffsetsMatchTheKernel()
    {
        V4l2Buffer b = default;
        byte* p = (byte*)&b;
        Assert.Equal(24, (byte*)&b.TimestampSeconds - p);   // after 4 bytes of padding
        Assert.Equal(32, (byte*)&b.TimestampMicroseconds - p);
        Assert.Equal(40, b.Timecode - p);
        Assert.Equal(56, (byte*)&b.Sequence - p);
        Assert.Equal(60, (byte*)&b.Memory - p);
        Assert.Equal(64, (byte*)&b.Offset - p);
        Assert.Equal(72, (byte*)&b.Length - p);
        Assert.Equal(80, (byte*)&b.RequestFd - p);

        V4l2Format f = default;
        Assert.Equal(8, (byte*)&f.Pix - (byte*)&f);
        Assert.Equal(8 + 20, (byte*)&f.Pix.SizeImage - (byte*)&f);

        V4l2Capability c = default;
        Assert.Equal(80, (byte*)&c.Version - (byte*)&c);
        Assert.Equal(88, (byte*)&c.DeviceCaps - (byte*)&c);

        V4l2StreamParm s = default;
        Assert.Equal(12, (byte*)&s.Capture.TimePerFrame - (byte*)&s);
    }

    [Fact]
    public void IoctlNumbersMatchTheKernel()
    {
        Assert.Equal(0x80685600u, V4l2Ioctl.QueryCap);
        Assert.Equal(0xC0D05604u, V4l2Ioctl.GetFormat);
        Assert.Equal(0xC0D05605u, V4l2Ioctl.SetFormat);
        Assert.Equal(0xC0145608u, V4l2Ioctl.RequestBuffers);
        Assert.Equal(0xC0585609u, V4l2Ioctl.QueryBuffer);
        Assert.Equal(0xC058560Fu, V4l2Ioctl.QueueBuffer);
        Assert.Equal(0xC0585611u, V4l2Ioctl.DequeueBuffer);
        Assert.Equal(0x40045612u, V4l2Ioctl.StreamOn);
        Assert.Equal(0x40045613u, V4l2Ioctl.StreamOff);
        Assert.Equal(0xC0CC5616u, V4l2Ioctl.SetParam);
    }

    [Fact]
    public void FourCcCodes()
    {
        Assert.Equal(0x47504A4Du, V4l2Constants.PixFmtMjpeg);
        Assert.Equal(0x56595559u, V4l2Constants.PixFmtYuyv);
        Assert.Equal("MJPG", V4l2Constants.FourCc(V4l2Constants.PixFmtMjpeg));
        Assert.Equal("YUYV", V4l2Constants.FourCc(V4l2Constants.PixFmtYuyv));
    }

    [Fact]
    public void MissingDeviceIsAClearError()
    {
        var e = Assert.Throws<FrameSourceException>(() => new V4l2FrameSource("/dev/video-edgert-missing"));
        Assert.Contains("/dev/video-edgert-missing does not exist", e.Message);
    }

    [Fact]
    public void NonV4l2DeviceIsAClearError()
    {
        // /dev/null opens fine but rejects VIDIOC_QUERYCAP with ENOTTY: proves open and ioctl are wired up.
        var e = Assert.Throws<FrameSourceException>(() => new V4l2FrameSource("/dev/null"));
        Assert.Contains("/dev/null is not a V4L2 device", e.Message);
    }
}
