using System.Runtime.InteropServices;

namespace EdgeRuntime.Daemon;

/// <summary>
/// Crash-safe file primitives: write to a temp file, fsync it, rename over the target, fsync the folder.
/// A power cut at any point leaves either the old or the new content, never a mix.
/// </summary>
public static partial class DurableFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and durably.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        Rename(tmp, path);
        FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync of an existing file.</summary>
    public static void FsyncFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>fsync of a folder, so renames and new entries in it survive a power cut.</summary>
    public static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"open({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>rename(2): atomic replacement of <paramref name="to"/> (also for symbolic links, which it does not follow).</summary>
    public static void Rename(string from, string to)
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(from, to, overwrite: true);
            return;
        }
        if (RenameNative(from, to) != 0)
            throw new IOException($"rename({from}, {to}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Points the symbolic link <paramref name="linkPath"/> at <paramref name="target"/> atomically (temp link + rename) and fsyncs the folder.</summary>
    public static void ReplaceSymlink(string linkPath, string target, Action? beforeRename = null)
    {
        string tmp = linkPath + ".tmp";
        if (File.Exists(tmp) || Directory.Exists(tmp) || IsSymlink(tmp)) File.Delete(tmp);
        File.CreateSymbolicLink(tmp, target);
        string dir = Path.GetDirectoryName(Path.GetFullPath(linkPath))!;
        FsyncDirectory(dir);
        beforeRename?.Invoke();
        Rename(tmp, linkPath);
        FsyncDirectory(dir);
    }

    /// <summary>Removes a link durably (no-op when absent).</summary>
    public static void DeleteLink(string linkPath)
    {
        if (!IsSymlink(linkPath) && !File.Exists(linkPath)) return;
        File.Delete(linkPath);
        FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(linkPath))!);
    }

    /// <summary>The target text of a symbolic link, or null when <paramref name="path"/> is not one.</summary>
    public static string? ReadLink(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.LinkTarget;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static bool IsSymlink(string path) => ReadLink(path) is not null;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameNative(string from, string to);
}
