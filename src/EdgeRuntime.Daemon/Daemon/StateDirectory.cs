namespace EdgeRuntime.Daemon;

/// <summary>
/// The device's state folder (Ota:StateDirectory): broker credentials and the device key live there. Registered by the
/// OTA wiring, which owns that setting, so the daemon's own services need not know the OTA options.
/// </summary>
/// <param name="Path">The folder; empty when OTA is off.</param>
public sealed record StateDirectory(string Path);
