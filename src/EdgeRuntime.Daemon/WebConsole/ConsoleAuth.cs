using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeRuntime.WebConsole;

/// <summary>
/// Who may use the console: a request with <c>Authorization: Bearer &lt;token&gt;</c> (Prometheus' bearer_token_file,
/// scripts) or the session cookie the login form sets (HttpOnly, SameSite=Strict, Secure over HTTPS). The cookie holds
/// an HMAC of the token, not the token, so it cannot be replayed as a bearer token. /healthz, /readyz, the login page
/// and the stylesheet are open (they reveal nothing but liveness).
/// </summary>
internal sealed class ConsoleAuth(ConsoleToken token)
{
    public const string CookieName = "edgert_console";

    private readonly string _session = Convert.ToBase64String(HMACSHA256.HashData(Encoding.ASCII.GetBytes(token.Value), "edgert-console-session"u8))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsOpen(PathString path) =>
        path == "/healthz" || path == "/readyz" || path == "/login" || path == "/static/console.css";

    public bool IsAuthorized(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return token.Matches(header.AsSpan(7).Trim());
        if (request.Cookies.TryGetValue(CookieName, out var cookie) && cookie is not null)
            return cookie.Length == _session.Length
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(_session));
        return false;
    }

    public bool CheckToken(string candidate) => token.Matches(candidate.AsSpan().Trim());

    public void SetSessionCookie(HttpResponse response, bool secure) =>
        response.Cookies.Append(CookieName, _session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = secure,
            Path = "/",
            MaxAge = TimeSpan.FromDays(30),
        });
}
