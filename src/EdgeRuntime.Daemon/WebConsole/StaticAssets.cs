using System.Collections.Frozen;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// The console's pages, script and stylesheet, embedded in the assembly (no files on disk, no build toolchain, no CDN).
/// Lookup is by exact name in a fixed table: a path that is not one of these names (../, encoded slashes, anything) is 404.
/// </summary>
internal static class StaticAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Assets = Load();

    public static IEnumerable<string> Names => Assets.Keys;

    public static bool TryGet(string name, out byte[] bytes, out string contentType)
    {
        if (Assets.TryGetValue(name, out var a))
        {
            bytes = a.Bytes;
            contentType = a.ContentType;
            return true;
        }
        bytes = [];
        contentType = "";
        return false;
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var map = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            string name = resource[Prefix.Length..];
            map[name] = (ms.ToArray(), ContentTypeOf(name));
        }
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
