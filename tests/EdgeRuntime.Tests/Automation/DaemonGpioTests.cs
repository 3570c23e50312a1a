using System.Device.Gpio;
using System.Diagnostics;
using EdgeRuntime.Automation;
using EdgeRuntime.Automation.Gpio;
using EdgeRuntime.Automation.Thermal;
using EdgeRuntime.Camera.Imaging;
using EdgeRuntime.Camera.Sources;
using EdgeRuntime.Daemon;
using EdgeRuntime.Hosting;
using EdgeRuntime.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeRuntime.Tests.Automation;

/// <summary>
/// GPIO and thermal protection inside the real daemon host and frame loop (synthetic frames, threshold segmenter,
/// the recording GPIO driver in place of libgpiod, an injected temperature; MQTT off).
/// </summary>
public sealed class DaemonGpioTests
{
    private sealed class FixedTemperature(double? celsius) : ICpuTemperatureSource
    {
        public double? ReadCelsius() => celsius;
    }

    /// <summary>Calls <paramref name="beforeFrame"/> with the frame index before each frame is read (drives trigger inputs).</summary>
    private sealed class ScriptedSource(IFrameSource inner, Action<int> beforeFrame) : IFrameSource
    {
        private int _index;
        public string Description => inner.Description;
        public ValueTask<bool> ReadFrameAsync(FrameBuffer frame, CancellationToken cancellationToken)
        {
            beforeFrame(_index++);
            return inner.ReadFrameAsync(frame, cancellationToken);
        }
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private static IHost Build(DaemonHooks hooks, RecordingGpioDriver driver, double? celsius, params string[] extra)
    {
        string[] args = ["run", "--source", "synthetic:test", "--device", "gpio-dev", "--Daemon:MqttEnabled=false", "--telemetry-interval", "40", .. extra];
        var builder = DaemonHost.CreateBuilder(args, hooks);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IGpioDriverFactory>(new RecordingDriverFactory(driver));
        builder.Services.AddSingleton<ICpuTemperatureSource>(new FixedTemperature(celsius));
        return builder.Build();
    }

    [Fact]
    public async Task TriggerInput_GatesInference_InTheFrameLoop_AndTelemetryReportsTheDutyCycle()
    {
        var driver = new RecordingGpioDriver();
        var segmenter = new ThresholdTestSegmenter();
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => segmenter,
            OpenSource = _ => new ScriptedSource(new SyntheticTestFrameSource(frameCount: 12, delayMs: 2), i =>
            {
                if (i == 4) driver.SetInput(4, PinValue.High); // motion while frames 4-5 are read
                if (i == 6) driver.SetInput(4, PinValue.Low);
            }),
        };
        using var host = Build(hooks, driver, 50, "--Gpio:Triggers:0:Name=pir", "--Gpio:Triggers:0:Pin=4", "--Gpio:TriggerTrailingFrames=2",
            "--Gpio:InferencePowerWatts=3");

        int exit = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

        var status = host.Services.GetRequiredService<DaemonStatus>();
        Assert.Equal(0, exit);
        Assert.Equal(4, segmenter.Calls); // frames 4, 5 (triggered) and 6, 7 (two trailing frames)
        Assert.Equal(4, status.FramesProcessed);
        Assert.Equal(8, status.FramesGated);
        var gate = status.LastTelemetry?.Gate;
        Assert.NotNull(gate);
        Assert.Equal(12, gate.FramesSeen);
        Assert.Equal(4, gate.FramesInferred);
        Assert.Equal(Math.Round(4 / 12.0, 4), gate.DutyCycle);
        Assert.Equal(Math.Round((1 - Math.Round(4 / 12.0, 4)) * 3, 3), gate.EstimatedSavingW);
        Assert.Equal(PinMode.Input, driver.ModeOf(4));
    }

    [Fact]
    public async Task TransitionRaisedInThePublishStep_ChangesThePinBeforeTheStepReturns_SafeStateAfterStop()
    {
        var driver = new RecordingGpioDriver();
        IHost? host = null;
        int outputsCalls = 0;
        long before = 0, after = 0;
        int publishThread = 0;
        PinWrite[] writesAfter = [];
        var output = Directory.CreateTempSubdirectory("edgert-gpio-");
        try
        {
            var hooks = new DaemonHooks
            {
                CreateSegmenter = _ => new ThresholdTestSegmenter(),
                OpenSource = _ => new SyntheticTestFrameSource(frameCount: 6, delayMs: 2),
                // Runs inside the frame's publish step, where the zone rules raise their transitions.
                WriteOutputs = (_, frameId, _, _, _) =>
                {
                    if (++outputsCalls != 3) return;
                    var sinks = host!.Services.GetServices<IZoneTransitionSink>().ToList();
                    Assert.NotEmpty(sinks);
                    publishThread = Environment.CurrentManagedThreadId;
                    before = Stopwatch.GetTimestamp();
                    var transition = new ZoneTransition("doorway", "person", ZoneState.Occupied, 0.42, frameId, DateTimeOffset.UtcNow);
                    foreach (var sink in sinks) sink.OnZoneTransition(transition);
                    after = Stopwatch.GetTimestamp();
                    writesAfter = [.. driver.WritesTo(17)];
                },
            };
            host = Build(hooks, driver, 50, "--output", output.FullName,
                "--Gpio:Outputs:0:Name=doorway-relay", "--Gpio:Outputs:0:Pin=17", "--Gpio:Outputs:0:Zone=doorway",
                "--Gpio:Outputs:0:ActiveLow=true", "--Gpio:Outputs:0:HoldMs=60000");

            int exit = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(0, exit);
            Assert.Equal(2, writesAfter.Length); // safe state at start, then the switch-on
            Assert.Equal(PinValue.High, writesAfter[0].Value);
            var on = writesAfter[1];
            Assert.Equal(PinValue.Low, on.Value); // active-low relay on
            Assert.InRange(on.Timestamp, before, after); // written synchronously, inside the publish step
            Assert.Equal(publishThread, on.ThreadId);
            double latencyMs = (on.Timestamp - before) * 1000.0 / Stopwatch.Frequency;
            Assert.True(latencyMs < 50, $"transition to pin write took {latencyMs:F3} ms");
            // The hold (60 s) had not run out when the source ended: stopping drives the relay to its safe (off) level.
            var all = driver.WritesTo(17);
            Assert.Equal(3, all.Count);
            Assert.Equal(PinValue.High, all[^1].Value);
            Assert.True(driver.Disposed);
        }
        finally
        {
            host?.Dispose();
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task HotCpu_CapsTheFrameRate_AndTelemetrySaysSo()
    {
        var stamps = new List<long>();
        var hooks = new DaemonHooks
        {
            CreateSegmenter = _ => new ThresholdTestSegmenter(),
            OpenSource = _ => new SyntheticTestFrameSource(frameCount: 6, delayMs: 0),
            Decode = (frame, image) =>
            {
                stamps.Add(Stopwatch.GetTimestamp());
                FrameDecoder.Decode(frame, image);
            },
        };
        using var host = Build(hooks, new RecordingGpioDriver(), 85, "--Thermal:ThrottleAboveC=80", "--Thermal:ResumeBelowC=70",
            "--Thermal:ThrottledFps=20", "--Thermal:CheckIntervalMs=10");

        int exit = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exit);
        Assert.Equal(6, stamps.Count);
        double spanMs = (stamps[^1] - stamps[0]) * 1000.0 / Stopwatch.Frequency;
        Assert.True(spanMs >= 5 * 50 - 5, $"6 frames at 20 fps need >= 250 ms, took {spanMs:F1} ms");
        var telemetry = host.Services.GetRequiredService<DaemonStatus>().LastTelemetry;
        Assert.NotNull(telemetry);
        Assert.Equal(85, telemetry.CpuTemperatureC);
        Assert.Equal("throttled", telemetry.Thermal?.State);
        Assert.Equal(20, telemetry.Thermal?.MaxFps);
        Assert.Null(telemetry.Gate); // no trigger inputs: no gate
    }

    [Fact]
    public async Task NoSensor_TelemetrySaysNotAvailable_AndFramesAreNotThrottled()
    {
        var segmenter = new ThresholdTestSegmenter();
        var hooks = new DaemonHooks { CreateSegmenter = _ => segmenter, OpenSource = _ => new SyntheticTestFrameSource(frameCount: 4, delayMs: 0) };
        using var host = Build(hooks, new RecordingGpioDriver(), celsius: null);

        int exit = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exit);
        var telemetry = host.Services.GetRequiredService<DaemonStatus>().LastTelemetry;
        Assert.Null(telemetry?.CpuTemperatureC);
        Assert.Equal("not available", telemetry?.Thermal?.State);
        Assert.Equal(4, segmenter.Calls);
    }

    [Theory]
    [InlineData("--Gpio:Outputs:0:Pin=99")]                                     // not on the chip (28 lines)
    [InlineData("--Gpio:Outputs:0:Pin=23")]                                     // taken by another program
    [InlineData("--Gpio:Numbering=board", "--Gpio:Outputs:0:Pin=6")]            // a ground pin
    public async Task BadPin_StopsTheStart_WithExitCode2_BeforeAnyFrame(params string[] pin)
    {
        var driver = new RecordingGpioDriver(28, takenLines: 23);
        var segmenter = new ThresholdTestSegmenter();
        var hooks = new DaemonHooks { CreateSegmenter = _ => segmenter, OpenSource = _ => new SyntheticTestFrameSource(frameCount: 4) };
        using var host = Build(hooks, driver, 50, ["--Gpio:Outputs:0:Name=relay", "--Gpio:Outputs:0:Zone=doorway", .. pin]);

        int exit = await DaemonHost.RunHostAsync(host).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Equal(0, segmenter.Calls);
        Assert.Empty(driver.OpenLines);
    }
}
