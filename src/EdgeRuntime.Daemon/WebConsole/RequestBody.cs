using Microsoft.AspNetCore.Http;

namespace EdgeRuntime.WebConsole;

/// <summary>Reads a request body of at most a given size; answers 413 itself (and returns null) when it is larger.</summary>
internal static class RequestBody
{
    public static async Task<byte[]?> ReadAsync(HttpContext http, int maxBytes)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            await ConsoleEndpoints.Text(http, StatusCodes.Status413PayloadTooLarge, $"body larger than {maxBytes} bytes\n").ConfigureAwait(false);
            return null;
        }
        var buffer = new byte[Math.Min(maxBytes + 1, (int)(http.Request.ContentLength ?? 4096) + 1)];
        int total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (buffer.Length > maxBytes) break;
                    Array.Resize(ref buffer, Math.Min(maxBytes + 1, buffer.Length * 2));
                }
                int n = await http.Request.Body.ReadAsync(buffer.AsMemory(total), http.RequestAborted).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            total = maxBytes + 1; // Kestrel's own limit (chunked bodies without a length)
        }
        if (total > maxBytes)
        {
            await ConsoleEndpoints.Text(http, StatusCodes.Status413PayloadTooLarge, $"body larger than {maxBytes} bytes\n").ConfigureAwait(false);
            return null;
        }
        return buffer.AsSpan(0, total).ToArray();
    }
}
