using Digest.Mailer.Mime;

namespace Digest.Mailer.Smtp;

/// <summary>RFC 5321 §4.5.2: a line of message data that starts with "." gets another "." in front, the first line included.</summary>
internal static class DotStuffing
{
    public static bool IsNeeded(ReadOnlySpan<byte> data) => !data.IsEmpty && data[0] == '.' || data.IndexOf("\r\n."u8) >= 0;

    public static void Write(MessageBuffer output, ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty && data[0] == '.')
            output.Write((byte)'.');
        while (true)
        {
            var at = data.IndexOf("\r\n."u8);
            if (at < 0)
            {
                output.Write(data);
                return;
            }
            output.Write(data[..(at + 3)]);
            output.Write((byte)'.');
            data = data[(at + 3)..];
        }
    }
}
