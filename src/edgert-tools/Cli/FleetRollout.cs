using System.Diagnostics;
using System.Globalization;
using EdgeRuntime.Ota;

namespace EdgeRuntime.Cli;

/// <summary>One stage of a staged rollout: its name and targets (devices and/or groups).</summary>
public sealed record RolloutStage(string Name, IReadOnlyList<string> Targets);

/// <summary>What a rollout did.</summary>
public sealed record RolloutResult(bool Completed, string? HaltedAt, string? HaltReason, IReadOnlyList<StageResult> Stages, TimeSpan Elapsed);

public sealed record StageResult(string Name, int Devices, int Active, int Failed, int Pending, TimeSpan Elapsed, bool Promoted);

/// <summary>
/// Staged rollout: "canary:devA,devB;wave1:group1;wave2:group2". Each stage publishes the manifest (retained) to
/// its targets — a name that some device reports as its group is a group (or force it with "g:NAME"/"d:NAME") — and
/// waits until the stage's devices (pinned ones excluded) report state "active" with health_passed on the manifest's version
/// (device states are verified by FleetMqtt: signed with the enrolled device key, device id from the topic). Promotes
/// when the active fraction reaches the success threshold; halts (and publishes no further stage) when more than
/// max-failures devices report rejected/rolled-back, when the threshold can no longer be reached, or on timeout.
/// </summary>
public static class FleetRollout
{
    public static IReadOnlyList<RolloutStage> ParseStages(string spec)
    {
        var stages = new List<RolloutStage>();
        foreach (string part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.IndexOf(':');
            if (colon <= 0) throw new CliException($"stage '{part}' is not NAME:target,target");
            var targets = part[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (targets.Length == 0) throw new CliException($"stage '{part[..colon]}' has no targets");
            stages.Add(new RolloutStage(part[..colon], targets));
        }
        return stages.Count > 0 ? stages : throw new CliException("no stages");
    }

    public static async Task<RolloutResult> RunAsync(FleetMqtt fleet, ModelManifest manifest, byte[] manifestJson, IReadOnlyList<RolloutStage> stages,
        double success, int maxFailures, TimeSpan stageTimeout, TimeSpan discovery, TextWriter log, CancellationToken ct = default)
    {
        var total = Stopwatch.StartNew();
        // Learn the fleet (retained states) before deciding which names are groups.
        await Task.Delay(discovery, ct).ConfigureAwait(false);
        var results = new List<StageResult>();
        foreach (var stage in stages)
        {
            var sw = Stopwatch.StartNew();
            var groups = new HashSet<string>(StringComparer.Ordinal);
            var devices = new HashSet<string>(StringComparer.Ordinal);
            foreach (string t in stage.Targets)
            {
                if (t.StartsWith("g:", StringComparison.Ordinal)) groups.Add(t[2..]);
                else if (t.StartsWith("d:", StringComparison.Ordinal)) devices.Add(t[2..]);
                else if (fleet.States.Values.Any(s => s.Group == t)) groups.Add(t);
                else devices.Add(t);
            }
            foreach (string d in devices) await fleet.PublishRetainedAsync(fleet.DeviceDesiredTopic(d), manifestJson, ct).ConfigureAwait(false);
            foreach (string g in groups) await fleet.PublishRetainedAsync(fleet.GroupDesiredTopic(g), manifestJson, ct).ConfigureAwait(false);
            log.WriteLine($"stage {stage.Name}: published v{manifest.Version.ToString(CultureInfo.InvariantCulture)} to {string.Join(", ", devices.Select(d => "device " + d).Concat(groups.Select(g => "group " + g)))}");

            StageResult? result = null;
            string? halt = null;
            while (true)
            {
                var members = fleet.States.Values
                    .Where(s => devices.Contains(s.Device) || (s.Group is not null && groups.Contains(s.Group) && !s.Pinned))
                    .ToList();
                int expected = devices.Count + members.Count(s => !devices.Contains(s.Device));
                // Success only once the device's health window passed on the new version (not "active" at a boot on trial).
                int active = members.Count(s => s.ActiveVersion == manifest.Version && s.State == ModelLifecycle.Active && s.HealthPassed);
                int failed = members.Count(s => s.TargetVersion == manifest.Version &&
                    (s.State.StartsWith(ModelLifecycle.Rejected, StringComparison.Ordinal) || s.State.StartsWith(ModelLifecycle.RolledBack, StringComparison.Ordinal)));
                int pending = Math.Max(0, expected - active - failed);
                result = new StageResult(stage.Name, expected, active, failed, pending, sw.Elapsed, false);
                if (expected > 0 && active >= Math.Ceiling(success * expected))
                {
                    result = result with { Promoted = true };
                    break;
                }
                if (failed > maxFailures) { halt = $"{failed} failures > max {maxFailures}"; break; }
                if (expected > 0 && active + pending < Math.Ceiling(success * expected)) { halt = $"success {success:P0} can no longer be reached ({active} active, {failed} failed of {expected})"; break; }
                if (sw.Elapsed > stageTimeout) { halt = $"timeout after {stageTimeout.TotalSeconds:F0} s ({active} active, {failed} failed, {pending} pending of {expected})"; break; }
                await fleet.WaitForChangeAsync(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            }
            results.Add(result);
            log.WriteLine($"stage {stage.Name}: {result.Active}/{result.Devices} active, {result.Failed} failed in {result.Elapsed.TotalSeconds:F1} s -> {(result.Promoted ? "promoted" : "HALTED: " + halt)}");
            if (!result.Promoted) return new RolloutResult(false, stage.Name, halt, results, total.Elapsed);
        }
        return new RolloutResult(true, null, null, results, total.Elapsed);
    }
}
