using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Digest.Subscriptions.Web;

/// <summary>
/// Reads an application/x-www-form-urlencoded body for the form posts. ASP.NET's own reader keeps a
/// percent-escape that does not decode to UTF-8 ("%C3%28") as literal text, so bytes nobody typed
/// would pass for an odd but valid address; it also refuses a NUL with an error that names no
/// field. Here every value is decoded the same way a raw body is: what is not UTF-8 becomes
/// U+FFFD, and the field checks then refuse it by name.
/// </summary>
internal static class UrlEncodedForm
{
    /// <summary>More than the largest legitimate form by far; a field of a megabyte still gets its own message.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public const int MaxFields = 64;

    /// <returns>The form, or null when the body is over <see cref="MaxBytes"/> or has more than <see cref="MaxFields"/> fields.</returns>
    public static async Task<FormCollection?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
            return null;
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + read > MaxBytes)
                return null;
            body.Write(buffer, 0, read);
        }
        return Parse(body.GetBuffer().AsSpan(0, (int)body.Length));
    }

    public static FormCollection? Parse(ReadOnlySpan<byte> body)
    {
        var fields = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var count = 0;
        foreach (var range in body.Split((byte)'&'))
        {
            var pair = body[range];
            if (pair.IsEmpty)
                continue;
            if (++count > MaxFields)
                return null;
            var equals = pair.IndexOf((byte)'=');
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            if (!fields.TryGetValue(key, out var values))
                fields[key] = values = [];
            values.Add(value);
        }
        return new FormCollection(fields.ToDictionary(f => f.Key, f => new StringValues(f.Value.ToArray()), StringComparer.Ordinal));
    }

    /// <summary>'+' is a space, %XX a byte (a '%' not followed by two hex digits stays itself); the bytes are UTF-8.</summary>
    static string Decode(ReadOnlySpan<byte> encoded)
    {
        var bytes = new byte[encoded.Length];
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b == '+')
            {
                bytes[length++] = (byte)' ';
            }
            else if (b == '%' && i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                bytes[length++] = (byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2]));
                i += 2;
            }
            else
            {
                bytes[length++] = b;
            }
        }
        // Encoding.UTF8 replaces every invalid sequence with U+FFFD.
        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
