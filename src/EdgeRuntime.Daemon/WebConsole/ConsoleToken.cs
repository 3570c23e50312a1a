using System.Security.Cryptography;
using System.Text;
using EdgeRuntime.Daemon;
using EdgeRuntime.Ota;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// The console's access token: 32 random bytes, base64url, in a file created 0600 at first start (never chmod'ed
/// afterwards), refused when others can read it. Compared in constant time.
/// </summary>
internal sealed class ConsoleToken
{
    private readonly byte[] _token;

    private ConsoleToken(string value, string path, bool created)
    {
        _token = Encoding.ASCII.GetBytes(value);
        Path = path;
        Created = created;
    }

    public string Path { get; }

    /// <summary>True when this start created the file.</summary>
    public bool Created { get; }

    /// <summary>The token itself (tests and the login form's comparison only; never logged).</summary>
    internal string Value => Encoding.ASCII.GetString(_token);

    public static ConsoleToken LoadOrCreate(string path)
    {
        bool created = false;
        if (!File.Exists(path))
        {
            string fresh = Base64Url(RandomNumberGenerator.GetBytes(32));
            try
            {
                PrivateFile.WriteNew(path, Encoding.ASCII.GetBytes(fresh + "\n"));
                created = true;
            }
            catch (IOException) when (File.Exists(path)) { /* another process created it first: read theirs */ }
        }
        string value = Encoding.ASCII.GetString(PrivateFile.Read(path)).Trim();
        if (value.Length < 16) throw new InvalidDataException($"console token file {path} holds fewer than 16 characters");
        return new ConsoleToken(value, path, created);
    }

    /// <summary>Constant-time comparison (the length of the token is not a secret).</summary>
    public bool Matches(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length != _token.Length || candidate.Length > 256) return false;
        Span<byte> bytes = stackalloc byte[256];
        bytes = bytes[..candidate.Length];
        for (int i = 0; i < candidate.Length; i++) bytes[i] = candidate[i] < 128 ? (byte)candidate[i] : (byte)0;
        return CryptographicOperations.FixedTimeEquals(bytes, _token);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
