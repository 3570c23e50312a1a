using System.Security.Cryptography;
using System.Text.Json;
using EdgeRuntime.Daemon;

namespace EdgeRuntime.Ota;

/// <summary>A model in a slot, with the manifest it was installed from.</summary>
public sealed record InstalledModel(string Slot, string ModelPath, ModelManifest Manifest);

/// <summary>
/// The on-disk A/B layout in the state folder:
/// <code>
/// slots/a/{model.tflite,manifest.json}   slots/b/...
/// current  -> slots/a   (symlink, switched by renaming a temp symlink over it)
/// previous -> slots/b   (the rollback target; absent: the factory model Daemon:ModelPath)
/// trial                 (version under its health window; absent once committed)
/// ledger.json, downloads/
/// </code>
/// Files are written to a temp name, fsync'd, renamed, and their folder fsync'd; the slot being written is never
/// the one <c>current</c> or <c>previous</c> points to, so a power cut at any step leaves a bootable last-good model.
/// </summary>
public sealed class ModelStore
{
    public const string ModelFile = "model.tflite";
    public const string ManifestFile = "manifest.json";
    private static readonly string[] Slots = ["a", "b"];

    public ModelStore(string stateDirectory)
    {
        Root = Path.GetFullPath(stateDirectory);
        Directory.CreateDirectory(Path.Combine(Root, "slots", "a"));
        Directory.CreateDirectory(Path.Combine(Root, "slots", "b"));
        Directory.CreateDirectory(DownloadsDirectory);
    }

    public string Root { get; }
    public string DownloadsDirectory => Path.Combine(Root, "downloads");
    public string CurrentLink => Path.Combine(Root, "current");
    public string PreviousLink => Path.Combine(Root, "previous");
    private string TrialFile => Path.Combine(Root, "trial");

    public string SlotDirectory(string slot) => Path.Combine(Root, "slots", slot);

    /// <summary>The slot a pointer names ("a"/"b"), or null when absent or not a slot.</summary>
    public string? SlotOf(string link)
    {
        string? target = DurableFile.ReadLink(link);
        if (target is null) return null;
        string name = Path.GetFileName(target.TrimEnd('/'));
        return Slots.Contains(name) ? name : null;
    }

    public string? CurrentSlot => SlotOf(CurrentLink);
    public string? PreviousSlot => SlotOf(PreviousLink);

    /// <summary>The slot's model when it is complete and matches its manifest (length and SHA-256), else null with the reason.</summary>
    public InstalledModel? ReadSlot(string slot, out string? problem)
    {
        problem = null;
        string dir = SlotDirectory(slot);
        string model = Path.Combine(dir, ModelFile), manifestPath = Path.Combine(dir, ManifestFile);
        try
        {
            if (!File.Exists(manifestPath)) { problem = "no manifest"; return null; }
            var manifest = JsonSerializer.Deserialize(File.ReadAllBytes(manifestPath), OtaJsonContext.Default.ModelManifest);
            if (manifest is null) { problem = "empty manifest"; return null; }
            if (!File.Exists(model)) { problem = "no model file"; return null; }
            using var fs = File.OpenRead(model);
            if (fs.Length != manifest.Length) { problem = $"model is {fs.Length} bytes, manifest says {manifest.Length}"; return null; }
            string sha = Convert.ToHexStringLower(SHA256.HashData(fs));
            if (!string.Equals(sha, manifest.Sha256, StringComparison.OrdinalIgnoreCase)) { problem = "sha256 mismatch"; return null; }
            return new InstalledModel(slot, model, manifest);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>What to boot, best first: current, then previous (each only when intact). Empty: the factory model.</summary>
    public List<InstalledModel> BootCandidates(Action<string>? log = null)
    {
        var list = new List<InstalledModel>();
        foreach (var (link, slot) in new[] { ("current", CurrentSlot), ("previous", PreviousSlot) })
        {
            if (slot is null || list.Any(m => m.Slot == slot)) continue;
            var m = ReadSlot(slot, out var problem);
            if (m is not null) list.Add(m);
            else log?.Invoke($"{link} -> slots/{slot} is not bootable: {problem}");
        }
        return list;
    }

    /// <summary>After booting <paramref name="booted"/> (not what current said): make current point at it, forget previous.</summary>
    public void RepairCurrent(InstalledModel? booted)
    {
        DeleteTrial();
        if (booted is null)
        {
            DurableFile.DeleteLink(CurrentLink);
        }
        else
        {
            DurableFile.ReplaceSymlink(CurrentLink, Path.Combine("slots", booted.Slot));
        }
        DurableFile.DeleteLink(PreviousLink);
    }

    /// <summary>
    /// Writes the model into the slot current does not use. First makes previous = current (so previous never
    /// names the slot being overwritten), then model.tflite and manifest.json (manifest last), all fsync'd.
    /// </summary>
    public InstalledModel WriteInactiveSlot(ReadOnlySpan<byte> model, ModelManifest manifest)
    {
        string? current = CurrentSlot;
        string slot = current == "a" ? "b" : "a";
        if (current is null) DurableFile.DeleteLink(PreviousLink);
        else DurableFile.ReplaceSymlink(PreviousLink, Path.Combine("slots", current));

        string dir = SlotDirectory(slot);
        Directory.CreateDirectory(dir);
        string manifestPath = Path.Combine(dir, ManifestFile);
        if (File.Exists(manifestPath))
        {
            File.Delete(manifestPath);
            DurableFile.FsyncDirectory(dir);
        }
        string modelPath = Path.Combine(dir, ModelFile);
        DurableFile.WriteAllBytes(modelPath, model);
        DurableFile.WriteAllBytes(manifestPath, JsonSerializer.SerializeToUtf8Bytes(manifest, OtaJsonContext.Default.ModelManifest));
        CrashPoints.Hit(CrashPoints.AfterWrite);
        return new InstalledModel(slot, modelPath, manifest);
    }

    /// <summary>
    /// Marks the model as on trial (trial = "version\nstarts", starts = 1: this activation is its first start) and
    /// switches current to its slot (atomic rename of a temp symlink).
    /// </summary>
    public void SwitchCurrent(InstalledModel model)
    {
        WriteTrial(model.Manifest.Version, 1);
        DurableFile.ReplaceSymlink(CurrentLink, Path.Combine("slots", model.Slot), () => CrashPoints.Hit(CrashPoints.BeforeRename));
        CrashPoints.Hit(CrashPoints.AfterRename);
    }

    private void WriteTrial(long version, int starts) =>
        DurableFile.WriteAllBytes(TrialFile, System.Text.Encoding.UTF8.GetBytes(
            version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + starts.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"));

    private string[]? TrialLines()
    {
        try { return File.ReadAllText(TrialFile).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The version on trial (activated, health window not passed), or null.</summary>
    public long? TrialVersion =>
        TrialLines() is { Length: > 0 } l && long.TryParse(l[0], System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : null;

    /// <summary>How often the model on trial was started (in-process activation and boots); 0 when unknown.</summary>
    public int TrialStarts =>
        TrialLines() is { Length: > 1 } l && int.TryParse(l[1], System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : 0;

    /// <summary>Counts one more start of the model on trial, written and fsync'd before the model is loaded.</summary>
    public int CountTrialStart()
    {
        long version = TrialVersion ?? throw new InvalidOperationException("no model is on trial");
        int starts = TrialStarts + 1;
        WriteTrial(version, starts);
        return starts;
    }

    /// <summary>The health window passed: the current model is the new last-good.</summary>
    public void Commit() => DeleteTrial();

    /// <summary>Points current back at previous (or removes it: factory model) and returns what that is.</summary>
    public InstalledModel? RollBack()
    {
        string? previous = PreviousSlot;
        InstalledModel? target = previous is null ? null : ReadSlot(previous, out _);
        if (target is not null) DurableFile.ReplaceSymlink(CurrentLink, Path.Combine("slots", target.Slot));
        else DurableFile.DeleteLink(CurrentLink);
        DurableFile.DeleteLink(PreviousLink);
        DeleteTrial();
        return target;
    }

    private void DeleteTrial()
    {
        if (!File.Exists(TrialFile)) return;
        File.Delete(TrialFile);
        DurableFile.FsyncDirectory(Root);
    }
}
