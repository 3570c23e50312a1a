namespace EdgeRuntime.Daemon;

/// <summary>
/// Secrets on disk (signing keys, device keys, broker credentials): created with mode 0600 at creation
/// (<see cref="FileStreamOptions.UnixCreateMode"/>, never chmod'ed afterwards, so there is no moment when others can read
/// them), refused in a folder that others may write to (they could swap the file), written once, fsync'd.
/// </summary>
public static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Throws <see cref="UnauthorizedAccessException"/> when others (not owner/group) may write to <paramref name="directory"/>.</summary>
    public static void CheckDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(directory);
        if ((mode & UnixFileMode.OtherWrite) != 0)
            throw new UnauthorizedAccessException($"{Path.GetFullPath(directory)} is writable by others; refusing to keep a private key there");
    }

    /// <summary>Creates <paramref name="path"/> (must not exist) readable by its owner only, writes and fsyncs it.</summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> content)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        CheckDirectory(dir);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var fs = new FileStream(path, options))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        DurableFile.FsyncDirectory(dir);
    }

    /// <summary>Reads a private file, refusing one that others (or the group) can read.</summary>
    public static byte[] Read(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite)) != 0)
                throw new UnauthorizedAccessException($"{path} is accessible by others (mode {Convert.ToString((int)mode, 8)}); make it 0600");
        }
        return File.ReadAllBytes(path);
    }
}
