using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeRuntime.Automation.Gpio;

/// <summary>
/// Opens the GPIO at start (before the frame loop, so outputs are safe and triggers are read from the first frame),
/// services output timers and the status LED every Gpio:TickMs, and returns every output to its inactive level at
/// shutdown (after the frame loop stopped). A pin that does not exist or is taken stops the start with one line
/// (exit code 2, like any invalid configuration).
/// </summary>
public sealed class GpioService(GpioRuntime runtime, IOptions<GpioOptions> options, TimeProvider clock, ILogger<GpioService> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            runtime.Open();
        }
        catch (GpioSetupException ex)
        {
            throw new OptionsValidationException(GpioOptions.SectionName, typeof(GpioOptions), [ex.Message]);
        }
        return options.Value.AnyPin ? base.StartAsync(cancellationToken) : Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.TickMs), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                runtime.Tick();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!runtime.IsOpen) return; // nothing configured, or opening failed (then nothing was driven)
        runtime.SafeState();
        logger.LogInformation("GPIO outputs returned to their safe (inactive) state");
        runtime.Dispose();
    }
}
