namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// The "Gpio" configuration section: which chip and driver, how pins are numbered, and the outputs (relays, LEDs
/// driven by zone rules), trigger inputs (PIR, buttons) and status LED. With nothing configured no GPIO is opened.
/// </summary>
public sealed class GpioOptions
{
    public const string SectionName = "Gpio";

    /// <summary>"libgpiod": libgpiod 1.x (Raspberry Pi OS bookworm, Debian 12, Ubuntu 22.04/24.04: package libgpiod2).</summary>
    public string Driver { get; set; } = GpioDrivers.LibGpiod;

    /// <summary>The gpiochip number (/dev/gpiochipN). Pi 1-4: 0; Pi 5: 0 on current kernels (4 on early ones).</summary>
    public int Chip { get; set; }

    /// <summary>"logical": line offsets on the chip (BCM numbers on a Pi); "board": physical pins of the 40-pin header.</summary>
    public string Numbering { get; set; } = PinNumbering.Logical;

    public List<GpioOutputOptions> Outputs { get; set; } = [];

    public List<GpioTriggerOptions> Triggers { get; set; } = [];

    /// <summary>Frames still inferred after every trigger input went inactive.</summary>
    public int TriggerTrailingFrames { get; set; } = 30;

    /// <summary>
    /// Extra power (watts) the board draws while inferring compared with idle, measured by the integrator for the
    /// board and model. With it, telemetry estimates the saving of trigger gating; 0: no estimate.
    /// </summary>
    public double InferencePowerWatts { get; set; }

    public GpioStatusLedOptions StatusLed { get; set; } = new();

    /// <summary>How often hold/pulse timers and the status LED are serviced, milliseconds.</summary>
    public int TickMs { get; set; } = 10;

    /// <summary>True when any pin is configured (only then is a GPIO controller opened).</summary>
    public bool AnyPin => Outputs.Count > 0 || Triggers.Count > 0 || StatusLed.Pin >= 0;
}

/// <summary>An output pin switched by zone rules.</summary>
public sealed class GpioOutputOptions
{
    /// <summary>Name used in logs and errors (e.g. "doorway-relay").</summary>
    public string Name { get; set; } = "";

    public int Pin { get; set; } = -1;

    /// <summary>"relay" or "led" (documentation only: both are a digital output).</summary>
    public string Kind { get; set; } = "relay";

    /// <summary>The active level is low (many relay boards switch on when the input is pulled low).</summary>
    public bool ActiveLow { get; set; }

    /// <summary>The zone whose occupancy drives this output.</summary>
    public string Zone { get; set; } = "";

    /// <summary>The class in that zone; empty: any watched class.</summary>
    public string Class { get; set; } = "";

    /// <summary>"hold": on while occupied (plus HoldMs); "pulse": on for PulseMs when the zone becomes occupied.</summary>
    public string Mode { get; set; } = OutputModes.Hold;

    /// <summary>Hold mode: stays on this long after the zone cleared.</summary>
    public int HoldMs { get; set; }

    /// <summary>Pulse mode: length of the pulse.</summary>
    public int PulseMs { get; set; } = 500;

    /// <summary>Once switched on, stays on at least this long (protects relays and what they drive from chatter).</summary>
    public int MinOnMs { get; set; }
}

/// <summary>A trigger input (PIR sensor, button): inference runs only while a trigger is active, plus N frames.</summary>
public sealed class GpioTriggerOptions
{
    public string Name { get; set; } = "";

    public int Pin { get; set; } = -1;

    /// <summary>"none", "up" or "down": the chip's internal bias resistor.</summary>
    public string Pull { get; set; } = PullModes.None;

    /// <summary>Active when the pin reads low (a button to ground with a pull-up).</summary>
    public bool ActiveLow { get; set; }
}

/// <summary>The status LED: heartbeat while frames flow, blink codes for trouble.</summary>
public sealed class GpioStatusLedOptions
{
    /// <summary>-1: no status LED.</summary>
    public int Pin { get; set; } = -1;

    public bool ActiveLow { get; set; }

    /// <summary>No frame progress for this long shows "stalled" (LED off) instead of the heartbeat.</summary>
    public int StallMs { get; set; } = 3000;
}

public static class GpioDrivers
{
    public const string LibGpiod = "libgpiod";
}

public static class PinNumbering
{
    public const string Logical = "logical";
    public const string Board = "board";
}

public static class OutputModes
{
    public const string Hold = "hold";
    public const string Pulse = "pulse";
}

public static class PullModes
{
    public const string None = "none";
    public const string Up = "up";
    public const string Down = "down";
}
