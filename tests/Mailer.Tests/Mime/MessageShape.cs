using System.Text;

namespace Digest.Mailer.Tests.Mime;

/// <summary>What every written message must look like on the wire, whatever went in.</summary>
internal static class MessageShape
{
    public static void AssertWireSafe(byte[] bytes, string description)
    {
        Assert.That(bytes, Is.Not.Empty, description);
        Assert.That(bytes[^2..], Is.EqualTo("\r\n"u8.ToArray()), $"{description}: the message ends with CRLF");
        var line = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\r')
            {
                Assert.That(i + 1 < bytes.Length && bytes[i + 1] == '\n', Is.True, $"{description}: bare CR at {i}");
                Assert.That(line, Is.LessThanOrEqualTo(998), $"{description}: a line of {line} octets ends at {i}");
                line = 0;
                i++;
                continue;
            }
            Assert.That(bytes[i], Is.Not.EqualTo((byte)'\n'), $"{description}: bare LF at {i}");
            line++;
        }
    }

    /// <summary>Every octet is 7-bit.</summary>
    public static bool IsSevenBit(byte[] bytes) => bytes.All(b => b < 0x80);

    /// <summary>An unfolded header value from the written bytes.</summary>
    public static string HeaderValue(byte[] bytes, string name)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", "\t", StringComparison.Ordinal);
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                return line[(name.Length + 1)..].Trim();
        }
        throw new AssertionException($"no {name} header");
    }
}
